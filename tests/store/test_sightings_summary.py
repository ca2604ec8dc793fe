"""``stixhub.store.sightings_summary``: per sighted indicator, organisations, count, first and
last seen, from the latest sighting versions in sightings inboxes. Both backends."""

from typing import Any

import pytest
from sqlalchemy import event

from stixhub.stix import InvalidTimestamp
from stixhub.store import (
    AddOutcome,
    IndicatorText,
    SightingSummary,
    SqlStore,
    add_objects,
    sightings_summary,
)
from tests.store._sightings import TS, indicator, sid, sighting

INTEL = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"
INBOX = "c2ecd5a1-4b2e-4d0c-9c5b-6a2f55c3b1e7"
SECOND_INBOX = "5b0d7e1c-2f9a-4c3e-8d6b-1a2b3c4d5e6f"


@pytest.fixture
def hub(store: SqlStore) -> SqlStore:
    """Indicators 1 to 3 published in Intel, and two empty sightings inboxes."""
    store.create_api_root("api1", "API 1")
    intel = store.create_collection("api1", "Intel", collection_id=INTEL)
    store.create_collection("api1", "Sightings", collection_id=INBOX, sightings_inbox=True)
    store.create_collection("api1", "More", collection_id=SECOND_INBOX, sightings_inbox=True)
    add_objects(store, intel, [indicator(n) for n in (1, 2, 3)])
    return store


def load(store: SqlStore, *objects: Any, collection: str = INBOX) -> None:
    """An administrator's load; every object must be stored."""
    results = add_objects(store, store.find_collection(collection), list(objects))
    assert [r.outcome for r in results] == [AddOutcome.STORED] * len(objects), results


def seen(first: str, last: str) -> dict[str, str]:
    """first_seen and last_seen properties."""
    return {"first_seen": first, "last_seen": last}


