"""Published STIX 2.1 content validates without errors: ATT&CK, the OASIS examples and the
python-stix2 filesystem store, whose two non-2.1 files have explicit expected verdicts."""

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


STORE = shared_path("corpus", "real-world", "python-stix2-filesystem-store")
STORE_FILES = sorted(STORE.rglob("*.json"))
# The store's files that are not STIX 2.1 by the spec (docs/validator-differences.md, rows 7
# and 9); stix2-validator accepts both. Every other file of the store gives no error.
STORE_ERRORS: dict[str, set[tuple[str, str]]] = {
    # A STIX 2.0 bundle (spec_version on the bundle): its malware has no spec_version,
    # which section 3.2 requires on every 2.1 SDO.
    "malware/malware--b42378e0-f147-496f-992a-26a49705395b/20170531213215263882.json": {
        ("required", "$.objects[0].spec_version")
    },
    # Section 3.2: created is precise to the millisecond on every object that has it,
    # marking-definition included; "2017-06-01T00:00:00Z" has no fraction.
    "marking-definition/marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168.json": {
        ("timestamp-precision", "$.objects[0].created")
    },
}


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_published_bundle_has_no_errors(validator: Validator, path: Path) -> None:
    """A published bundle passes with at most warnings (custom ATT&CK content is one)."""
    report = validator.validate_document(orjson.loads(path.read_bytes()))
    assert [f for f in report.findings if f.severity == "error"] == []


# The relationship-type warnings (STIX 2.1 section 5.1.2 SHOULD) of each ATT&CK bundle:
# ATT&CK's own names (revoked-by, subtechnique-of) and tool uses attack-pattern (section
# 4.18.2 lists tool uses infrastructure only). course-of-action mitigates attack-pattern is a
# spec relationship, and detects starts at a custom x-mitre-data-component: neither warns.
ATTACK_RELATIONSHIP_WARNINGS = {
    "ics-attack-18.1.json": {"intrusion-set revoked-by intrusion-set"},
    "mobile-attack-17.1.json": {
        "attack-pattern revoked-by attack-pattern",
        "attack-pattern subtechnique-of attack-pattern",
        "tool uses attack-pattern",
    },
}


@pytest.mark.parametrize("name", sorted(ATTACK_RELATIONSHIP_WARNINGS))
def test_attack_relationship_type_warnings(validator: Validator, name: str) -> None:
    """ATT&CK's relationships outside the spec's tables are relationship-type warnings, and
    only those (sections 5.1, 3.7, Appendix B)."""
    path = shared_path("corpus", "real-world", "mitre-attack", name)
    report = validator.validate_document(orjson.loads(path.read_bytes()))
    found = {
        f.message.split(" is not ")[0]
        for f in report.findings
        if f.code.startswith("relationship-")
    }
    assert found == ATTACK_RELATIONSHIP_WARNINGS[name]


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


@pytest.mark.parametrize("path", STORE_FILES, ids=[str(p.relative_to(STORE)) for p in STORE_FILES])
def test_filesystem_store_file_has_its_expected_verdict(validator: Validator, path: Path) -> None:
    """Each file of the python-stix2 filesystem store gives exactly its expected errors
    (none for the 29 STIX 2.1 files)."""
    report = validator.validate_document(orjson.loads(path.read_bytes()))
    found = {(f.code, f.path) for f in report.findings if f.severity == "error"}
    assert found == STORE_ERRORS.get(str(path.relative_to(STORE)), set())


def test_filesystem_store_is_all_there() -> None:
    """The store has 31 files and both files with expected errors exist."""
    names = {str(p.relative_to(STORE)) for p in STORE_FILES}
    assert len(names) == 31
    assert set(STORE_ERRORS) <= names
