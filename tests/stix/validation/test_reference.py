"""Differential tests: our MUST-level verdict agrees with stix2-validator 3.3.2 (recorded
in the corpus) on every fixture and spec example, except the documented differences of
docs/validator-differences.md, each of which has its own test below."""

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.stix.validation import Validator
from tests.conftest import shared_path

from .conftest import INDICATOR, codes, obj

FIXTURES = shared_path("corpus", "validator-fixtures")
INDEX = json.loads((FIXTURES / "index.json").read_text())
SPEC = json.loads(shared_path("corpus", "spec-examples", "stix21-spec-examples.json").read_text())

# Each difference: the section of STIX 2.1 that settles it, and the error code we report.
CREATED_BY = ("3.2 created_by_ref is an identifier of type identity", "reference-type")
BAD_UUID = ("2.9 an identifier holds an RFC 4122 UUID", "reference")
PROPERTY_NAME = ("3.1 property names: 3-250 characters of a-z, 0-9, _", "property-name")
TLP_REUSE = ("7.2.1.4 the TLP 1.0 ids name only the four TLP objects", "tlp-marking")
STIX_20 = ("3.2 spec_version is required and is 2.1 on 2.1 SDOs", None)
DUPLICATE = ("3.6 one version (id + modified) has one content", "version-conflict")
LANG_ONLY = ("7.2.3 a granular marking has marking_ref or lang", None)
LANGUAGE_TAG = ("RFC 5646 language tags: three-letter subtags checked for form only", None)

_SPEC_VERSION = {
    "invalid/option-dependent/spec_version.cmd--01.json",
    "invalid/should/spec_version.all--01.json",
    "invalid/should/spec_version.all--03.json",
    "invalid/should/spec_version.bundle--01.json",
    "invalid/should/spec_version.bundle--02.json",
    "invalid/should/spec_version.cmd_and_obj--01.json",
}
_NETWORK = [
    "invalid/should/network_traffic.network_traffic_http_request_header--01.json",
    "invalid/should/network_traffic.network_traffic_ipfix--01.json",
    "invalid/should/network_traffic.network_traffic_ports--01.json",
    "invalid/should/network_traffic.network_traffic_ports--02.json",
    "invalid/should/network_traffic.network_traffic_protocols--01.json",
    "invalid/should/network_traffic.network_traffic_socket_options--01.json",
    "valid/network_traffic.invalid_start_end_time--03.json",
    "valid/network_traffic.network_traffic_end_is_active--02.json",
    "valid/network_traffic.network_traffic_ports--03.json",
    "valid/network_traffic.network_traffic_protocols--02.json",
    "valid/network_traffic.wellformed_network_traffic--01.json",
]
_CREATED_BY = [
    "invalid/option-dependent/indicator.additional_schema--01.json",
    "invalid/option-dependent/indicator.additional_schema_extension--01.json",
    "invalid/option-dependent/indicator.additional_schema_extension--02.json",
    "invalid/option-dependent/indicator.pattern_custom_object_noprefix--01.json",
    "invalid/should/indicator.custom_property_name_strict--01.json",
    "invalid/should/indicator.indicator_different_pattern_type_not_in_enum--01.json",
    "invalid/should/indicator.indicator_missing_description--01.json",
    "invalid/should/indicator.indicator_missing_name--01.json",
    "invalid/should/indicator.indicator_missing_name_description--01.json",
    "invalid/should/indicator.reserved_property_usernames--01.json",
    "invalid/should/indicator.vocab_indicator_types--01.json",
    "valid/indicator.additional_schema--02.json",
    "valid/indicator.additional_schema_extension--03.json",
    "valid/indicator.indicator_different_pattern_type_does_not_get_validated--01.json",
    "valid/indicator.invalid_lang--02.json",
    "valid/indicator.invalid_timestamp--03.json",
    "valid/indicator.invalid_timestamp--05.json",
    "valid/indicator.pattern_custom_object_prefix_lax--01.json",
    "valid/indicator.pattern_custom_object_prefix_strict--01.json",
    "valid/indicator.pattern_custom_property_prefix_strict--01.json",
    "valid/indicator.pattern_custom_property_valid--01.json",
    "valid/indicator.pattern_custom_sco--01.json",
    "valid/indicator.pattern_list_object_property--01.json",
    "valid/indicator.pattern_with_escaped_slashes--01.json",
]
DIFFERENCES: dict[str, tuple[str, str | None]] = {
    **dict.fromkeys(_CREATED_BY, CREATED_BY),
    **dict.fromkeys(_NETWORK, BAD_UUID),
    **dict.fromkeys(_SPEC_VERSION, STIX_20),
    "invalid/should/indicator.custom_property_name_invalid_character--01.json": PROPERTY_NAME,
    "invalid/should/indicator.custom_property_name_long--01.json": PROPERTY_NAME,
    "invalid/should/marking_definition.lax_option--01.json": TLP_REUSE,
    "valid/marking_definition.marking_definition_with_extension--02.json": TLP_REUSE,
    "invalid/must/observed_data.software_language--01.json": LANGUAGE_TAG,
}
# Keyed by position in the examples file (several examples share a section heading).
SPEC_DIFFERENCES: dict[int, tuple[str, str | None]] = {105: LANG_ONLY, 152: TLP_REUSE}


