"""Indicators and selections for the export tests."""

import json
import uuid
from typing import Any

from stixhub.export import Filters, Selection, select
from tests.conftest import shared_path

CORPUS = shared_path("corpus")
CASES = shared_path("cases")
REPORTS = CORPUS / "oasis-json-schemas/examples/threat-reports"
NOW = "2024-06-01T00:00:00Z"
TLP2_GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"


def indicator(pattern: str, n: int = 0, **extra: Any) -> dict[str, Any]:
    """An indicator active at ``NOW``, its id derived from ``n`` and the pattern."""
    ind: dict[str, Any] = {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.uuid5(uuid.NAMESPACE_URL, f'{n}:{pattern}')}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": f"indicator {n}",
        "pattern": pattern,
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
    }
    ind.update(extra)
    return ind


def selection_of(*objects: dict[str, Any], **filters: Any) -> Selection:
    """The selection of these objects at ``NOW``."""
    return select(objects, Filters(at=NOW, **filters))


def report(name: str) -> list[dict[str, Any]]:
    """The objects of one OASIS example threat report (apt1, poisonivy)."""
    data: dict[str, Any] = json.loads((REPORTS / f"{name}.json").read_text())
    return list(data["objects"])


REPORT_TIME = "2016-01-01T00:00:00Z"  # the reports' indicators are valid from 2015-05-15


def misp_objects() -> list[dict[str, Any]]:
    """Every STIX object of the MISP-to-STIX mapping examples."""
    out: list[dict[str, Any]] = []
    for name in ("misp_attributes_to_stix21.json", "misp_objects_to_stix21.json"):
        data = json.loads((CORPUS / "misp-stix-mappings" / name).read_text())
        for example in data.values():
            out.extend(o for o in example["STIX"] if isinstance(o, dict))
    return out
