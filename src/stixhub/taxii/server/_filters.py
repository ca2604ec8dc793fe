"""Query parameters of the TAXII 2.1 GET endpoints (section 3.4) and their parsing.

Each endpoint allows some of the parameters; others are ignored, as are unknown
``match[...]`` fields (section 3.4 lets a server ignore them). A parameter given twice, a
malformed value, ``limit`` below 1, or ``all`` mixed with other versions is a 400.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from stixhub.stix import (
    MAX_JSON_INTEGER,
    InvalidTimestamp,
    parse_rfc3339_micros,
    parse_stix_timestamp_key,
)
from stixhub.store import VersionFilter
from stixhub.taxii.server._errors import InvalidParameter

__all__ = ["DELETE_PARAMS", "OBJECTS_PARAMS", "OBJECT_PARAMS", "VERSIONS_PARAMS", "Filters"]

OBJECTS_PARAMS = frozenset(
    {"added_after", "limit", "next", "match[id]", "match[type]", "match[version]",
     "match[spec_version]"}
)  # fmt: skip
OBJECT_PARAMS = frozenset({"added_after", "limit", "next", "match[version]", "match[spec_version]"})
VERSIONS_PARAMS = frozenset({"added_after", "limit", "next", "match[spec_version]"})
DELETE_PARAMS = frozenset({"match[version]", "match[spec_version]"})

# The filters a ``next`` token carries; limit may change from page to page.
FILTER_NAMES = ("added_after", "match[id]", "match[type]", "match[version]", "match[spec_version]")

_SPEC_VERSION = re.compile(r"\d{1,3}\.\d{1,3}")
_LIMIT = re.compile(r"\+?[0-9]+")


@dataclass(frozen=True, slots=True)
class Filters:
    """The parsed filters of one request, plus the raw strings a ``next`` token must match."""

    raw: dict[str, str]
    limit: int | None
    next: str | None
    added_after: int | None
    ids: tuple[str, ...]
    types: tuple[str, ...]
    versions: VersionFilter
    spec_versions: tuple[str, ...]

    @classmethod
    def parse(cls, items: Sequence[tuple[str, str]], allowed: frozenset[str]) -> "Filters":
        """Parse ``request.query_params.multi_items()`` for an endpoint's allowed parameters."""
        raw: dict[str, str] = {}
        for name, value in items:
            if name not in allowed:
                continue
            if name in raw:
                raise InvalidParameter(f"{name} may be given only once (TAXII 2.1 section 3.4)")
            raw[name] = value
        return cls.from_raw(raw)

    @classmethod
    def from_raw(cls, raw: dict[str, str]) -> "Filters":
        """Parse already collected raw values (also used for the filters inside a token)."""
        added_after = None
        if "added_after" in raw:
            try:
                added_after = parse_rfc3339_micros(raw["added_after"])
            except InvalidTimestamp as exc:
                raise InvalidParameter(f"added_after: {exc}") from None
        limit = None
        if "limit" in raw:
            digits = raw["limit"].strip().removeprefix("+").lstrip("0")
            if _LIMIT.fullmatch(raw["limit"].strip()) is None or not digits:
                raise InvalidParameter("limit must be a whole number greater than 0")
            # Any positive integer is a valid limit (3.4); the server caps it later.
            limit = MAX_JSON_INTEGER if len(digits) > 16 else min(int(digits), MAX_JSON_INTEGER)
        next_token = raw.get("next")
        if next_token is not None and not next_token:
            raise InvalidParameter("next must not be empty")
        spec_versions = _list(raw, "match[spec_version]")
        for value in spec_versions:
            if _SPEC_VERSION.fullmatch(value) is None:
                raise InvalidParameter(f"match[spec_version]: {value!r} is not a version like 2.1")
        return cls(
            raw={k: v for k, v in raw.items() if k in FILTER_NAMES},
            limit=limit,
            next=next_token,
            added_after=added_after,
            ids=_list(raw, "match[id]"),
            types=_list(raw, "match[type]"),
            versions=_versions(raw.get("match[version]")),
            spec_versions=spec_versions,
        )


def _list(raw: dict[str, str], name: str) -> tuple[str, ...]:
    if name not in raw:
        return ()
    values = tuple(v.strip() for v in raw[name].split(","))
    if any(not v for v in values):
        raise InvalidParameter(f"{name} has an empty value in its comma-separated list")
    return tuple(dict.fromkeys(values))


def _versions(value: str | None) -> VersionFilter:
    """``match[version]``: first, last, all or STIX timestamps, OR-ed (section 3.4.1)."""
    if value is None:
        return VersionFilter()
    words = [v.strip() for v in value.split(",")]
    if len(set(words)) != len(words):
        raise InvalidParameter("match[version] repeats a value")
    if "all" in words:
        if len(words) > 1:
            raise InvalidParameter("match[version]=all cannot be combined with other values")
        return VersionFilter(all=True, last=False)
    timestamps: list[str] = []
    for word in words:
        if word in ("first", "last"):
            continue
        try:
            timestamps.append(parse_stix_timestamp_key(word))
        except InvalidTimestamp as exc:
            raise InvalidParameter(
                f"match[version]: expected first, last, all or a STIX timestamp: {exc}"
            ) from None
    if len(set(timestamps)) != len(timestamps):
        raise InvalidParameter("match[version] names one instant twice")
    return VersionFilter(
        all=False, first="first" in words, last="last" in words, timestamps=tuple(timestamps)
    )
