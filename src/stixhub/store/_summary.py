"""The sightings summary: per sighted object, who reported it, how often, first and last seen.

It reads the latest version of every sighting in the hub's sightings inboxes, streamed by the
store, and keeps one running total per sighted object, so memory grows with the number of
indicators sighted, not with the number of sightings.

* ``organisations``: distinct ``created_by_ref``. An inbox holds every poster to the identity
  bound to its account, and only a sighting's creator may version it (``_inbox``), so this is
  the number of reporting organisations and no one's latest version is another's;
  ``where_sighted_refs`` is the reporter's own say (a sensor, a location) and is not counted.
* ``count``: the sum of ``count`` (STIX 2.1 section 5.2.1), 1 for a sighting without one.
* ``first_seen``/``last_seen``: the earliest ``first_seen`` and the latest ``last_seen``,
  compared as instants; a sighting without them stands in with ``created``/``modified``.
* ``since``: keeps sightings whose ``last_seen`` (else ``modified``) is at or after it.
* ``name``/``pattern``: the sighted indicator's, read for all rows in one batched store
  query (``Store.indicator_texts``) and only from collections that are not inboxes, so a
  reporter cannot name the hub's indicators; None when the hub does not publish it.
"""

from dataclasses import dataclass, field
from functools import lru_cache

from stixhub.stix import InvalidTimestamp, parse_stix_timestamp_key
from stixhub.store._interface import Store
from stixhub.store._model import IndicatorText, SightingFacts, SightingSummary

__all__ = ["sightings_summary"]


@lru_cache(maxsize=1 << 16)
def _key(value: str) -> str:
    """The instant's sort key. Reporters round to their reporting period, so a summary meets
    few distinct timestamps: the cache took two thirds off a 100,000-sighting summary."""
    try:
        return parse_stix_timestamp_key(value)
    except InvalidTimestamp:
        return value  # stored objects passed the validator; never reached in practice


@dataclass
class _Tally:
    creators: set[str] = field(default_factory=set)
    sightings: int = 0
    count: int = 0
    first: tuple[str, str] | None = None  # (key, as written)
    last: tuple[str, str] | None = None

    def add(self, facts: SightingFacts, first: str, last: str) -> None:
        if facts.created_by_ref is not None:
            self.creators.add(facts.created_by_ref)
        self.sightings += 1
        self.count += 1 if facts.seen_count is None else facts.seen_count
        first_key, last_key = _key(first), _key(last)
        if self.first is None or first_key < self.first[0]:
            self.first = (first_key, first)
        if self.last is None or last_key > self.last[0]:
            self.last = (last_key, last)


def sightings_summary(store: Store, since: str | None = None) -> list[SightingSummary]:
    """The summary, most recently seen first; ``since`` is a STIX timestamp.

    Raises InvalidTimestamp when ``since`` is not a STIX timestamp.
    """
    since_key = None if since is None else parse_stix_timestamp_key(since)
    tallies: dict[str, _Tally] = {}
    for facts in store.sighting_facts():
        if facts.sighting_of_ref is None:
            continue
        fallback = facts.modified or facts.created or ""
        first = facts.first_seen or facts.created or fallback
        last = facts.last_seen or fallback
        if since_key is not None and _key(last) < since_key:
            continue
        tallies.setdefault(facts.sighting_of_ref, _Tally()).add(facts, first, last)
    texts = store.indicator_texts(tallies) if tallies else {}
    unknown = IndicatorText(None, None)
    summaries = [
        SightingSummary(
            ref,
            len(t.creators),
            t.sightings,
            t.count,
            t.first[1] if t.first else "",
            t.last[1] if t.last else "",
            *texts.get(ref, unknown),
        )
        for ref, t in tallies.items()
    ]
    last_keys = {ref: (t.last[0] if t.last else "") for ref, t in tallies.items()}
    summaries.sort(key=lambda s: s.sighting_of_ref)
    summaries.sort(key=lambda s: last_keys[s.sighting_of_ref], reverse=True)
    return summaries
