"""Object versions in the SQL store, on SQLite and PostgreSQL: flags, filters, paging,
idempotence, date_added, atomicity and concurrent writers."""

import random
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import product
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, OperationalError

from stixhub.stix import PreparedObject, format_taxii_timestamp, parse_stix_timestamp_key
from stixhub.stix import prepare_object as door
from stixhub.store import (
    AddOutcome,
    AddResult,
    ManifestRecord,
    NotFound,
    ObjectQuery,
    SqlStore,
    VersionFilter,
    add_objects,
    make_engine,
)
from stixhub.store._sql import _schema
from stixhub.store._sql import _store as _store_module
from tests.conftest import copy_sqlite_template

START = 1_700_000_000_000_000
ANY_SPEC = ("2.0", "2.1")


def oid(n: int, type_: str = "indicator") -> str:
    """A deterministic STIX id of a type."""
    return f"{type_}--{n:08x}-0000-4000-8000-000000000000"


def ts(n: int) -> str:
    """A STIX timestamp n seconds after 2024-01-01T00:00:00Z, written with milliseconds."""
    minutes, seconds = divmod(n, 60)
    return f"2024-01-01T00:{minutes:02d}:{seconds:02d}.000Z"


def sdo(n: int, modified: int, spec: str | None = "2.1", **extra: Any) -> dict[str, Any]:
    """An indicator version; spec None leaves spec_version out (a STIX 2.0 object)."""
    obj: dict[str, Any] = {"type": "indicator", "id": oid(n), "created": ts(0)}
    if spec is not None:
        obj["spec_version"] = spec
    obj["modified"] = ts(modified)
    obj.update(extra)
    return obj


def sco(n: int, value: str) -> dict[str, Any]:
    """An ipv4-addr without created or modified (versionless)."""
    return {"type": "ipv4-addr", "spec_version": "2.1", "id": oid(n, "ipv4-addr"), "value": value}


class Clock:
    """A settable clock: returns ``now`` and then advances it by ``step`` microseconds."""

    def __init__(self, now: int = START, step: int = 0) -> None:
        self.now = now
        self.step = step
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            value = self.now
            self.now += self.step
            return value


@dataclass
class Hub:
    """A store on one backend with a collection and the clock it was opened with."""

    store: SqlStore
    root: str
    cid: str
    clock: Clock

    def add(self, *objects: Any) -> list[AddResult]:
        """Add an envelope of objects that pass the door to the store."""
        return put(self.store, self.cid, *objects)

    def manifest(self, limit: int = 1000, **query: Any) -> list[ManifestRecord]:
        """The manifest records matching a query."""
        return self.store.get_manifest(self.cid, ObjectQuery(limit=limit, **query)).records

    def pairs(self, **query: Any) -> list[tuple[str, str]]:
        """(id, version) of the manifest records matching a query, in date_added order."""
        return [(r.id, r.version) for r in self.manifest(**query)]

    def versions(self, n: int, spec_versions: tuple[str, ...] = ()) -> list[str]:
        """The versions of indicator n, in date_added order."""
        page = self.store.get_versions(
            self.cid, oid(n), ObjectQuery(limit=1000, spec_versions=spec_versions)
        )
        return [r.version for r in page.records]

    def flags(self) -> dict[tuple[str, str], tuple[str, bool, bool, bool]]:
        """The stored flags by (id, version key), read from the table itself."""
        o = _schema.objects.c
        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(
                    o.object_id,
                    o.version_key,
                    o.spec_version,
                    o.in_latest_spec,
                    o.is_first,
                    o.is_last,
                ).where(o.collection_id == self.cid)
            ).all()
        return {(r[0], r[1]): (r[2], bool(r[3]), bool(r[4]), bool(r[5])) for r in rows}

    def assert_flags_consistent(self) -> None:
        """Every stored row's flags follow from the definition in TAXII 2.1 section 3.4.1."""
        stored = self.flags()
        by_object: dict[str, list[tuple[str, str]]] = {}
        for (object_id, key), (spec, *_rest) in stored.items():
            by_object.setdefault(object_id, []).append((spec, key))
        for object_id, rows in by_object.items():
            newest = max(spec for spec, _ in rows)
            keys = [key for spec, key in rows if spec == newest]
            for spec, key in rows:
                expected = (
                    spec,
                    spec == newest,
                    spec == newest and key == min(keys),
                    spec == newest and key == max(keys),
                )
                assert stored[(object_id, key)] == expected, (object_id, key)


def put(store: SqlStore, collection_id: str, *objects: Any) -> list[AddResult]:
    """Prepare objects at the door and store them as one envelope."""
    return store.add_objects(collection_id, [door(o) for o in objects])


