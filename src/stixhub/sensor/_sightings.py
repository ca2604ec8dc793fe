"""Matches aggregated into Sightings: one per indicator per reporting period (STIX 2.1 5.5).

A sensor sees the same indicator thousands of times an hour; the CERT needs to know that it
was seen, how often, and between which instants. So matches are counted per indicator and
per *reporting period* (one hour by default), a window aligned to UTC: the period of an
event starts at ``time - time % period`` counted from the Unix epoch, so every sensor of the
world cuts the same hours and days.

Ids are deterministic, so that reading the same logs again names the same sightings and a
hub receives a new version of a sighting instead of a second one (STIX 2.1 section 3.6):

- sighting: UUIDv5 in ``SIGHTING_NAMESPACE`` over
  ``"<identity id>|<indicator id>|<period start, STIX timestamp>|<period seconds>"``; the
  period length is part of the name so that an hourly and a daily sighting starting at the
  same midnight stay two objects;
- its observed-data: UUIDv5 in ``SIGHTING_NAMESPACE`` over ``"observed-data|<sighting id>"``;
- each shared cyber-observable: the id STIX 2.1 section 2.9 fixes (UUIDv5 in the SCO
  namespace over the canonical JSON of its id-contributing properties), the same id the
  OASIS ``stix2`` library computes.

The *matched observables* of an event and an indicator are the event's observables that
satisfy, on their own, one (not negated) comparison of the indicator's pattern: for
``[ipv4-addr:value = '203.0.113.9']`` the destination address of a connection, not its
source. Only those may be shared, after the privacy policy (``_privacy``) has had its say.
"""

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from stixhub.sensor._errors import InvalidPeriod
from stixhub.sensor._privacy import SHAREABLE_TYPES, PrivacyPolicy, event_secrets
from stixhub.sensor.events import Event, stix_time
from stixhub.stix.patterns import (
    BoolExpression,
    Comparison,
    Observation,
    ObservationOperator,
    PatternError,
    PatternIndex,
    Qualified,
    parse_pattern,
)

__all__ = [
    "DEFAULT_PERIOD",
    "MAX_COUNT",
    "MAX_OBSERVABLES",
    "SCO_NAMESPACE",
    "SIGHTING_NAMESPACE",
    "Aggregator",
    "Tally",
    "observed_data_id",
    "parse_period",
    "period_start",
    "sco_id",
    "sighting_id",
    "sighting_objects",
]

SIGHTING_NAMESPACE = uuid.UUID("3ba80077-8488-4437-bf15-a494c97a6dbc")
"""stixhub's namespace for sighting and observed-data ids; fixed forever."""
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
"""The namespace of deterministic SCO ids, STIX 2.1 section 2.9."""

DEFAULT_PERIOD = 3600
"""Seconds in one reporting period."""
MAX_COUNT = 999_999_999
"""The largest ``count`` (sighting) and ``number_observed`` (observed-data), STIX 2.1 5.5, 4.13."""
MAX_OBSERVABLES = 100
"""Shared observables kept per sighting; an address range can match a whole network."""

_MICROS = 1_000_000
_VERDICTS = 65_536  # observables judged and remembered, at most
_DAY = 86_400
_PERIOD = re.compile(r"^\s*(\d+)\s*([smhd]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": _DAY}
# Id-contributing properties of the shareable SCO types (STIX 2.1 section 6).
_ID_PROPERTIES: dict[str, tuple[str, ...]] = {
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "domain-name": ("value",),
    "url": ("value",),
    "email-addr": ("value",),
    "file": ("hashes", "name", "extensions", "parent_directory_ref"),
    "x509-certificate": ("hashes", "serial_number"),
}
# Section 2.9: of several hashes, one contributes, in this order of preference.
_HASH_PREFERENCE = ("MD5", "SHA-1", "SHA-256", "SHA-512")


def parse_period(text: str | int) -> int:
    """Seconds of a period written ``3600``, ``90s``, ``15m``, ``1h`` or ``1d``.

    A period must tile the UTC day (or be whole days), so that its windows start at the
    same instants on every sensor: 7 minutes would drift across midnight.
    """
    if isinstance(text, int):
        seconds = text
    else:
        m = _PERIOD.match(text.lower())
        if m is None:
            raise InvalidPeriod(f"{text!r} is no period (3600, 15m, 1h, 1d)")
        seconds = int(m.group(1)) * _UNIT[m.group(2)]
    if seconds < 60 or seconds % 60:
        raise InvalidPeriod(f"a period must be whole minutes, at least one, not {text!r}")
    if (seconds < _DAY and _DAY % seconds) or (seconds > _DAY and seconds % _DAY):
        raise InvalidPeriod(f"a period must divide a day or be whole days, not {text!r}")
    return seconds


