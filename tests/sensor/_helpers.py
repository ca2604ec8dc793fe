"""The STIX objects the sense tests share: the sensor's identity and indicators to match.

Used by tests/sensor, tests/cli/test_sense.py and tests/interop/test_sightings_loop.py.
"""

from typing import Any

SENSOR_ID = "identity--1f0e8c7a-6a3c-4e1b-9f2e-5b8f6c2d1a00"


def identity(identity_id: str = SENSOR_ID, **extra: Any) -> dict[str, Any]:
    """The identity a sensor reports as: its sightings' ``created_by_ref`` and sighter."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "Water board",
        "identity_class": "organization",
        **extra,
    }


def indicator(ind_id: str, pattern: str, **extra: Any) -> dict[str, Any]:
    """A valid STIX 2.1 indicator, valid from 2020 unless extra says otherwise."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": ind_id,
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2020-01-01T00:00:00Z",
        **extra,
    }