def open_hub(db_url: str, clock: Clock) -> Hub:
    """A SqlStore with the clock, a new API root of its own and one collection."""
    store = SqlStore(make_engine(db_url), clock=clock)
    root = f"root-{uuid.uuid4().hex[:12]}"
    store.create_api_root(root, "API")
    cid = store.create_collection(root, "Intel").id
    return Hub(store, root, cid, clock)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated database: a fresh copy of the SQLite template, or the PostgreSQL test schema.

    The PostgreSQL schema is not emptied: every hub here works in an API root and collections
    of its own, so what other tests left behind cannot show up.
    """
    if request.param == "sqlite":
        return copy_sqlite_template(sqlite_template, tmp_path)
    base: str = request.getfixturevalue("postgres_base_url")
    return base


@pytest.fixture
def hub(db_url: str) -> Iterator[Hub]:
    """A hub whose clock ticks one second per call."""
    h = open_hub(db_url, Clock(step=1_000_000))
    yield h
    h.store.close()


@pytest.fixture
def still_hub(db_url: str) -> Iterator[Hub]:
    """A hub whose clock stands still."""
    h = open_hub(db_url, Clock(step=0))
    yield h
    h.store.close()


def stored(results: Sequence[AddResult]) -> list[str]:
    """The outcomes of an envelope, in order."""
    return [r.outcome for r in results]


# --- versions and flags -------------------------------------------------------------------


class TestVersionsAndFlags:
    """The first/last/in_latest_spec flags follow every write and delete."""

    def test_versions_added_out_of_order(self, hub: Hub) -> None:
        """Versions posted out of order are listed in date_added order; first and last go by
        modified."""
        hub.add(sdo(1, 20))
        hub.add(sdo(1, 30))
        hub.add(sdo(1, 10))
        assert hub.versions(1) == [ts(20), ts(30), ts(10)]
        assert hub.pairs() == [(oid(1), ts(30))]
        assert hub.pairs(versions=VersionFilter(first=True, last=False)) == [(oid(1), ts(10))]
        hub.assert_flags_consistent()

    def test_versions_in_one_envelope_out_of_order(self, hub: Hub) -> None:
        """Several versions of one object in one envelope get their flags right together."""
        assert stored(hub.add(sdo(1, 5), sdo(1, 9), sdo(1, 1))) == [AddOutcome.STORED] * 3
        assert hub.pairs() == [(oid(1), ts(9))]
        assert hub.pairs(versions=VersionFilter(first=True, last=False)) == [(oid(1), ts(1))]
        hub.assert_flags_consistent()

    def test_newest_spec_version_wins(self, hub: Hub) -> None:
        """A 2.1 version hides the 2.0 versions by default, even if its modified is earlier."""
        hub.add(sdo(1, 10, spec=None), sdo(1, 20, spec=None))
        assert hub.pairs() == [(oid(1), ts(20))]
        hub.add(sdo(1, 15))
        assert hub.pairs() == [(oid(1), ts(15))]
        assert hub.versions(1) == [ts(15)]
        assert hub.versions(1, ANY_SPEC) == [ts(10), ts(20), ts(15)]
        assert hub.pairs(spec_versions=("2.0",)) == [(oid(1), ts(20))]
        hub.assert_flags_consistent()

    def test_older_spec_version_added_later_stays_hidden(self, hub: Hub) -> None:
        """A 2.0 version posted after a 2.1 one does not become the default answer."""
        hub.add(sdo(1, 10))
        hub.add(sdo(1, 50, spec="2.0"))
        assert hub.pairs() == [(oid(1), ts(10))]
        assert hub.pairs(versions=VersionFilter(all=True, last=False)) == [(oid(1), ts(10))]
        assert hub.pairs(spec_versions=ANY_SPEC) == [(oid(1), ts(50))]
        hub.assert_flags_consistent()

    def test_delete_all_versions(self, hub: Hub) -> None:
        """Deleting without filters removes every version of every spec_version."""
        hub.add(sdo(1, 1, spec="2.0"), sdo(1, 2), sdo(1, 3), sdo(2, 1))
        assert hub.store.delete_object(hub.cid, oid(1)) == 3
        assert not hub.store.object_exists(hub.cid, oid(1))
        assert hub.store.object_exists(hub.cid, oid(2))
        assert hub.store.count_objects(hub.cid) == 1

    def test_delete_last_version_promotes_previous(self, hub: Hub) -> None:
        """Deleting the last version makes the previous one the last."""
        hub.add(sdo(1, 1), sdo(1, 2), sdo(1, 3))
        assert hub.store.delete_object(hub.cid, oid(1), VersionFilter(last=True)) == 1
        assert hub.pairs() == [(oid(1), ts(2))]
        hub.assert_flags_consistent()

    def test_delete_first_version_promotes_next(self, hub: Hub) -> None:
        """Deleting the first version makes the next one the first."""
        hub.add(sdo(1, 1), sdo(1, 2), sdo(1, 3))
        assert hub.store.delete_object(hub.cid, oid(1), VersionFilter(first=True, last=False)) == 1
        assert hub.pairs(versions=VersionFilter(first=True, last=False)) == [(oid(1), ts(2))]
        hub.assert_flags_consistent()

    def test_delete_one_version_by_timestamp(self, hub: Hub) -> None:
        """Deleting by version timestamp removes exactly that version, however it is spelled."""
        hub.add(sdo(1, 1), sdo(1, 2), sdo(1, 3))
        key = parse_stix_timestamp_key("2024-01-01T00:00:02Z")
        removed = hub.store.delete_object(
            hub.cid, oid(1), VersionFilter(last=False, timestamps=(key,))
        )
        assert removed == 1
        assert hub.versions(1) == [ts(1), ts(3)]
        hub.assert_flags_consistent()

    def test_delete_by_spec_version_uncovers_older_spec(self, hub: Hub) -> None:
        """Deleting the 2.1 versions makes the 2.0 versions the default answer again."""
        hub.add(sdo(1, 1, spec=None), sdo(1, 2, spec=None), sdo(1, 3))
        assert hub.store.delete_object(hub.cid, oid(1), spec_versions=("2.1",)) == 1
        assert hub.pairs() == [(oid(1), ts(2))]
        assert hub.versions(1) == [ts(1), ts(2)]
        hub.assert_flags_consistent()

    def test_delete_all_of_default_spec_keeps_older_spec(self, hub: Hub) -> None:
        """Deleting 'all' without spec_versions removes only the newest spec_version's versions."""
        hub.add(sdo(1, 1, spec=None), sdo(1, 2), sdo(1, 3))
        assert hub.store.delete_object(hub.cid, oid(1), VersionFilter(all=True, last=False)) == 2
        assert hub.pairs() == [(oid(1), ts(1))]
        hub.assert_flags_consistent()

    def test_delete_unknown_object_removes_nothing(self, hub: Hub) -> None:
        """Deleting an object that is not stored returns 0 and changes nothing."""
        hub.add(sdo(1, 1))
        assert hub.store.delete_object(hub.cid, oid(9)) == 0
        assert hub.store.count_objects(hub.cid) == 1

    def test_delete_in_unknown_collection(self, hub: Hub) -> None:
        """Deleting in a collection that does not exist raises NotFound."""
        with pytest.raises(NotFound):
            hub.store.delete_object("00000000-0000-4000-8000-000000000000", oid(1))

    def test_readd_after_delete(self, hub: Hub) -> None:
        """A deleted version can be posted again and is stored as new, with a new date_added."""
        hub.add(sdo(1, 1))
        first = hub.manifest()[0].date_added
        hub.store.delete_object(hub.cid, oid(1))
        assert stored(hub.add(sdo(1, 1))) == [AddOutcome.STORED]
        assert hub.manifest()[0].date_added > first

    def test_delete_does_not_touch_other_collections(self, hub: Hub) -> None:
        """Deleting an object in one collection leaves the same id in another collection."""
        other = hub.store.create_collection(hub.root, "Other").id
        hub.add(sdo(1, 1))
        put(hub.store, other, sdo(1, 1))
        hub.store.delete_object(hub.cid, oid(1))
        assert hub.store.object_exists(other, oid(1))

    @pytest.mark.parametrize("seed", [1, 2])
    def test_random_histories_keep_flags_consistent(self, hub: Hub, seed: int) -> None:
        """After any mix of adds and deletes, flags and default answers match a reference
        model."""
        rng = random.Random(seed)
        model: dict[str, dict[str, str]] = {}  # object id -> version key -> spec_version
        for _ in range(30):
            n = rng.randrange(3)
            if rng.random() < 0.75:
                envelope = []
                for _ in range(rng.randrange(1, 4)):
                    spec = rng.choice(["2.0", "2.1"])
                    modified = rng.randrange(1, 12)
                    obj = sdo(n, modified, spec=spec)
                    envelope.append(obj)
                hub.add(*envelope)
                for obj in envelope:
                    versions = model.setdefault(obj["id"], {})
                    versions.setdefault(
                        parse_stix_timestamp_key(obj["modified"]), obj["spec_version"]
                    )
            else:
                hub.store.delete_object(hub.cid, oid(n), VersionFilter(last=True))
                versions = model.get(oid(n), {})
                if versions:
                    newest = max(versions.values())
                    last = max(k for k, s in versions.items() if s == newest)
                    del versions[last]
            hub.assert_flags_consistent()
            expected = set()
            for object_id, versions in model.items():
                if versions:
                    newest = max(versions.values())
                    expected.add((object_id, max(k for k, s in versions.items() if s == newest)))
            got = {(r.id, parse_stix_timestamp_key(r.version)) for r in hub.manifest()}
            assert got == expected


