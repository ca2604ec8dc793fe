"""From the objects of a source to the indicators an export acts on.

Only indicators in force are exported (``stix.indicators``: latest version, not revoked,
``valid_from <= now < valid_until``) with a STIX pattern that parses; then the filters.
Every indicator left out is counted under its reason, so an operator can see why a feed
exported less than it holds.

TLP: an indicator without any TLP marking is treated as **TLP:RED** by ``--max-tlp``: its
producer said nothing about sharing, and an export may feed a list many people read, so
unmarked intelligence is kept only when the limit is ``red`` (counted as "no TLP marking"
otherwise).
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from stixhub.export._model import Filters, Selected, Selection
from stixhub.stix.indicators import (
    has_labels,
    is_active,
    latest_versions,
    meets_confidence,
    modified_since,
    timestamp_key,
)
from stixhub.stix.markings import tlp_of, tlp_rank
from stixhub.stix.patterns import PatternError, decompose, parse_pattern

__all__ = ["select"]


def select(objects: Iterable[Mapping[str, Any]], filters: Filters) -> Selection:
    """The active indicators passing the filters, and the reasons the others were skipped."""
    objects = list(objects)
    markings = {
        str(o["id"]): o
        for o in objects
        if o.get("type") == "marking-definition" and isinstance(o.get("id"), str)
    }
    at = timestamp_key(filters.at if filters.at is not None else datetime.now(UTC))
    skipped: Counter[str] = Counter()
    chosen: list[Selected] = []
    for indicator in latest_versions(o for o in objects if o.get("type") == "indicator"):
        reason, selected = _judge(indicator, filters, markings, at)
        if selected is None:
            skipped[reason] += 1
        else:
            chosen.append(selected)
    return Selection(
        chosen, markings, skipped, filters.types, filters.min_prefix4, filters.min_prefix6
    )


def _judge(  # noqa: PLR0911  one return per reason, in the order they are checked
    indicator: Mapping[str, Any],
    filters: Filters,
    markings: Mapping[str, Mapping[str, Any]],
    at: str,
) -> tuple[str, Selected | None]:
    if indicator.get("revoked") is True:
        return "revoked", None
    if not is_active(indicator, at):
        return "not valid now", None
    if filters.since is not None and not modified_since(indicator, filters.since):
        return "not modified since", None
    if filters.min_confidence is not None and not meets_confidence(
        indicator, filters.min_confidence
    ):
        return "below the minimum confidence", None
    tlp = tlp_of(indicator, markings)
    if filters.max_tlp is not None and filters.max_tlp != "red":
        if tlp is None:
            return "no TLP marking", None
        if tlp_rank(tlp) > tlp_rank(filters.max_tlp):
            return "TLP above the maximum", None
    if filters.labels and not has_labels(indicator, filters.labels):
        return "missing a label", None
    if indicator.get("pattern_type", "stix") != "stix":
        return "pattern_type is not stix", None
    text = indicator.get("pattern")
    if not isinstance(text, str):
        return "pattern does not parse", None
    try:
        tree = parse_pattern(text, stix_version=_version(indicator))
    except PatternError:
        return "pattern does not parse", None
    decomposition = decompose(tree)
    if filters.types and not any(e.object_type in filters.types for e in decomposition.entries):
        return "observable type not selected", None
    return "", Selected(indicator, tree, decomposition, tlp)


def _version(indicator: Mapping[str, Any]) -> str:
    """An indicator without ``spec_version`` is STIX 2.0 (STIX 2.1 section 3.2)."""
    return "2.1" if "spec_version" in indicator else "2.0"
