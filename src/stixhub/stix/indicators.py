"""Which indicators are in force: latest versions, validity windows, revocation, filters.

A consumer acting on intelligence (an export for a sensor, a matcher on logs) needs the
indicators that hold *now*: the latest version of each id (STIX 2.1 section 3.6, the version
with the greatest ``modified``), not revoked, and with ``valid_from <= T < valid_until``
(section 4.7: ``valid_until`` is the first instant the indicator no longer holds).

Times are compared as STIX timestamp keys (``parse_stix_timestamp_key``): instants written
with nine fractional digits, which sort as text. An indicator with an unreadable
``valid_from`` / ``valid_until`` is not active: nobody can say when it holds.
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from stixhub.stix._errors import InvalidTimestamp
from stixhub.stix._timestamps import parse_stix_timestamp_key

__all__ = [
    "active_indicators",
    "has_labels",
    "is_active",
    "latest_versions",
    "meets_confidence",
    "modified_since",
    "timestamp_key",
]


def timestamp_key(value: datetime | str) -> str:
    """The comparison key of a moment given as an aware datetime or a STIX timestamp."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidTimestamp("a moment needs a time zone")
        utc = value.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}000Z"
    return parse_stix_timestamp_key(value)


def _key_or_none(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_stix_timestamp_key(value)
    except InvalidTimestamp:
        return None


def _version_key(obj: Mapping[str, Any]) -> str:
    """``modified``, else ``created`` (objects that are never versioned), else the lowest key."""
    return _key_or_none(obj.get("modified")) or _key_or_none(obj.get("created")) or ""


def latest_versions(objects: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """One object per id, the latest version, in the order the ids first appeared.

    Objects without a string ``id`` are dropped: nothing can say which versions they are.
    Equal ``modified`` keeps the first seen, so a re-read of the same source is stable.
    """
    best: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for obj in objects:
        oid = obj.get("id")
        if not isinstance(oid, str):
            continue
        key = _version_key(obj)
        held = best.get(oid)
        if held is None or key > held[0]:
            best[oid] = (key, obj)
    return [obj for _, obj in best.values()]


def is_active(indicator: Mapping[str, Any], at: str) -> bool:
    """Whether one indicator version holds at the moment ``at`` (a timestamp key).

    Only the version given is judged; call ``latest_versions`` first so an older version
    cannot stand in for a revoked or re-dated newer one.
    """
    if indicator.get("type") != "indicator" or indicator.get("revoked") is True:
        return False
    start = _key_or_none(indicator.get("valid_from"))
    if start is None or start > at:
        return False
    if "valid_until" in indicator:
        end = _key_or_none(indicator.get("valid_until"))
        if end is None or at >= end:
            return False
    return True


def active_indicators(
    objects: Iterable[Mapping[str, Any]], at: datetime | str
) -> list[Mapping[str, Any]]:
    """The latest version of each indicator, kept when it is active at ``at``."""
    key = timestamp_key(at)
    return [o for o in latest_versions(_indicators(objects)) if is_active(o, key)]


def _indicators(objects: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    return (o for o in objects if o.get("type") == "indicator")


def meets_confidence(indicator: Mapping[str, Any], minimum: int) -> bool:
    """Whether ``confidence`` is at least ``minimum``.

    An indicator without ``confidence`` does not meet any minimum above 0: STIX 2.1 section
    3.2 says a missing confidence is *unknown*, not low and not high, and a filter asking for
    a floor must not let unknown through.
    """
    value = indicator.get("confidence")
    if isinstance(value, bool) or not isinstance(value, int):
        return minimum <= 0
    return value >= minimum


def has_labels(indicator: Mapping[str, Any], wanted: Iterable[str]) -> bool:
    """Whether the indicator carries every label in ``wanted`` (exact, case-sensitive)."""
    labels = indicator.get("labels")
    have = {x for x in labels if isinstance(x, str)} if isinstance(labels, list) else set()
    return all(label in have for label in wanted)


def modified_since(obj: Mapping[str, Any], since: datetime | str) -> bool:
    """Whether the object's version is at or after ``since`` (for incremental exports)."""
    return _version_key(obj) >= timestamp_key(since)