# --- match[version] and match[spec_version] -----------------------------------------------


@dataclass(frozen=True)
class Row:
    """A stored version as the reference model of section 3.4.1 sees it."""

    id: str
    type: str
    spec: str
    key: str
    version: str
    date_added: int


def reference(rows: list[Row], query: ObjectQuery) -> list[tuple[str, str]]:
    """What TAXII 2.1 section 3.4.1 says a query returns, written plainly."""
    result: list[Row] = []
    by_object: dict[str, list[Row]] = {}
    for row in rows:
        by_object.setdefault(row.id, []).append(row)
    for versions in by_object.values():
        if query.spec_versions:
            kept = [r for r in versions if r.spec in query.spec_versions]
        else:
            newest = max(r.spec for r in versions)
            kept = [r for r in versions if r.spec == newest]
        if not kept:
            continue
        vf = query.versions
        first = min(r.key for r in kept)
        last = max(r.key for r in kept)
        for r in kept:
            if (
                vf.all
                or (vf.first and r.key == first)
                or (vf.last and r.key == last)
                or r.key in vf.timestamps
            ):
                result.append(r)
    result = [
        r
        for r in result
        if (query.after is None or r.date_added > query.after)
        and (not query.ids or r.id in query.ids)
        and (not query.types or r.type in query.types)
    ]
    result.sort(key=lambda r: r.date_added)
    return [(r.id, r.version) for r in result[: query.limit]]


@pytest.fixture
def filled(hub: Hub) -> tuple[Hub, list[Row]]:
    """A collection with versions across spec_versions, types and versionless SCOs."""
    hub.add(sdo(1, 20), sdo(1, 30))  # indicator 1: 2.1 versions, posted out of order
    hub.add(sdo(1, 10))
    hub.add(sdo(2, 10, spec=None), sdo(2, 40, spec=None))  # indicator 2: 2.0, then 2.1
    hub.add(sdo(2, 30))
    hub.add(
        {
            "type": "malware",
            "id": oid(3, "malware"),
            "created": ts(5),
            "modified": ts(5),
            "name": "m",
            "is_family": False,
        }
    )
    hub.add(sco(4, "198.51.100.1"))
    hub.add(sco(4, "198.51.100.2"))  # a second content of a versionless SCO
    hub.add(sdo(5, 30, spec="2.0"), sdo(5, 35))  # explicit 2.0 and 2.1 in one envelope
    rows = []
    for r in hub.manifest(spec_versions=ANY_SPEC, versions=VersionFilter(all=True, last=False)):
        rows.append(
            Row(
                r.id,
                r.id.split("--")[0],
                r.spec_version,
                parse_stix_timestamp_key(r.version),
                r.version,
                r.date_added,
            )
        )
    return hub, rows


VERSION_FILTERS = {
    "last": VersionFilter(),
    "first": VersionFilter(first=True, last=False),
    "all": VersionFilter(all=True, last=False),
    "first,last": VersionFilter(first=True, last=True),
    "ts(30)": VersionFilter(last=False, timestamps=(parse_stix_timestamp_key(ts(30)),)),
    "ts(10),ts(40)": VersionFilter(
        last=False,
        timestamps=(parse_stix_timestamp_key(ts(10)), parse_stix_timestamp_key(ts(40))),
    ),
    "first,ts(20)": VersionFilter(
        first=True, last=False, timestamps=(parse_stix_timestamp_key(ts(20)),)
    ),
    "none": VersionFilter(last=False),
}
SPEC_FILTERS: list[tuple[str, ...]] = [(), ("2.0",), ("2.1",), ("2.0", "2.1")]