class TestSummary:
    """What the summary counts."""

    def test_empty(self, hub: SqlStore) -> None:
        """No sightings, no rows."""
        assert sightings_summary(hub) == []

    def test_organisations_counts_and_times(self, hub: SqlStore) -> None:
        """Distinct reporters, summed counts (1 without count), earliest and latest seen."""
        load(
            hub,
            sighting(
                1, of=1, by=10, count=3, **seen("2024-05-02T00:00:00Z", "2024-05-03T00:00:00Z")
            ),
            sighting(2, of=1, by=11, **seen("2024-05-01T00:00:00Z", "2024-05-02T12:00:00Z")),
            sighting(
                3, of=1, by=10, count=2, **seen("2024-05-04T00:00:00Z", "2024-05-05T00:00:00Z")
            ),
            sighting(
                4, of=2, by=11, count=7, **seen("2024-04-01T00:00:00Z", "2024-04-02T00:00:00Z")
            ),
        )
        assert sightings_summary(hub) == [
            SightingSummary(
                sid("indicator", 1), 2, 3, 6, "2024-05-01T00:00:00Z", "2024-05-05T00:00:00Z",
                None, "[ipv4-addr:value = '203.0.113.1']",
            ),
            SightingSummary(
                sid("indicator", 2), 1, 1, 7, "2024-04-01T00:00:00Z", "2024-04-02T00:00:00Z",
                None, "[ipv4-addr:value = '203.0.113.2']",
            ),
        ]  # fmt: skip

    def test_latest_version_only(self, hub: SqlStore) -> None:
        """A sighting updated with a new count counts once, with its newest count."""
        load(hub, sighting(1, of=1, by=10, count=3))
        load(hub, sighting(1, of=1, by=10, modified="2024-05-01T11:00:00.000Z", count=5))
        (summary,) = sightings_summary(hub)
        assert (summary.sightings, summary.count) == (1, 5)

    def test_one_sighting_in_two_inboxes(self, hub: SqlStore) -> None:
        """The same sighting held by two inboxes counts once, in its latest version."""
        load(hub, sighting(1, of=1, by=10, count=3))
        newer = sighting(1, of=1, by=10, modified="2024-05-01T11:00:00.000Z", count=4)
        load(hub, newer, collection=SECOND_INBOX)
        (summary,) = sightings_summary(hub)
        assert (summary.sightings, summary.count) == (1, 4)

    def test_ordinary_collections_are_ignored(self, hub: SqlStore) -> None:
        """A sighting kept in a collection that is not an inbox is not a report."""
        load(hub, sighting(1, of=1, by=10), collection=INTEL)
        assert sightings_summary(hub) == []

    def test_created_and_modified_stand_in(self, hub: SqlStore) -> None:
        """Without first_seen/last_seen the sighting's created and modified are used."""
        load(hub, sighting(1, of=1, by=10, modified="2024-05-06T00:00:00.000Z"))
        (summary,) = sightings_summary(hub)
        assert (summary.first_seen, summary.last_seen) == (TS, "2024-05-06T00:00:00.000Z")

    def test_times_compare_as_instants(self, hub: SqlStore) -> None:
        """``...00Z`` is earlier than ``...00.5Z``, though it sorts later as text."""
        load(
            hub,
            sighting(1, of=1, by=10, **seen("2024-05-01T00:00:00.5Z", "2024-05-01T00:00:00.5Z")),
            sighting(2, of=1, by=11, **seen("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z")),
        )
        (summary,) = sightings_summary(hub)
        assert (summary.first_seen, summary.last_seen) == (
            "2024-05-01T00:00:00Z", "2024-05-01T00:00:00.5Z",
        )  # fmt: skip

    def test_most_recently_seen_first(self, hub: SqlStore) -> None:
        """Rows are ordered by last seen, newest first."""
        load(
            hub,
            sighting(1, of=1, by=10, **seen("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z")),
            sighting(2, of=2, by=10, **seen("2024-05-01T00:00:00Z", "2024-05-09T00:00:00Z")),
            sighting(3, of=3, by=10, **seen("2024-05-01T00:00:00Z", "2024-05-05T00:00:00Z")),
        )
        assert [s.sighting_of_ref for s in sightings_summary(hub)] == [
            sid("indicator", 2), sid("indicator", 3), sid("indicator", 1),
        ]  # fmt: skip

    def test_many_sightings_stream(self, hub: SqlStore) -> None:
        """Thousands of sightings (several fetch batches) are all counted."""
        load(hub, *(sighting(n, of=1 + n % 3, by=n % 7, count=2) for n in range(1, 2501)))
        summaries = sightings_summary(hub)
        assert sum(s.sightings for s in summaries) == 2500
        assert sum(s.count for s in summaries) == 5000
        assert all(s.organisations == 7 for s in summaries)