def _load(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return None


def _verdict(validator: Validator, doc: Any) -> bool:
    return doc is not None and validator.validate_document(doc).valid


@pytest.mark.parametrize("entry", INDEX, ids=[e["file"] for e in INDEX])
def test_fixture_verdict_matches_reference(validator: Validator, entry: dict[str, Any]) -> None:
    """Our valid/invalid verdict equals the reference's, or the difference is documented."""
    doc = _load(FIXTURES / entry["file"])
    ours = _verdict(validator, doc)
    difference = DIFFERENCES.get(entry["file"])
    if difference is None:
        assert ours == entry["default_valid"], entry["default_errors"][:2]
        return
    assert ours != entry["default_valid"], f"documented difference no longer holds: {difference[0]}"
    section, code = difference
    if code is not None:
        assert code in codes(validator.validate_document(doc).findings, "error"), section


@pytest.mark.parametrize(
    ("number", "example"),
    list(enumerate(SPEC["examples"])),
    ids=[f"{i}-{e['section']}" for i, e in enumerate(SPEC["examples"])],
)
def test_spec_example_verdict_matches_reference(
    validator: Validator, number: int, example: dict[str, Any]
) -> None:
    """Every JSON example of the STIX 2.1 text gets the reference's verdict or a documented one."""
    ours = validator.validate_document(example["object"]).valid
    reference = example["stix2_validator_3_3_2_valid"]
    if number in SPEC_DIFFERENCES:
        assert ours != reference
    else:
        assert ours == reference, example["stix2_validator_3_3_2_errors"][:2]


def test_every_documented_difference_is_in_the_document() -> None:
    """docs/validator-differences.md names every section our tests treat as a difference."""
    text = (Path(__file__).resolve().parents[3] / "docs" / "validator-differences.md").read_text()
    for section, _ in {*DIFFERENCES.values(), *SPEC_DIFFERENCES.values()}:
        assert section.split(" ", 1)[0] in text, section


class TestDifferences:
    """One test per difference from stix2-validator, on a minimal object."""

    def test_granular_marking_with_only_lang_is_valid(self, validator: Validator) -> None:
        """Section 7.2.3: lang instead of marking_ref is a valid granular marking."""
        o = obj(INDICATOR, granular_markings=[{"lang": "en", "selectors": ["name"]}])
        assert validator.validate_document(o).valid

    def test_created_by_ref_to_a_non_identity_is_invalid(self, validator: Validator) -> None:
        """Section 3.2: created_by_ref is of type identity; source-- is refused."""
        o = obj(INDICATOR, created_by_ref="source--f431f809-377b-45e0-aa1c-6a4751cae5ff")
        assert codes(validator.validate_object(o), "error") == {"reference-type"}

    def test_reference_with_a_truncated_uuid_is_invalid(self, validator: Validator) -> None:
        """Section 2.9: a reference whose UUID lacks a digit is not an identifier."""
        o = obj(INDICATOR, created_by_ref="identity--e42c19c8-f9fe-5ae9-9fc8-22c398f78fb")
        assert codes(validator.validate_object(o), "error") == {"reference"}

    def test_custom_property_name_with_a_bang_is_invalid(self, validator: Validator) -> None:
        """Section 3.1: a property name uses only a-z, 0-9 and underscore."""
        assert codes(validator.validate_object({**INDICATOR, "my_new_property!": 1}), "error") == {
            "property-name"
        }

    def test_custom_property_name_over_250_characters_is_invalid(
        self, validator: Validator
    ) -> None:
        """Section 3.1: a property name has at most 250 characters."""
        assert codes(validator.validate_object({**INDICATOR, "x" * 251: 1}), "error") == {
            "property-name"
        }

    def test_tlp_id_reused_for_a_statement_is_invalid(self, validator: Validator) -> None:
        """Section 7.2.1.4: the TLP:GREEN id cannot name a copyright statement."""
        o = {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            "created": "2016-08-01T00:00:00.000Z",
            "definition_type": "statement",
            "definition": {"statement": "Copyright 2019, Example Corp"},
        }
        assert codes(validator.validate_object(o), "error") == {"tlp-marking"}

    def test_stix_20_objects_are_not_21_content(self, validator: Validator) -> None:
        """Section 3.2: a 2.1 SDO carries spec_version 2.1; 2.0 content is refused."""
        assert not validator.validate_document(obj(INDICATOR, spec_version="2.0")).valid
        assert not validator.validate_document(obj(INDICATOR, spec_version=...)).valid

    def test_same_version_with_different_content_is_an_error(self, validator: Validator) -> None:
        """Section 3.6: two different copies of one version make the bundle invalid."""
        bundle = {
            "type": "bundle",
            "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
            "objects": [INDICATOR, obj(INDICATOR, name="other")],
        }
        assert codes(validator.validate_document(bundle).findings, "error") == {"version-conflict"}

    def test_sdo_without_spec_version_in_a_20_bundle_is_invalid(self, validator: Validator) -> None:
        """Section 3.2: a 2.0-style bundle does not excuse its SDO from spec_version 2.1."""
        bundle = {
            "type": "bundle",
            "id": "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
            "spec_version": "2.0",
            "objects": [obj(INDICATOR, spec_version=...)],
        }
        assert codes(validator.validate_document(bundle).findings, "error") == {"required"}

    def test_marking_definition_created_without_milliseconds_is_invalid(
        self, validator: Validator
    ) -> None:
        """Section 3.2: a marking-definition's created needs millisecond precision too."""
        marking = {
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168",
            "created": "2017-06-01T00:00:00Z",
            "definition_type": "statement",
            "definition": {"statement": "Copyright 2017, The MITRE Corporation"},
        }
        assert codes(validator.validate_object(marking), "error") == {"timestamp-precision"}
        assert validator.validate_object({**marking, "created": "2017-06-01T00:00:00.000Z"}) == []

    def test_custom_integer_beyond_the_json_range_is_invalid(self, validator: Validator) -> None:
        """Section 2.10: an integer is within ±(2^53-1), in custom properties too."""
        assert codes(validator.validate_object(obj(INDICATOR, x_big=2**60)), "error") == {"range"}

    def test_three_letter_language_subtags_are_checked_for_form_only(
        self, validator: Validator
    ) -> None:
        """RFC 5646: 'bbb' is a well-formed three-letter subtag, so it is accepted."""
        o = {
            "type": "software",
            "id": "software--ff1e0780-358c-4808-a8c7-d0fca4ef6ef4",
            "name": "word",
            "languages": ["bbb"],
        }
        assert codes(validator.validate_object(o), "error") == set()