class TestMatchFilters:
    """match[version], match[spec_version], match[id] and match[type] (section 3.4.1)."""

    def test_reference_rows(self, filled: tuple[Hub, list[Row]]) -> None:
        """The filled collection holds every version posted, each spec_version kept apart."""
        _, rows = filled
        assert len(rows) == 11
        assert [(r.id, r.spec) for r in rows if r.id == oid(5)] == [
            (oid(5), "2.0"),
            (oid(5), "2.1"),
        ]

    def test_every_combination_matches_the_reference(self, filled: tuple[Hub, list[Row]]) -> None:
        """Every mix of version filter, spec_version filter, id and type filter returns what
        section 3.4.1 says."""
        hub, rows = filled
        id_and_type_filters: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
            ((), ()),
            ((oid(2),), ()),
            ((), ("malware", "ipv4-addr")),
            ((oid(1), oid(4, "ipv4-addr")), ("indicator",)),
        ]
        for (name, vf), specs, (ids, types) in product(
            VERSION_FILTERS.items(), SPEC_FILTERS, id_and_type_filters
        ):
            query = ObjectQuery(limit=100, versions=vf, spec_versions=specs, ids=ids, types=types)
            got = [(r.id, r.version) for r in hub.store.get_manifest(hub.cid, query).records]
            assert got == reference(rows, query), (name, specs, ids, types)

    def test_default_is_last_of_newest_spec(self, filled: tuple[Hub, list[Row]]) -> None:
        """Without filters each object appears once: its last version of its newest spec."""
        hub, rows = filled
        sco_last = [r for r in rows if r.id == oid(4, "ipv4-addr")][-1].version
        assert sorted(hub.pairs()) == sorted(
            [
                (oid(1), ts(30)),
                (oid(2), ts(30)),
                (oid(3, "malware"), ts(5)),
                (oid(4, "ipv4-addr"), sco_last),
                (oid(5), ts(35)),
            ]
        )

    def test_first_and_last_together(self, filled: tuple[Hub, list[Row]]) -> None:
        """first,last returns both ends of an object's versions, and one row when they coincide."""
        hub, _ = filled
        got = hub.pairs(ids=(oid(1), oid(3, "malware")), versions=VERSION_FILTERS["first,last"])
        assert sorted(got) == [(oid(1), ts(10)), (oid(1), ts(30)), (oid(3, "malware"), ts(5))]

    def test_timestamp_of_a_hidden_spec_version_not_found(
        self, filled: tuple[Hub, list[Row]]
    ) -> None:
        """A timestamp that only a 2.0 version has finds nothing without match[spec_version]."""
        hub, _ = filled
        vf = VersionFilter(last=False, timestamps=(parse_stix_timestamp_key(ts(40)),))
        assert hub.pairs(ids=(oid(2),), versions=vf) == []
        assert hub.pairs(ids=(oid(2),), versions=vf, spec_versions=("2.0",)) == [(oid(2), ts(40))]

    def test_timestamp_spellings_match(self, filled: tuple[Hub, list[Row]]) -> None:
        """A version timestamp finds the version however many fractional digits either side
        wrote."""
        hub, _ = filled
        for spelling in ("2024-01-01T00:00:20Z", "2024-01-01T00:00:20.000000Z"):
            vf = VersionFilter(last=False, timestamps=(parse_stix_timestamp_key(spelling),))
            assert hub.pairs(versions=vf) == [(oid(1), ts(20))]

    def test_spec_version_filter_last_across_specs(self, filled: tuple[Hub, list[Row]]) -> None:
        """With both spec_versions listed, last is the newest version among both."""
        hub, _ = filled
        assert hub.pairs(ids=(oid(2),), spec_versions=ANY_SPEC) == [(oid(2), ts(40))]
        assert hub.pairs(ids=(oid(2),), spec_versions=("2.1",)) == [(oid(2), ts(30))]

    def test_unlisted_spec_version_never_returned(self, filled: tuple[Hub, list[Row]]) -> None:
        """With match[spec_version]=2.0 no 2.1 object is returned, under any version filter."""
        hub, _ = filled
        for vf in VERSION_FILTERS.values():
            for r in hub.manifest(spec_versions=("2.0",), versions=vf):
                assert r.spec_version == "2.0"
                assert r.media_type == "application/stix+json;version=2.0"

    def test_unknown_type_and_id_return_nothing(self, filled: tuple[Hub, list[Row]]) -> None:
        """A type or id that is not stored returns an empty page, not an error."""
        hub, _ = filled
        assert hub.pairs(types=("attack-pattern",)) == []
        assert hub.pairs(ids=(oid(99),)) == []

    def test_get_objects_returns_stored_bytes(self, filled: tuple[Hub, list[Row]]) -> None:
        """get_objects returns the exact canonical bytes the door produced."""
        hub, _ = filled
        page = hub.store.get_objects(hub.cid, ObjectQuery(limit=10, ids=(oid(3, "malware"),)))
        (record,) = page.records
        assert isinstance(record.body, bytes)
        assert orjson.loads(record.body)["name"] == "m"
        expected = door(
            {
                "type": "malware",
                "id": oid(3, "malware"),
                "created": ts(5),
                "modified": ts(5),
                "name": "m",
                "is_family": False,
            }
        ).body
        assert record.body == expected
        assert record.version == ts(5)

    def test_get_versions_ignores_version_filter(self, filled: tuple[Hub, list[Row]]) -> None:
        """get_versions lists every version of the newest spec_version, whatever match[version]
        says."""
        hub, _ = filled
        page = hub.store.get_versions(
            hub.cid, oid(1), ObjectQuery(limit=10, versions=VersionFilter(first=True, last=False))
        )
        assert [r.version for r in page.records] == [ts(20), ts(30), ts(10)]


# --- identical and conflicting re-posts -----------------------------------------------------