def period_start(micros: int, period: int) -> int:
    """The start (microseconds since the epoch) of the UTC-aligned period holding ``micros``."""
    width = period * _MICROS
    return micros - micros % width


def sighting_id(identity_id: str, indicator_id: str, start: int, period: int) -> str:
    """The deterministic id of the sighting of an indicator by an identity in one period."""
    name = f"{identity_id}|{indicator_id}|{stix_time(start)}|{period}"
    return f"sighting--{uuid.uuid5(SIGHTING_NAMESPACE, name)}"


def observed_data_id(sighting: str) -> str:
    """The deterministic id of the observed-data a sighting refers to."""
    return f"observed-data--{uuid.uuid5(SIGHTING_NAMESPACE, f'observed-data|{sighting}')}"


def sco_id(obj: Mapping[str, Any]) -> str:
    """The STIX 2.1 section 2.9 id of a cyber-observable (UUIDv5 over its contributing
    properties in canonical JSON, one hash of ``hashes`` by preference)."""
    kind = str(obj["type"])
    contributing: dict[str, Any] = {}
    for name in _ID_PROPERTIES.get(kind, ()):
        value = obj.get(name)
        if value is None:
            continue
        if name == "hashes" and isinstance(value, Mapping):
            chosen = next((h for h in _HASH_PREFERENCE if h in value), None)
            if chosen is None:
                chosen = next(iter(value), None)
            if chosen is None:
                continue
            value = {chosen: value[chosen]}
        contributing[name] = value
    if not contributing:
        return f"{kind}--{uuid.uuid4()}"  # section 2.9: no contributing property, UUIDv4
    canonical = orjson.dumps(contributing, option=orjson.OPT_SORT_KEYS).decode("utf-8")
    return f"{kind}--{uuid.uuid5(SCO_NAMESPACE, canonical)}"


@dataclass(slots=True)
class Tally:
    """The matches of one indicator in one period: how many, when, and what may be shared."""

    indicator_id: str
    start: int
    count: int = 0
    first: int = 0
    last: int = 0
    observables: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, time: int, observables: Iterable[dict[str, Any]] = ()) -> None:
        """Count one matching event at ``time`` with its shareable matched observables."""
        if self.count == 0 or time < self.first:
            self.first = time
        if self.count == 0 or time > self.last:
            self.last = time
        self.count += 1
        for obj in observables:
            if len(self.observables) >= MAX_OBSERVABLES:
                break
            self.observables.setdefault(obj["id"], obj)


def _comparisons(root: Any) -> list[Comparison]:
    """Every comparison of a pattern, whatever observations and qualifiers hold it."""
    found: list[Comparison] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ObservationOperator | BoolExpression):
            stack.extend(node.operands)
        elif isinstance(node, Observation | Qualified):
            stack.append(node.expression)
        elif isinstance(node, Comparison):
            found.append(node)
    return found


