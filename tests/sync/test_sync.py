"""The sync engine with the real client against a live hub over a real socket: complete,
incremental, every version kept, revocations visible, refusals counted, state guarded."""

import threading
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.client import Query
from stixhub.store import SqlStore, make_engine
from stixhub.sync import (
    FolderTarget,
    StateError,
    StoreTarget,
    SyncBusy,
    SyncReport,
    client_source,
    iter_objects,
    latest_objects,
    load_state,
    run_sync,
)
from stixhub.sync._state import lock_state
from tests.conftest import copy_sqlite_template
from tests.sync.conftest import (
    FEED,
    Feed,
    canonical,
    clean_poll,
    feed_client,
    feed_versions,
    no_temporary_files,
    object_id,
)

ALL = Query(versions=("all",), limit=40)
LOCAL = "0b7c3e2a-5d1f-4e6a-9b8c-7d6e5f4a3b2c"


def sync_folder(
    feed: Feed, folder: Path, state: Path, on_page: Any = None, query: Query = ALL
) -> SyncReport:
    """One run of the sync of the feed into a folder."""
    target = FolderTarget(folder)
    try:
        with feed_client(feed) as client:
            return run_sync(
                client_source(client, FEED, query, feed.api_root_url),
                target,
                state,
                server=feed.api_root_url,
                collection=FEED,
                target_name=f"folder:{folder}",
                on_page=on_page,
            )
    finally:
        target.close()


@pytest.fixture
def local_store(tmp_path: Path, sqlite_template: Path) -> Any:
    """A local hub database with an empty collection LOCAL to mirror into."""
    folder = tmp_path / "local"
    folder.mkdir()
    store = SqlStore(make_engine(copy_sqlite_template(sqlite_template, folder)))
    store.create_api_root("mirror", "Mirror")
    store.create_collection("mirror", "CERT mirror", collection_id=LOCAL)
    yield store
    store.close()


def sync_store(feed: Feed, store: SqlStore, state: Path) -> SyncReport:
    """One run of the sync of the feed into the local collection."""
    target = StoreTarget(store, store.find_collection(LOCAL), feed.collection_url)
    with feed_client(feed) as client:
        return run_sync(
            client_source(client, FEED, ALL, feed.api_root_url),
            target,
            state,
            server=feed.api_root_url,
            collection=FEED,
            target_name=f"db:{LOCAL}",
        )


def mirrored(store: SqlStore) -> list[dict[str, Any]]:
    """Every version the local collection holds, as stored."""
    with store.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT body FROM objects WHERE collection_id = ?", (LOCAL,)
        ).all()
    return [orjson.loads(r[0]) for r in rows]