class TestRepost:
    """Posting what is already stored, and posting a different object under a stored version."""

    def test_identical_repost_is_unchanged(self, hub: Hub) -> None:
        """Re-posting an identical version is UNCHANGED, stores nothing and keeps date_added."""
        assert stored(hub.add(sdo(1, 1))) == [AddOutcome.STORED]
        before = hub.manifest()
        results = hub.add(sdo(1, 1))
        assert results == [AddResult(oid(1), ts(1), AddOutcome.UNCHANGED)]
        assert hub.manifest() == before
        assert hub.store.count_objects(hub.cid) == 1

    def test_identical_repost_in_one_envelope(self, hub: Hub) -> None:
        """The same version twice in one envelope is stored once and then UNCHANGED."""
        results = hub.add(sdo(1, 1), sdo(1, 1))
        assert stored(results) == [AddOutcome.STORED, AddOutcome.UNCHANGED]
        assert hub.store.count_objects(hub.cid) == 1

    def test_repost_does_not_advance_date_added(self, hub: Hub) -> None:
        """An envelope of only unchanged objects leaves the collection's date_added where it was."""
        hub.add(sdo(1, 1))
        hub.add(sdo(1, 1))
        hub.add(sdo(2, 1))
        dates = [r.date_added for r in hub.manifest()]
        assert dates == sorted(dates)
        assert len(set(dates)) == 2

    def test_repost_with_properties_in_another_order_is_unchanged(self, hub: Hub) -> None:
        """Re-posting the same JSON object with its members in another order is UNCHANGED."""
        original = sdo(1, 1, name="x")
        reordered = dict(reversed(list(original.items())))
        assert reordered == original
        hub.add(original)
        assert stored(hub.add(reordered)) == [AddOutcome.UNCHANGED]
        assert hub.store.count_objects(hub.cid) == 1

    def test_same_version_other_content_fails(self, hub: Hub) -> None:
        """The same id and version with other content is FAILED and the stored content stays."""
        hub.add(sdo(1, 1, name="original"))
        (result,) = hub.add(sdo(1, 1, name="changed"))
        assert result.outcome == AddOutcome.FAILED
        assert result.id == oid(1)
        assert result.version == ts(1)
        assert result.message is not None
        assert "already stored" in result.message
        (record,) = hub.store.get_objects(hub.cid, ObjectQuery(limit=10)).records
        assert orjson.loads(record.body)["name"] == "original"

    def test_same_version_other_content_in_one_envelope_fails(self, hub: Hub) -> None:
        """Two contents for one version in one envelope: the first is stored, the second fails."""
        results = hub.add(sdo(1, 1, name="a"), sdo(1, 1, name="b"))
        assert stored(results) == [AddOutcome.STORED, AddOutcome.FAILED]

    def test_same_instant_other_spelling_is_the_same_version(self, hub: Hub) -> None:
        """A modified spelled with other digits is the same version, so it is not stored twice."""
        hub.add(sdo(1, 1))
        other = sdo(1, 1) | {"modified": "2024-01-01T00:00:01Z"}
        (result,) = hub.add(other)
        assert result.outcome in (AddOutcome.UNCHANGED, AddOutcome.FAILED)
        assert hub.store.count_objects(hub.cid) == 1

    def test_add_to_unknown_collection(self, hub: Hub) -> None:
        """Adding to a collection that does not exist raises NotFound."""
        with pytest.raises(NotFound):
            hub.store.add_objects("00000000-0000-4000-8000-000000000000", [door(sdo(1, 1))])

    def test_longest_type_and_id_stored(self, hub: Hub) -> None:
        """A 250-character type and its 288-character id fit the columns on both backends."""
        type_ = "x-" + "a" * 248
        obj = {"type": type_, "id": f"{type_}--{oid(1)[-36:]}", "spec_version": "2.1"}
        assert stored(hub.add(obj)) == [AddOutcome.STORED]
        assert hub.pairs(types=(type_,))[0][0] == obj["id"]


class TestVersionlessObjects:
    """Objects without created and modified (most SCOs) are versioned by date_added."""

    def test_version_is_first_date_added(self, hub: Hub) -> None:
        """A versionless object's version is the TAXII timestamp of its date_added."""
        (result,) = hub.add(sco(1, "198.51.100.1"))
        (record,) = hub.manifest()
        assert result.outcome == AddOutcome.STORED
        assert record.version == format_taxii_timestamp(record.date_added)
        assert result.version == record.version

    def test_identical_repost_is_unchanged(self, hub: Hub) -> None:
        """Re-posting the same versionless object is UNCHANGED and keeps its version."""
        hub.add(sco(1, "198.51.100.1"))
        before = hub.manifest()
        (result,) = hub.add(sco(1, "198.51.100.1"))
        assert result.outcome == AddOutcome.UNCHANGED
        assert hub.manifest() == before

    def test_unchanged_result_reports_the_stored_version(self, hub: Hub) -> None:
        """The UNCHANGED result names the version the object is stored under (a status needs
        it)."""
        (first,) = hub.add(sco(1, "198.51.100.1"))
        (again,) = hub.add(sco(1, "198.51.100.1"))
        assert again.version == first.version

    def test_other_content_is_a_new_version(self, hub: Hub) -> None:
        """Different content under the same id becomes a new, later version."""
        hub.add(sco(1, "198.51.100.1"))
        hub.add(sco(1, "198.51.100.2"))
        records = hub.manifest(versions=VersionFilter(all=True, last=False))
        assert len(records) == 2
        (last,) = hub.manifest()
        assert last == records[1]
        (first,) = hub.manifest(versions=VersionFilter(first=True, last=False))
        assert first == records[0]
        hub.assert_flags_consistent()

    def test_version_stays_after_other_versions(self, hub: Hub) -> None:
        """Re-posting the first content after a second one is UNCHANGED, not a third version."""
        hub.add(sco(1, "198.51.100.1"))
        hub.add(sco(1, "198.51.100.2"))
        (result,) = hub.add(sco(1, "198.51.100.1"))
        assert result.outcome == AddOutcome.UNCHANGED
        assert hub.store.count_objects(hub.cid) == 2

    def test_found_by_its_version_timestamp(self, hub: Hub) -> None:
        """match[version] with the assigned version finds the versionless object."""
        hub.add(sco(1, "198.51.100.1"))
        (record,) = hub.manifest()
        vf = VersionFilter(last=False, timestamps=(parse_stix_timestamp_key(record.version),))
        assert hub.manifest(versions=vf) == [record]

    def test_identical_twice_in_one_envelope(self, still_hub: Hub) -> None:
        """The same versionless object twice in one envelope is stored once."""
        results = still_hub.add(sco(1, "198.51.100.1"), sco(1, "198.51.100.1"))
        assert stored(results) == [AddOutcome.STORED, AddOutcome.UNCHANGED]
        assert still_hub.store.count_objects(still_hub.cid) == 1


# --- the ingest path (door, validator, store) ----------------------------------------------


def valid_indicator(n: int, modified: int = 1, **extra: Any) -> dict[str, Any]:
    """An indicator that passes the STIX 2.1 validator without findings."""
    return sdo(
        n,
        modified,
        pattern="[ipv4-addr:value = '198.51.100.1']",
        pattern_type="stix",
        valid_from=ts(0),
        **extra,
    )


