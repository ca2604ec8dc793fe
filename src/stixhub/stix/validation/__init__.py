"""STIX 2.1 validation: every MUST of the specification as an error, every SHOULD as a
warning, with a stable code and the JSON path of the offending value.

Build one ``Validator`` and reuse it::

    validator = Validator(ValidationOptions(strict=False))
    findings = validator.validate_object(obj)          # list[Finding]
    report = validator.validate_document(bundle)       # Report, .valid, .as_dict()
"""

from stixhub.stix.validation._findings import (
    ERROR,
    WARNING,
    Finding,
    ObjectReport,
    Report,
    Severity,
)
from stixhub.stix.validation._validator import ValidationOptions, Validator

__all__ = [
    "ERROR",
    "WARNING",
    "Finding",
    "ObjectReport",
    "Report",
    "Severity",
    "ValidationOptions",
    "Validator",
]
