"""STIX objects for the sightings-inbox and summary tests: reporters, indicators, sightings."""

import uuid
from typing import Any

TS = "2024-05-01T10:00:00.000Z"


def sid(type_: str, n: int) -> str:
    """A deterministic STIX id of a type."""
    return f"{type_}--{uuid.UUID(int=n, version=4)}"


def identity(n: int, **extra: Any) -> dict[str, Any]:
    """An organisation's identity."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": sid("identity", n),
        "created": TS,
        "modified": TS,
        "name": f"Organisation {n}",
        "identity_class": "organization",
        **extra,
    }


def indicator(n: int) -> dict[str, Any]:
    """A valid indicator the hub can publish."""
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": sid("indicator", n),
        "created": TS,
        "modified": TS,
        "pattern": f"[ipv4-addr:value = '203.0.113.{n % 250}']",
        "pattern_type": "stix",
        "valid_from": TS,
    }


def sighting(n: int, of: int, by: int | None, modified: str = TS, **extra: Any) -> dict[str, Any]:
    """A sighting of indicator ``of`` reported by identity ``by`` (None: no created_by_ref)."""
    obj: dict[str, Any] = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": sid("sighting", n),
        "created": TS,
        "modified": modified,
        "sighting_of_ref": sid("indicator", of),
    }
    if by is not None:
        obj["created_by_ref"] = sid("identity", by)
    obj.update(extra)
    return obj


def observed_data(n: int, by: int | None) -> dict[str, Any]:
    """An observed-data of one IPv4 address."""
    obj: dict[str, Any] = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": sid("observed-data", n),
        "created": TS,
        "modified": TS,
        "first_observed": TS,
        "last_observed": TS,
        "number_observed": 1,
        "object_refs": [sid("ipv4-addr", n)],
    }
    if by is not None:
        obj["created_by_ref"] = sid("identity", by)
    return obj


def ipv4(n: int) -> dict[str, Any]:
    """An IPv4 address SCO."""
    return {
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": sid("ipv4-addr", n),
        "value": "203.0.113.9",
    }


TLP_AMBER_2: dict[str, Any] = {
    "type": "marking-definition",
    "spec_version": "2.1",
    "id": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "created": "2022-10-01T00:00:00.000Z",
    "created_by_ref": "identity--e50ab59c-5c4f-4d40-bf6a-d58418d89bcd",
    "name": "TLP:AMBER",
    "extensions": {
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
            "extension_type": "property-extension",
            "tlp_2_0": "amber",
        }
    },
}


def statement(n: int, by: int | None) -> dict[str, Any]:
    """A statement marking-definition."""
    obj: dict[str, Any] = {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": sid("marking-definition", n),
        "created": TS,
        "definition_type": "statement",
        "definition": {"statement": "Shared with the CERT only"},
    }
    if by is not None:
        obj["created_by_ref"] = sid("identity", by)
    return obj