class TestIngest:
    """add_objects: door, validator and collection policy, then one atomic store call."""

    def test_refusals_reported_in_place(self, hub: Hub) -> None:
        """Objects refused by the door or the validator are FAILED in place; the rest stored."""
        collection = hub.store.get_collection(hub.root, hub.cid)
        missing_pattern = valid_indicator(3)
        del missing_pattern["pattern"]
        results = add_objects(
            hub.store,
            collection,
            [valid_indicator(1), {"type": "indicator", "id": "bad"}, missing_pattern, "x",
             valid_indicator(2)],
        )  # fmt: skip
        assert stored(results) == [
            AddOutcome.STORED,
            AddOutcome.FAILED,
            AddOutcome.FAILED,
            AddOutcome.FAILED,
            AddOutcome.STORED,
        ]
        assert (results[1].id, results[2].id, results[3].id) == ("bad", oid(3), None)
        assert all(r.message for r in results if r.outcome == AddOutcome.FAILED)
        assert hub.store.count_objects(hub.cid) == 2

    def test_only_refusals_write_nothing(self, hub: Hub) -> None:
        """An envelope whose objects are all refused writes nothing."""
        collection = hub.store.get_collection(hub.root, hub.cid)
        results = add_objects(hub.store, collection, ["x", {"type": "bundle"}])
        assert stored(results) == [AddOutcome.FAILED] * 2
        assert hub.store.count_objects(hub.cid) == 0

    def test_stix20_refused_unless_accepted(self, hub: Hub) -> None:
        """STIX 2.0 objects are refused by default and stored when the hub accepts them."""
        collection = hub.store.get_collection(hub.root, hub.cid)
        (refused,) = add_objects(hub.store, collection, [sdo(1, 1, spec=None)])
        assert refused.outcome == AddOutcome.FAILED
        assert refused.message is not None
        assert "2.0" in refused.message
        (accepted,) = add_objects(hub.store, collection, [sdo(1, 1, spec=None)], accept_stix20=True)
        assert accepted.outcome == AddOutcome.STORED

    def test_custom_content_follows_collection_policy(self, hub: Hub) -> None:
        """A custom property is stored by default, refused by strict and by refuse_warnings."""
        lenient = hub.store.get_collection(hub.root, hub.cid)
        strict = hub.store.create_collection(hub.root, "Strict", strict=True)
        picky = hub.store.create_collection(hub.root, "Picky", refuse_warnings=True)
        custom = valid_indicator(1, x_custom="value")
        assert stored(add_objects(hub.store, lenient, [custom])) == [AddOutcome.STORED]
        assert stored(add_objects(hub.store, strict, [custom])) == [AddOutcome.FAILED]
        assert stored(add_objects(hub.store, picky, [custom])) == [AddOutcome.FAILED]
        assert stored(add_objects(hub.store, picky, [valid_indicator(2)])) == [AddOutcome.STORED]


# --- date_added -------------------------------------------------------------------------


class TestDateAdded:
    """date_added is unique and strictly increasing, whatever the clock does."""

    def test_standing_clock(self, still_hub: Hub) -> None:
        """With a clock that stands still, versions get consecutive microseconds."""
        still_hub.add(sdo(1, 1), sdo(2, 1), sdo(3, 1))
        still_hub.add(sdo(4, 1))
        assert [r.date_added for r in still_hub.manifest()] == [
            START,
            START + 1,
            START + 2,
            START + 3,
        ]

    def test_clock_going_backwards(self, still_hub: Hub) -> None:
        """A clock set back does not make date_added go back."""
        still_hub.add(sdo(1, 1), sdo(2, 1))
        still_hub.clock.now = START - 10_000_000
        still_hub.add(sdo(3, 1))
        assert [r.date_added for r in still_hub.manifest()] == [START, START + 1, START + 2]

    def test_clock_going_forward_is_used(self, still_hub: Hub) -> None:
        """When the clock is ahead of the last date_added, the clock's time is used."""
        still_hub.add(sdo(1, 1))
        still_hub.clock.now = START + 5_000_000
        still_hub.add(sdo(2, 1))
        assert [r.date_added for r in still_hub.manifest()] == [START, START + 5_000_000]

    def test_collections_count_separately(self, still_hub: Hub) -> None:
        """Each collection has its own date_added sequence."""
        other = still_hub.store.create_collection(still_hub.root, "Other").id
        still_hub.add(sdo(1, 1), sdo(2, 1))
        put(still_hub.store, other, sdo(1, 1))
        page = still_hub.store.get_manifest(other, ObjectQuery(limit=10))
        assert [r.date_added for r in page.records] == [START]

    def test_delete_does_not_reuse_date_added(self, still_hub: Hub) -> None:
        """After deleting the newest object, the next one still gets a later date_added."""
        still_hub.add(sdo(1, 1), sdo(2, 1))
        still_hub.store.delete_object(still_hub.cid, oid(2))
        still_hub.add(sdo(3, 1))
        assert [r.date_added for r in still_hub.manifest()] == [START, START + 2]

    def test_versions_get_increasing_date_added(self, hub: Hub) -> None:
        """Every stored version of every object has a distinct, increasing date_added."""
        for i in range(5):
            hub.add(sdo(1, i + 1), sdo(2, 10 - i))
        dates = [r.date_added for r in hub.manifest(versions=VersionFilter(all=True, last=False))]
        assert len(dates) == 10
        assert dates == sorted(set(dates))


# --- paging ---------------------------------------------------------------------------------


class TestPaging:
    """Pages in date_added order with a keyset position ``after``."""

    def test_limit_and_more(self, still_hub: Hub) -> None:
        """A page holds at most limit records and says whether more were held back."""
        still_hub.add(*(sdo(i, 1) for i in range(5)))
        page = still_hub.store.get_manifest(still_hub.cid, ObjectQuery(limit=2))
        assert [r.id for r in page.records] == [oid(0), oid(1)]
        assert page.more

    def test_exact_fit_has_no_more(self, still_hub: Hub) -> None:
        """A page that holds exactly the remaining records says there are no more."""
        still_hub.add(*(sdo(i, 1) for i in range(3)))
        page = still_hub.store.get_objects(still_hub.cid, ObjectQuery(limit=3))
        assert len(page.records) == 3
        assert not page.more

    def test_after_is_exclusive(self, still_hub: Hub) -> None:
        """after returns only records with a larger date_added."""
        still_hub.add(*(sdo(i, 1) for i in range(4)))
        assert [r.id for r in still_hub.manifest(after=START + 1)] == [oid(2), oid(3)]
        assert still_hub.manifest(after=START + 3) == []
        assert len(still_hub.manifest(after=START - 1)) == 4

    def test_walking_pages_sees_everything_once(self, still_hub: Hub) -> None:
        """Following after from page to page returns every record exactly once, in order."""
        still_hub.add(*(sdo(i, 1) for i in range(7)))
        seen: list[str] = []
        after = None
        while True:
            page = still_hub.store.get_objects(still_hub.cid, ObjectQuery(limit=3, after=after))
            seen += [r.id for r in page.records]
            if not page.more:
                break
            after = page.records[-1].date_added
        assert seen == [oid(i) for i in range(7)]

    def test_after_with_filters(self, still_hub: Hub) -> None:
        """after combines with type and id filters."""
        still_hub.add(sdo(1, 1), sco(2, "198.51.100.1"), sdo(3, 1), sco(4, "198.51.100.4"))
        got = still_hub.manifest(after=START, types=("ipv4-addr",))
        assert [r.id for r in got] == [oid(2, "ipv4-addr"), oid(4, "ipv4-addr")]
        got = still_hub.manifest(after=START + 1, ids=(oid(1), oid(3)))
        assert [r.id for r in got] == [oid(3)]

    def test_superseded_version_leaves_default_pages(self, still_hub: Hub) -> None:
        """A newer version moves an object to the end of the default listing."""
        still_hub.add(sdo(1, 1), sdo(2, 1))
        still_hub.add(sdo(1, 2))
        assert still_hub.pairs() == [(oid(2), ts(1)), (oid(1), ts(2))]

    def test_versions_page(self, still_hub: Hub) -> None:
        """get_versions pages with limit and after like the other endpoints."""
        still_hub.add(sdo(1, 1), sdo(1, 2), sdo(1, 3))
        first = still_hub.store.get_versions(still_hub.cid, oid(1), ObjectQuery(limit=2))
        assert [r.version for r in first.records] == [ts(1), ts(2)]
        assert first.more
        rest = still_hub.store.get_versions(
            still_hub.cid, oid(1), ObjectQuery(limit=2, after=first.records[-1].date_added)
        )
        assert [r.version for r in rest.records] == [ts(3)]
        assert not rest.more

    def test_many_ids_filter(self, still_hub: Hub) -> None:
        """An ids filter with more ids than stored objects returns the stored ones."""
        still_hub.add(*(sdo(i, 1) for i in range(5)))
        ids = tuple(oid(i) for i in range(0, 600))
        assert len(still_hub.manifest(ids=ids)) == 5

    def test_large_envelope(self, still_hub: Hub) -> None:
        """An envelope of 700 objects (past the store's IN-list chunk) is stored and re-posted."""
        still_hub.add(*(sdo(i, 1) for i in range(700)))
        assert still_hub.store.count_objects(still_hub.cid) == 700
        results = still_hub.add(*(sdo(i, 1) for i in range(700)))
        assert {r.outcome for r in results} == {AddOutcome.UNCHANGED}