class Aggregator:
    """Counts matches per indicator and period, and picks the observables they may share.

    ``patterns`` maps the indicator ids the matcher may report to their pattern text (and
    the pattern's STIX version); the comparisons of an indicator are compiled into a small
    index of their own the first time it matches, which tells which observables of an
    event satisfy one of them.
    """

    def __init__(
        self,
        period: int,
        policy: PrivacyPolicy,
        patterns: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        self.period = parse_period(period)
        self.policy = policy
        self._patterns = patterns or {}
        self._tallies: dict[tuple[str, int], Tally] = {}
        self._comparisons = PatternIndex()
        # Indicator id -> the generation at which its comparisons joined ``_comparisons``.
        self._prepared: dict[str, int] = {}
        # (type, value) -> (shareable SCO or None, indicators it satisfies, generation): a
        # verdict holds for the indicators prepared up to its generation.
        self._verdicts: dict[
            tuple[Any, Any], tuple[dict[str, Any] | None, frozenset[str], int]
        ] = {}

    def add(self, event: Event, indicator_ids: Sequence[str]) -> None:
        """Count one event that matched the given indicators."""
        start = period_start(event.time, self.period)
        shared: dict[str, list[dict[str, Any]]] = {}
        if self.policy.share != "none" and self._patterns:
            shared = self._matched_observables(event, indicator_ids)
        for indicator_id in indicator_ids:
            key = (indicator_id, start)
            tally = self._tallies.get(key)
            if tally is None:
                tally = self._tallies[key] = Tally(indicator_id, start)
            tally.add(event.time, shared.get(indicator_id, ()))

    def tallies(self) -> list[Tally]:
        """Every tally so far, by indicator id and period start."""
        return [self._tallies[key] for key in sorted(self._tallies)]

    def _prepare(self, indicator_id: str) -> None:
        """Index the indicator's positive comparisons as one pattern under its id."""
        self._prepared[indicator_id] = len(self._prepared) + 1
        text, version = self._patterns.get(indicator_id, ("", "2.1"))
        try:
            tree = parse_pattern(text, stix_version=version)
        except PatternError:
            return
        parts = [f"[{c}]" for c in _comparisons(tree.root) if not c.negated]
        if parts:
            self._comparisons.extend(
                [{"id": indicator_id, "pattern": " OR ".join(parts), "spec_version": "2.1"}]
            )

    def _matched_observables(
        self, event: Event, indicator_ids: Sequence[str]
    ) -> dict[str, list[dict[str, Any]]]:
        prepared = self._prepared
        for indicator_id in indicator_ids:
            if indicator_id not in prepared:
                self._prepare(indicator_id)
        # A verdict older than one of these indicators does not know it: judge again then.
        needed = max(prepared[i] for i in indicator_ids) if indicator_ids else 0
        generation = len(prepared)
        wanted = set(indicator_ids)
        secrets = event_secrets(event.objects)
        found: dict[str, list[dict[str, Any]]] = {}
        for obj in event.objects.values():
            if obj.get("type") not in SHAREABLE_TYPES:
                continue  # a connection, a user account ...: never shared, nothing to judge
            value = obj.get("value")
            # Values repeat (a busy server is in every other record): an observable named by
            # its value alone is judged once, unless the event carries secrets to look for.
            key = (obj.get("type"), value) if not secrets and len(obj) == 2 else None
            verdict = self._verdicts.get(key) if key is not None else None
            if verdict is None or verdict[2] < needed:
                sco_, claimed_ = self._verdict(obj, secrets, event.time)
                verdict = (sco_, claimed_, generation)
                if key is not None:
                    if len(self._verdicts) >= _VERDICTS:
                        self._verdicts.clear()
                    self._verdicts[key] = verdict
            sco, claimed, _ = verdict
            if sco is None:
                continue
            for indicator_id in wanted.intersection(claimed):
                found.setdefault(indicator_id, []).append(sco)
        return found

    def _verdict(
        self, obj: Mapping[str, Any], secrets: tuple[str, ...], time: int
    ) -> tuple[dict[str, Any] | None, frozenset[str]]:
        """The shareable form of an observable and the prepared indicators it satisfies."""
        shareable = self.policy.shareable(obj, secrets)
        if shareable is None:
            return None, frozenset()
        claimed = frozenset(self._comparisons.match_objects({"0": obj}, time))
        if not claimed:
            return None, claimed
        sco = {"type": shareable["type"], "spec_version": "2.1", "id": sco_id(shareable)}
        sco.update((k, v) for k, v in shareable.items() if k != "type")
        return sco, claimed


def sighting_objects(
    *,
    sighting: str,
    indicator_id: str,
    identity_id: str,
    created: str,
    modified: str,
    count: int,
    first: int,
    last: int,
    observables: Sequence[Mapping[str, Any]],
    marking_id: str,
) -> list[dict[str, Any]]:
    """The sighting, and its observed-data with the shared observables if there are any.

    Every object carries the TLP marking; the observed-data spans the same instants and
    counts the same events as the sighting (``number_observed``), so a reader of either
    sees the same figures.
    """
    marks = [marking_id]
    count = min(count, MAX_COUNT)
    obj: dict[str, Any] = {
        "type": "sighting",
        "spec_version": "2.1",
        "id": sighting,
        "created": created,
        "modified": modified,
        "created_by_ref": identity_id,
        "sighting_of_ref": indicator_id,
        "where_sighted_refs": [identity_id],
        "first_seen": stix_time(first),
        "last_seen": stix_time(last),
        "count": count,
        "object_marking_refs": marks,
    }
    if not observables:
        return [obj]
    observed = observed_data_id(sighting)
    obj["observed_data_refs"] = [observed]
    scos = [{**sco, "object_marking_refs": marks} for sco in observables]
    data = {
        "type": "observed-data",
        "spec_version": "2.1",
        "id": observed,
        "created": created,
        "modified": modified,
        "created_by_ref": identity_id,
        "first_observed": stix_time(first),
        "last_observed": stix_time(last),
        "number_observed": max(count, 1),
        "object_refs": [sco["id"] for sco in scos],
        "object_marking_refs": marks,
    }
    return [obj, data, *scos]
