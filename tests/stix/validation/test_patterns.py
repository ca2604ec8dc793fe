"""The validator rejects indicators whose pattern names types or properties that STIX 2.1
cannot have, as stix2-validator does (the checks live in the pattern engine)."""

from typing import Any

import orjson
import pytest

from stixhub.stix.validation import Validator
from tests.conftest import shared_path

from .conftest import INDICATOR, obj

MUST = shared_path("corpus", "validator-fixtures", "invalid", "must")
SHORT_NAME_FIXTURES = {
    "indicator.pattern_custom_object_type_too_short--01.json": ["object type 'f'"],
    "indicator.pattern_custom_invalid_format--01.json": ["object type 'ab'", "property 'yz'"],
    "indicator.pattern_custom_property_too_short--01.json": ["property 'n'"],
}


def _pattern_errors(validator: Validator, doc: Any) -> list[str]:
    findings = validator.validate_document(doc).findings
    return [f.message for f in findings if f.code == "pattern" and f.severity == "error"]


@pytest.mark.parametrize(("name", "names"), SHORT_NAME_FIXTURES.items())
def test_fixture_pattern_with_short_name_is_an_error(
    validator: Validator, name: str, names: list[str]
) -> None:
    """Each reference fixture whose pattern has a name under 3 characters gets a pattern
    error naming it (STIX 2.1 section 3.1), not only its other errors."""
    doc = orjson.loads((MUST / name).read_bytes())
    errors = _pattern_errors(validator, doc)
    assert [message.split("pattern: ", 1)[1].split(" must ")[0] for message in errors] == names


def test_same_patterns_reject_an_otherwise_valid_indicator(validator: Validator) -> None:
    """The fixtures' patterns alone make a valid indicator invalid; a 3-character name does not."""
    for name in SHORT_NAME_FIXTURES:
        pattern = orjson.loads((MUST / name).read_bytes())["pattern"]
        report = validator.validate_document(obj(INDICATOR, pattern=pattern))
        assert not report.valid, pattern
    assert validator.validate_document(obj(INDICATOR, pattern="[x-abc:xyz = 'a']")).valid


def test_pcre_beyond_re2_leaves_the_indicator_valid_with_a_warning(validator: Validator) -> None:
    """A look-behind in MATCHES is valid PCRE and so valid STIX: one pattern warning, no error."""
    report = validator.validate_document(obj(INDICATOR, pattern="[file:name MATCHES '(?<=a)b']"))
    assert report.valid
    warnings = [f for f in report.findings if f.code == "pattern" and f.severity == "warning"]
    assert len(warnings) == 1
    assert "not supported by the linear-time engine" in warnings[0].message


def test_invalid_regex_makes_the_indicator_invalid(validator: Validator) -> None:
    """An unbalanced MATCHES expression is no regular expression: a pattern error."""
    report = validator.validate_document(obj(INDICATOR, pattern="[file:name MATCHES '(abc']"))
    assert not report.valid
    assert _pattern_errors(validator, obj(INDICATOR, pattern="[file:name MATCHES '(abc']"))