# --- atomicity ------------------------------------------------------------------------------


class TestAtomicity:
    """An envelope is stored entirely or not at all."""

    def _broken(self, n: int) -> PreparedObject:
        """A prepared object the database refuses (its body violates NOT NULL)."""
        good = door(sdo(n, 1))
        return PreparedObject(
            good.id, good.type, good.spec_version, good.version, good.version_key,
            cast(bytes, None),
        )  # fmt: skip

    def test_database_error_midway_leaves_nothing(self, still_hub: Hub) -> None:
        """When the database refuses the last row of an envelope, none of its rows, flag
        updates or date_added advance survive."""
        still_hub.add(sdo(1, 1))
        before = still_hub.flags()
        envelope = [door(sdo(1, 2)), door(sdo(2, 1)), door(sdo(3, 1)), self._broken(4)]
        with pytest.raises(IntegrityError):
            still_hub.store.add_objects(still_hub.cid, envelope)
        assert still_hub.flags() == before
        assert still_hub.pairs() == [(oid(1), ts(1))]
        still_hub.add(sdo(5, 1))
        assert [r.date_added for r in still_hub.manifest()] == [START, START + 1]

    def test_crash_after_writes_rolls_them_back(
        self, still_hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A crash after the flag updates were written (seen inside the transaction, not from
        outside) leaves none of them."""
        still_hub.add(sdo(1, 1))
        before = still_hub.flags()
        original = SqlStore._apply_flags
        seen: dict[str, Any] = {}

        def crash_after(conn: Connection, groups: Any) -> None:
            original(conn, groups)
            o = _schema.objects.c
            mine = (o.collection_id == still_hub.cid) & (o.object_id == oid(1))
            seen["inside"] = bool(conn.scalar(select(o.is_last).where(mine)))
            seen["outside"] = still_hub.pairs()
            raise RuntimeError("power cut")

        monkeypatch.setattr(SqlStore, "_apply_flags", staticmethod(crash_after))
        with pytest.raises(RuntimeError, match="power cut"):
            still_hub.add(sdo(1, 2), sdo(2, 1))
        monkeypatch.undo()
        assert seen == {"inside": False, "outside": [(oid(1), ts(1))]}
        assert still_hub.flags() == before
        assert still_hub.store.count_objects(still_hub.cid) == 1
        still_hub.add(sdo(3, 1))
        assert [r.date_added for r in still_hub.manifest()] == [START, START + 1]

    def test_crash_during_delete_rolls_back(
        self, still_hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A crash after a delete's rows are gone but before it commits leaves every version."""
        still_hub.add(sdo(1, 1), sdo(1, 2))
        before = still_hub.flags()

        def crash(conn: Connection, groups: Any) -> None:
            raise RuntimeError("power cut")

        monkeypatch.setattr(SqlStore, "_apply_flags", staticmethod(crash))
        with pytest.raises(RuntimeError):
            still_hub.store.delete_object(still_hub.cid, oid(1), VersionFilter(last=True))
        monkeypatch.undo()
        assert still_hub.flags() == before

    def test_store_usable_after_failure(self, still_hub: Hub) -> None:
        """After a failed envelope the same objects can be stored by a good envelope."""
        with pytest.raises(IntegrityError):
            still_hub.store.add_objects(still_hub.cid, [door(sdo(1, 1)), self._broken(2)])
        results = still_hub.add(sdo(1, 1), sdo(2, 1))
        assert stored(results) == [AddOutcome.STORED, AddOutcome.STORED]


# --- concurrency ----------------------------------------------------------------------------


def run_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(i) for i in range(count) on that many threads; re-raise any failure."""
    barrier = threading.Barrier(count)

    def start(i: int) -> Any:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


class TestConcurrentWriters:
    """Several writers on one collection, each with its own connection."""

    THREADS = 4
    ENVELOPES = 6
    SIZE = 5

    def test_date_added_unique_and_gap_free(self, still_hub: Hub) -> None:
        """Concurrent envelopes get unique date_added values, consecutive within each envelope
        and gap-free overall."""

        def write(t: int) -> list[list[str]]:
            envelopes = []
            for e in range(self.ENVELOPES):
                objs = [sdo(t * 1000 + e * 100 + i, 1) for i in range(self.SIZE)]
                results = still_hub.add(*objs)
                assert stored(results) == [AddOutcome.STORED] * self.SIZE
                envelopes.append([o["id"] for o in objs])
            return envelopes

        envelopes = [env for per_thread in run_threads(self.THREADS, write) for env in per_thread]
        records = still_hub.manifest()
        total = self.THREADS * self.ENVELOPES * self.SIZE
        assert [r.date_added for r in records] == list(range(START, START + total))
        date_of = {r.id: r.date_added for r in records}
        for ids in envelopes:
            dates = [date_of[i] for i in ids]
            assert dates == list(range(dates[0], dates[0] + self.SIZE))

    def test_poller_never_misses_an_object(self, still_hub: Hub) -> None:
        """A reader paging with after while others write sees every object exactly once."""
        done = threading.Event()

        def write(t: int) -> None:
            for e in range(self.ENVELOPES):
                still_hub.add(*(sdo(t * 1000 + e * 100 + i, 1) for i in range(self.SIZE)))

        def poll() -> list[int]:
            seen: list[int] = []
            after = None
            finished = False
            while True:
                finished = done.is_set()
                page = still_hub.store.get_manifest(
                    still_hub.cid, ObjectQuery(limit=7, after=after)
                )
                seen += [r.date_added for r in page.records]
                if page.records:
                    after = page.records[-1].date_added
                if finished and not page.more:
                    return seen

        with ThreadPoolExecutor(max_workers=self.THREADS + 1) as pool:
            poller = pool.submit(poll)
            writers = [pool.submit(write, t) for t in range(self.THREADS)]
            for w in writers:
                w.result()
            done.set()
            seen = poller.result()
        total = self.THREADS * self.ENVELOPES * self.SIZE
        assert seen == list(range(START, START + total))

    def test_concurrent_versions_of_one_object(self, hub: Hub) -> None:
        """Writers adding versions of the same objects at once leave consistent flags."""

        def write(t: int) -> None:
            for e in range(4):
                hub.add(sdo(1, t * 10 + e + 1), sdo(2, 40 - t * 10 - e))

        run_threads(self.THREADS, write)
        hub.assert_flags_consistent()
        assert sorted(hub.pairs()) == [(oid(1), ts(34)), (oid(2), ts(40))]
        assert hub.store.count_objects(hub.cid) == 2 * self.THREADS * 4

    def test_concurrent_identical_posts_store_once(self, still_hub: Hub) -> None:
        """The same envelope posted by several writers at once is stored exactly once."""

        def write(_t: int) -> list[str]:
            return stored(still_hub.add(sdo(1, 1), sco(2, "198.51.100.2")))

        outcomes = run_threads(self.THREADS, write)
        assert outcomes.count([AddOutcome.STORED, AddOutcome.STORED]) == 1
        assert outcomes.count([AddOutcome.UNCHANGED, AddOutcome.UNCHANGED]) == self.THREADS - 1
        assert still_hub.store.count_objects(still_hub.cid) == 2

    def test_two_stores_on_one_database(self, db_url: str, still_hub: Hub) -> None:
        """Two SqlStore instances (two server processes) share one date_added sequence."""
        second = SqlStore(make_engine(db_url), clock=Clock(now=START - 5_000_000))
        try:

            def write(t: int) -> None:
                target = still_hub.store if t % 2 else second
                for e in range(self.ENVELOPES):
                    put(target, still_hub.cid, sdo(t * 1000 + e, 1))

            run_threads(self.THREADS, write)
        finally:
            second.close()
        dates = [r.date_added for r in still_hub.manifest()]
        assert len(dates) == self.THREADS * self.ENVELOPES
        assert dates == sorted(set(dates))


class TestStatistics:
    """``refresh_statistics`` after bulk loads."""

    def test_planner_sees_a_bulk_load(self, hub: Hub) -> None:
        """After a bulk load and refresh_statistics, the planner knows how many rows there are."""
        store, collection_id = hub.store, hub.cid
        put(store, collection_id, *(sdo(n, 1) for n in range(300)))
        store.refresh_statistics()
        with store.engine.connect() as conn:
            if store.engine.dialect.name == "postgresql":
                estimate = conn.exec_driver_sql(
                    "SELECT reltuples FROM pg_class WHERE oid = 'objects'::regclass"
                ).scalar()
            else:
                # sqlite_stat1 holds "rows-in-index avg-rows-per-key..." per index.
                stat = conn.exec_driver_sql(
                    "SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_objects_last'"
                ).scalar()
                estimate = str(stat).split()[0] if stat is not None else None
        assert estimate is not None
        assert float(estimate) >= 300
        page = store.get_objects(collection_id, ObjectQuery(limit=10))
        assert len(page.records) == 10

    def test_writes_refresh_statistics_at_each_doubling(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A process that keeps writing refreshes statistics at 100, 200, 400, 800 rows."""
        store, collection_id = hub.store, hub.cid
        monkeypatch.setattr(_store_module, "_MIN_ROWS_BEFORE_ANALYZE", 100)
        calls: list[int] = []
        real = store.refresh_statistics

        def counting() -> None:
            calls.append(store.count_objects(collection_id))
            real()

        monkeypatch.setattr(store, "refresh_statistics", counting)
        for batch in range(20):
            put(store, collection_id, *(sdo(batch * 50 + n, 1) for n in range(50)))
        assert calls == [100, 200, 400, 800]

    def test_unchanged_objects_do_not_count(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Posting the same objects again stores nothing and triggers no refresh."""
        store, collection_id = hub.store, hub.cid
        monkeypatch.setattr(_store_module, "_MIN_ROWS_BEFORE_ANALYZE", 100)
        objects = [sdo(n, 1) for n in range(60)]
        put(store, collection_id, *objects)
        calls: list[str] = []
        monkeypatch.setattr(store, "refresh_statistics", lambda: calls.append("x"))
        for _ in range(5):
            put(store, collection_id, *objects)
        assert calls == []

    def test_a_failed_refresh_does_not_fail_the_write(
        self, hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The objects are committed before the refresh; its failure is a logged warning."""
        monkeypatch.setattr(_store_module, "_MIN_ROWS_BEFORE_ANALYZE", 10)

        def broken() -> None:
            raise OperationalError("ANALYZE objects", {}, Exception("lock timeout"))

        monkeypatch.setattr(hub.store, "refresh_statistics", broken)
        results = put(hub.store, hub.cid, *(sdo(n, 1) for n in range(20)))
        assert {r.outcome for r in results} == {AddOutcome.STORED}
        assert hub.store.count_objects(hub.cid) == 20
        assert "statistics" in caplog.text
