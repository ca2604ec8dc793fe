"""Fixtures of the validator tests: one prepared validator per option set, and small
valid objects that each test breaks in one place."""

import copy
from typing import Any

import pytest

from stixhub.stix.validation import Finding, ValidationOptions, Validator

_VALIDATOR = Validator()
_STRICT = Validator(ValidationOptions(strict=True))

IDENTITY = {
    "type": "identity",
    "spec_version": "2.1",
    "id": "identity--98483cfe-1247-4697-9d60-30864a785265",
    "created": "2024-03-01T00:00:00.000Z",
    "modified": "2024-03-01T00:00:00.000Z",
    "name": "Example Sharing Org",
    "identity_class": "organization",
}
INDICATOR = {
    "type": "indicator",
    "spec_version": "2.1",
    "id": "indicator--9df314c4-db53-4a8f-b81d-6bc76ad25ec9",
    "created": "2024-03-01T10:00:00.000Z",
    "modified": "2024-03-01T10:00:00.000Z",
    "name": "bad domain",
    "indicator_types": ["malicious-activity"],
    "pattern": "[domain-name:value = 'p.example.org']",
    "pattern_type": "stix",
    "valid_from": "2024-03-01T00:00:00Z",
}
IPV4 = {
    "type": "ipv4-addr",
    "spec_version": "2.1",
    "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
    "value": "198.51.100.3",
}


EXTENSION_DEFINITION = {
    "type": "extension-definition",
    "spec_version": "2.1",
    "id": "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
    "created_by_ref": IDENTITY["id"],
    "created": "2024-03-01T00:00:00.000Z",
    "modified": "2024-03-01T00:00:00.000Z",
    "name": "Extension Foo",
    "schema": "https://www.example.com/schema-foo-1/v1/",
    "version": "1.2.1",
    "extension_types": ["property-extension"],
}


@pytest.fixture
def validator() -> Validator:
    """The default validator: custom content is a warning."""
    return _VALIDATOR


@pytest.fixture
def strict_validator() -> Validator:
    """The strict validator: custom content is an error."""
    return _STRICT


def obj(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with properties replaced; a value of ``...`` removes one."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def codes(findings: list[Finding], severity: str | None = None) -> set[str]:
    return {f.code for f in findings if severity is None or f.severity == severity}
