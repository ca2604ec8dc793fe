"""The validator cases B15-B19 of shared/cases, with their assertion vocabulary."""

import json
from typing import Any

import orjson
import pytest

from stixhub.stix.validation import Report, Validator
from tests.conftest import shared_path

CASE_IDS = ["B15", "B16", "B17", "B18", "B19"]


def _variants(case: dict[str, Any]) -> list[tuple[str, Any, dict[str, Any]]]:
    inp, exp = case["input"], case["expected"]
    if "type" in inp:
        return [("input", inp, exp)]
    return [(name, doc, exp[name]) for name, doc in inp.items() if "type" in doc]


def _check(report: Report, expected: dict[str, Any]) -> None:
    findings = report.findings
    errors = [f.message.lower() + " " + f.path.lower() for f in findings if f.severity == "error"]
    if "valid" in expected:
        assert report.valid is expected["valid"], findings
    if "error_mentions" in expected:
        assert any(expected["error_mentions"].lower() in e for e in errors), findings
    if "flagged" in expected:
        assert bool(findings) is expected["flagged"], findings
    if "flag_mentions" in expected:
        assert any(expected["flag_mentions"].lower() in f.message.lower() for f in findings)
    if "flag_level_in" in expected:
        assert findings
        assert all(f.severity in expected["flag_level_in"] for f in findings)
    for text in expected.get("no_warning_mentions", []):
        assert not any(
            text.lower() in f.message.lower() for f in findings if f.severity == "warning"
        )
    for name in expected.get("no_message_about_properties", []):
        assert not any(f.path.endswith(f".{name}") or f"'{name}'" in f.message for f in findings), (
            findings
        )


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_case(validator: Validator, case_id: str) -> None:
    """Each validator case of shared/cases gets the expected verdict and messages."""
    case = json.loads(shared_path("cases", f"{case_id}.json").read_text())
    assert case["component"] == "validator"
    for _name, doc, expected in _variants(case):
        _check(validator.validate_document(orjson.loads(orjson.dumps(doc))), expected)