class TestIndicatorTexts:
    """Each row carries the sighted indicator's name and pattern, as the hub publishes it."""

    def test_name_pattern_and_unknown(self, hub: SqlStore) -> None:
        """A named indicator gives its name, an unnamed one its pattern only, one the hub no
        longer holds neither."""
        mirror = hub.create_collection("api1", "Mirror")
        named = {
            **indicator(4),
            "name": "Emotet C2",
            "pattern": "[domain-name:value = 'x.example']",
        }
        add_objects(hub, mirror, [named])
        load(hub, sighting(1, of=4, by=10), sighting(2, of=2, by=10), sighting(3, of=3, by=10))
        assert hub.delete_object(INTEL, sid("indicator", 3)) == 1
        texts = {s.sighting_of_ref: (s.name, s.pattern) for s in sightings_summary(hub)}
        assert texts == {
            sid("indicator", 4): ("Emotet C2", "[domain-name:value = 'x.example']"),
            sid("indicator", 2): (None, "[ipv4-addr:value = '203.0.113.2']"),
            sid("indicator", 3): (None, None),
        }

    def test_newest_version_wins(self, hub: SqlStore) -> None:
        """Of the versions held, in one collection or several, the newest one names it."""
        add_objects(hub, hub.find_collection(INTEL), [
            {**indicator(1), "modified": "2024-05-02T00:00:00.000Z", "name": "second"},
        ])  # fmt: skip
        mirror = hub.create_collection("api1", "Mirror")
        add_objects(hub, mirror, [
            {**indicator(1), "modified": "2024-05-03T00:00:00.000Z", "name": "third"},
            {**indicator(2), "name": "older"},
        ])  # fmt: skip
        add_objects(hub, hub.find_collection(INTEL), [
            {**indicator(2), "modified": "2024-05-04T00:00:00.000Z", "name": "newest"},
        ])  # fmt: skip
        load(hub, sighting(1, of=1, by=10), sighting(2, of=2, by=10))
        names = {s.sighting_of_ref: s.name for s in sightings_summary(hub)}
        assert names == {sid("indicator", 1): "third", sid("indicator", 2): "newest"}

    def test_an_inbox_never_names_an_indicator(self, hub: SqlStore) -> None:
        """An indicator held only in a collection that became a sightings inbox is not
        published: the row has no name or pattern."""
        old = hub.create_collection("api1", "Old")
        add_objects(hub, old, [{**indicator(5), "name": "from the inbox"}])
        load(hub, sighting(1, of=5, by=10))
        hub.set_sightings_inbox(old.id, True)
        (summary,) = sightings_summary(hub)
        assert (summary.name, summary.pattern) == (None, None)
        assert hub.indicator_texts([sid("indicator", 5), sid("indicator", 1)]) == {
            sid("indicator", 1): IndicatorText(None, "[ipv4-addr:value = '203.0.113.1']")
        }

    def test_one_batched_query(self, hub: SqlStore) -> None:
        """The texts of every row come from a fixed number of queries: three sighted
        indicators or thirty cost the same (no query per row), and all thirty are named."""
        more = [{**indicator(n), "name": f"indicator {n}"} for n in range(4, 31)]
        add_objects(hub, hub.find_collection(INTEL), more)

        def statements() -> tuple[int, list[SightingSummary]]:
            seen: list[str] = []

            def record(*args: Any) -> None:
                seen.append(str(args[2]))

            event.listen(hub.engine, "before_cursor_execute", record)
            try:
                rows = sightings_summary(hub)
            finally:
                event.remove(hub.engine, "before_cursor_execute", record)
            return len(seen), rows

        load(hub, *(sighting(n, of=n, by=10) for n in range(1, 4)))
        few, _ = statements()
        load(hub, *(sighting(n, of=n, by=10) for n in range(4, 31)))
        many, rows = statements()
        assert len(rows) == 30
        assert 0 < few == many
        assert {r.name for r in rows if r.name} == {f"indicator {n}" for n in range(4, 31)}


class TestSince:
    """``since`` keeps sightings last seen (else modified) at or after it."""

    def test_keeps_recent(self, hub: SqlStore) -> None:
        """A sighting last seen exactly at ``since`` is kept, an earlier one dropped."""
        load(
            hub,
            sighting(1, of=1, by=10, **seen("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z")),
            sighting(2, of=1, by=11, **seen("2024-04-01T00:00:00Z", "2024-04-02T00:00:00Z")),
            sighting(3, of=2, by=11, modified="2024-06-01T00:00:00.000Z"),
        )
        summaries = sightings_summary(hub, since="2024-05-02T00:00:00.000Z")
        assert [(s.sighting_of_ref, s.organisations, s.first_seen) for s in summaries] == [
            (sid("indicator", 2), 1, TS),
            (sid("indicator", 1), 1, "2024-05-01T00:00:00Z"),
        ]
        assert sightings_summary(hub, since="2025-01-01T00:00:00Z") == []

    def test_not_a_timestamp(self, hub: SqlStore) -> None:
        """``since`` that is not a STIX timestamp is InvalidTimestamp."""
        with pytest.raises(InvalidTimestamp):
            sightings_summary(hub, since="yesterday")
