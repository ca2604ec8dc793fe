"""Published STIX 2.1 content validates without errors: ATT&CK and the OASIS examples."""

from pathlib import Path

import orjson
import pytest

from stixhub.stix.validation import ValidationOptions, Validator
from tests.conftest import shared_path

FILES = sorted(
    [
        *shared_path("corpus", "real-world", "mitre-attack").glob("*.json"),
        *shared_path("corpus", "oasis-json-schemas", "examples").rglob("*.json"),
    ]
)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_published_bundle_has_no_errors(validator: Validator, path: Path) -> None:
    """A published bundle passes with at most warnings (custom ATT&CK content is one)."""
    report = validator.validate_document(orjson.loads(path.read_bytes()))
    assert [f for f in report.findings if f.severity == "error"] == []


def test_attack_custom_content_is_refused_when_strict() -> None:
    """In strict mode the x-mitre custom objects of ATT&CK for ICS make it invalid."""
    path = shared_path("corpus", "real-world", "mitre-attack", "ics-attack-18.1.json")
    report = Validator(ValidationOptions(strict=True)).validate_document(
        orjson.loads(path.read_bytes())
    )
    assert not report.valid
    assert {f.code for f in report.findings if f.severity == "error"} == {
        "custom-object",
        "custom-property",
    }