class TestFolder:
    def test_full_sync_is_the_clean_poll(self, shared_feed: Feed, tmp_path: Path) -> None:
        """A first sync keeps every version the server holds, each once, nothing else."""
        folder, state = tmp_path / "feed", tmp_path / "feed.state"
        report = sync_folder(shared_feed, folder, state)
        expected = clean_poll(shared_feed)
        assert canonical(iter_objects(folder)) == canonical(expected)
        assert report.run.received == len(expected) == report.run.stored
        assert report.run.pages >= len(expected) // 40
        saved = load_state(state)
        assert saved is not None
        assert saved.totals.received == len(expected)
        assert no_temporary_files(folder)

    def test_revoked_newest_version_is_what_readers_see(
        self, shared_feed: Feed, tmp_path: Path
    ) -> None:
        """latest_objects gives the revocation for revoked ids and keeps the history."""
        folder = tmp_path / "feed"
        sync_folder(shared_feed, folder, tmp_path / "s")
        latest = {o["id"]: o for o in latest_objects(folder)}
        assert latest[object_id(25)]["revoked"] is True
        assert latest[object_id(7)]["name"] == "v2 7"
        history = [o for o in iter_objects(folder) if o["id"] == object_id(25)]
        assert len(history) == 2  # 25 is not a multiple of 7: first version and revocation

    def test_next_run_gets_only_what_was_added(self, shared_feed: Feed, tmp_path: Path) -> None:
        """A run after a finished one receives nothing; after additions, only those."""
        folder, state = tmp_path / "feed", tmp_path / "feed.state"
        sync_folder(shared_feed, folder, state)
        again = sync_folder(shared_feed, folder, state)
        assert again.resumed
        assert again.run.received == 0
        added = feed_versions(30, start=5000)
        shared_feed.add(added)
        third = sync_folder(shared_feed, folder, state)
        assert third.run.received == len(added) == third.run.stored
        assert canonical(iter_objects(folder)) == canonical(clean_poll(shared_feed))

    def test_objects_added_between_pages(self, shared_feed: Feed, tmp_path: Path) -> None:
        """New versions (and new versions of seen objects) arriving while the sync pages
        are all received once: the folder ends equal to a poll made after the last one."""
        folder, state = tmp_path / "feed", tmp_path / "feed.state"
        batches = iter(range(3))  # within the first pages: the sync is still running

        def add_some(_report: SyncReport) -> None:
            n = next(batches, None)
            if n is not None:
                fresh = feed_versions(15, start=6000 + 100 * n)
                update = {
                    **feed_versions(1, start=n)[0],
                    "modified": f"2024-04-0{n + 1}T00:00:00.000Z",
                }
                shared_feed.add([*fresh, update])

        report = sync_folder(shared_feed, folder, state, on_page=add_some)
        expected = clean_poll(shared_feed)
        assert report.run.pages > 3
        assert report.run.received == len(expected)
        assert sync_folder(shared_feed, folder, state).run.received == 0
        assert canonical(iter_objects(folder)) == canonical(expected)

    def test_type_filter(self, shared_feed: Feed, tmp_path: Path) -> None:
        """--type keeps only objects of that type."""
        folder = tmp_path / "feed"
        sync_folder(
            shared_feed,
            folder,
            tmp_path / "s",
            query=Query(types=("ipv4-addr",), versions=("all",)),
        )
        types = {o["type"] for o in iter_objects(folder)}
        assert types == {"ipv4-addr"}

    def test_state_of_another_feed_is_refused(self, shared_feed: Feed, tmp_path: Path) -> None:
        """A state file used with another server URL, collection or target is an error."""
        folder, state = tmp_path / "feed", tmp_path / "feed.state"
        sync_folder(shared_feed, folder, state)
        with pytest.raises(StateError, match="belongs to target"):
            sync_folder(shared_feed, tmp_path / "elsewhere", state)
        other = Feed(
            shared_feed.db_url, shared_feed.api_root_url.replace("api1", "api2"), shared_feed.server
        )
        with pytest.raises(StateError, match="belongs to server"):
            sync_folder(other, folder, state)

    def test_broken_state_file_is_refused(self, shared_feed: Feed, tmp_path: Path) -> None:
        """A state file that is not one stixhub wrote is an error, never a fresh start."""
        state = tmp_path / "feed.state"
        state.write_text('{"format": 1, "server": 3}')
        with pytest.raises(StateError, match="not a stixhub sync state file"):
            sync_folder(shared_feed, tmp_path / "feed", state)

    def test_second_sync_on_one_state_is_busy(self, shared_feed: Feed, tmp_path: Path) -> None:
        """While one sync holds a state file, another one on it stops with SyncBusy."""
        state = tmp_path / "feed.state"
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with lock_state(state):
                held.set()
                release.wait(30)

        holder = threading.Thread(target=hold)
        holder.start()
        try:
            held.wait(30)
            with pytest.raises(SyncBusy):
                sync_folder(shared_feed, tmp_path / "feed", state)
        finally:
            release.set()
            holder.join()


class TestMirror:
    def test_mirror_records_origin(
        self, shared_feed: Feed, local_store: SqlStore, tmp_path: Path
    ) -> None:
        """Every version lands in the local collection with the source collection's URL."""
        report = sync_store(shared_feed, local_store, tmp_path / "m.state")
        expected = clean_poll(shared_feed)
        assert report.run.stored == len(expected)
        assert canonical(mirrored(local_store)) == canonical(expected)
        origins = local_store.get_origins(LOCAL, object_id(7))
        assert set(origins.values()) == {shared_feed.collection_url}
        assert len(origins) == 2

    def test_refused_objects_are_counted_and_passed(
        self, small_feed: Feed, local_store: SqlStore, tmp_path: Path
    ) -> None:
        """An object the local validator refuses is reported; the position moves past it
        and the objects after it are mirrored."""
        bad = {**feed_versions(1, start=7001)[0], "pattern": "[not a pattern"}
        small_feed.add([bad, *feed_versions(5, start=7100)])
        state = tmp_path / "m.state"
        report = sync_store(small_feed, local_store, state)
        assert report.run.refused == 1
        assert [r.id for r in report.refusals] == [bad["id"]]
        assert report.run.stored == report.run.received - 1
        again = sync_store(small_feed, local_store, state)
        assert again.run.received == 0  # not stuck on the refused object

    def test_resync_from_scratch_is_unchanged(
        self, shared_feed: Feed, local_store: SqlStore, tmp_path: Path
    ) -> None:
        """A new state on a full mirror stores nothing twice: every version is unchanged."""
        sync_store(shared_feed, local_store, tmp_path / "a.state")
        count = local_store.count_objects(LOCAL)
        again = sync_store(shared_feed, local_store, tmp_path / "b.state")
        assert again.run.unchanged == again.run.received == count
        assert local_store.count_objects(LOCAL) == count
