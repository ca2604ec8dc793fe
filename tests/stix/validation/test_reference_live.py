"""The recorded verdicts of stix2-validator still hold: the installed reference is run live
on every fixture and spec example, so upgrading it (or a fixture changing) is noticed
before the differential tests of ``test_reference.py`` silently compare with stale data.

The whole corpus (408 fixtures, with default and strict options, and 164 spec examples)
takes about 11 seconds on the development machine, so nothing is sampled.
"""

import json
import warnings
from typing import Any

import orjson
import pytest
from stix2validator import ValidationOptions, validate_parsed_json

from tests.conftest import shared_path

FIXTURES = shared_path("corpus", "validator-fixtures")
INDEX: list[dict[str, Any]] = json.loads((FIXTURES / "index.json").read_text())
SPEC: dict[str, Any] = json.loads(
    shared_path("corpus", "spec-examples", "stix21-spec-examples.json").read_text()
)


def _reference_valid(doc: Any, *, strict: bool) -> bool:
    """The reference's verdict on STIX 2.1 content.

    ``version="2.1"`` is how the corpus was recorded (it decides the strict verdict of the
    spec_version mismatch fixtures). A document the reference cannot take at all (it raises)
    is invalid, as the corpus records it ("validator exception: ..."). Its Python warnings
    are ignored, as when the corpus was recorded (pytest would turn them into exceptions).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = validate_parsed_json(doc, ValidationOptions(strict=strict, version="2.1"))
    except Exception:  # noqa: BLE001  the reference raises plain errors on broken input
        return False
    if isinstance(result, list):
        return all(r.is_valid for r in result)
    return bool(result.is_valid)


@pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])
def test_recorded_fixture_verdicts_match_the_installed_reference(strict: bool) -> None:
    """stix2-validator, run now, gives every fixture the verdict the corpus recorded."""
    column = "strict_valid" if strict else "default_valid"
    stale = []
    for entry in INDEX:
        try:
            doc = orjson.loads((FIXTURES / entry["file"]).read_bytes())
        except orjson.JSONDecodeError:
            live = False
        else:
            live = _reference_valid(doc, strict=strict)
        if live != entry[column]:
            stale.append((entry["file"], entry[column], live))
    assert stale == []


def test_recorded_spec_example_verdicts_match_the_installed_reference() -> None:
    """stix2-validator, run now, gives every spec example the verdict the corpus recorded."""
    stale = [
        (number, example["section"])
        for number, example in enumerate(SPEC["examples"])
        if _reference_valid(example["object"], strict=False)
        != example["stix2_validator_3_3_2_valid"]
    ]
    assert stale == []
