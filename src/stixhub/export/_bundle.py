"""A STIX 2.1 bundle of the selected indicators and the marking-definitions they reference.

The indicators are written as the source holds them (no property is added, dropped or
rewritten: an object changed without a new ``modified`` would break STIX versioning). Every
marking-definition an indicator references, whole-object or granular, goes in with it: for
the nine fixed TLP ids always the standard TLP 1.0 / 2.0 object (a feed's own copy of one
may say anything, e.g. "clear" under the TLP:RED id, and the bundle's reader would trust
it), else the source's own object. A TLP 2.0 marking thus stays a reference to a
marking-definition carrying the TLP 2.0 extension, never a label. A reference to a marking
the source does not hold and that is no TLP marking is counted ("marking-definition not in
the source").
"""

import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson

from stixhub.export._model import UNSELECTED_TYPE, ExportOptions, ExportOutput, Selection
from stixhub.stix.markings import TLP_VERSIONS, UnknownTlp, tlp_marking, tlp_marking_id
from stixhub.stix.markings import tlp_of_definition as _level_of

__all__ = ["FILE_NAME", "export_stix", "standard_marking"]

FILE_NAME = "stixhub-bundle.json"


def standard_marking(marking_id: str) -> dict[str, Any] | None:
    """The standard TLP marking-definition with this fixed id, or None."""
    level = _level_of({"id": marking_id})
    if level is None:
        return None
    for version in TLP_VERSIONS:
        try:
            if tlp_marking_id(level, version) == marking_id:
                return tlp_marking(level, version)
        except UnknownTlp:
            continue
    return None


def _refs(obj: Mapping[str, Any]) -> list[str]:
    refs = [r for r in obj.get("object_marking_refs", []) or [] if isinstance(r, str)]
    for g in obj.get("granular_markings", []) or []:
        if isinstance(g, Mapping) and isinstance(g.get("marking_ref"), str):
            refs.append(g["marking_ref"])
    return refs


def export_stix(selection: Selection, options: ExportOptions) -> ExportOutput:
    """One bundle: referenced marking-definitions first, then the indicators."""
    del options
    skipped: Counter[str] = Counter(selection.skipped)
    markings: dict[str, Mapping[str, Any]] = {}
    indicators: list[Mapping[str, Any]] = []
    for selected in selection.indicators:
        if not selection.types_cover(selected):
            skipped[UNSELECTED_TYPE] += 1
            continue
        indicators.append(selected.indicator)
        for ref in _refs(selected.indicator):
            if ref in markings:
                continue
            found = standard_marking(ref) or selection.markings.get(ref)
            if found is None:
                skipped["marking-definition not in the source"] += 1
            else:
                markings[ref] = found
    bundle = {
        "type": "bundle",
        "id": f"bundle--{uuid.uuid4()}",
        "objects": [*markings.values(), *indicators],
    }
    data = orjson.dumps(bundle, option=orjson.OPT_INDENT_2) + b"\n"
    return ExportOutput({FILE_NAME: data}, len(indicators), skipped)
