"""``stixhub sync`` on the command line against a live hub: targets, the JSON summary,
incremental runs, refusals (exit 4) and bad usage (exit 2)."""

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from stixhub.store import SqlStore, make_engine
from stixhub.sync import iter_objects
from tests.cli._helpers import one_line_error
from tests.cli.test_remote import login
from tests.conftest import copy_sqlite_template
from tests.sync.conftest import (
    FEED,
    FEED_ALIAS,
    Feed,
    canonical,
    clean_poll,
    feed_versions,
    start_feed,
)

LOCAL = "5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b"


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Feed]:
    """A live hub shared by this module; one test adds a refused object at the end."""
    yield from start_feed(tmp_path_factory.mktemp("sync"), sqlite_template, feed_versions(60))


@pytest.fixture
def local_db(tmp_path: Path, sqlite_template: Path) -> str:
    """A local hub database with the collection LOCAL; returns its URL."""
    (tmp_path / "local").mkdir()
    url = copy_sqlite_template(sqlite_template, tmp_path / "local")
    store = SqlStore(make_engine(url))
    store.create_api_root("mirror", "Mirror")
    store.create_collection("mirror", "CERT mirror", collection_id=LOCAL)
    store.close()
    return url


class TestSyncCommand:
    def test_into_folder_then_nothing_new(self, feed: Feed, tmp_path: Path) -> None:
        """A first run fills the folder; the second receives nothing; --json summarises."""
        folder, state = tmp_path / "feed", tmp_path / "feed.state"
        first = login(
            "sync",
            feed.api_root_url,
            FEED_ALIAS,
            "--into",
            str(folder),
            "--state",
            str(state),
            "--limit",
            "20",
        )
        assert first.exit_code == 0, first.stderr
        assert "stored" in first.stdout
        assert canonical(iter_objects(folder)) == canonical(clean_poll(feed))
        second = login(
            "sync", feed.api_root_url, FEED, "--into", str(folder), "--state", str(state), "--json"
        )
        summary = orjson.loads(second.stdout)
        assert summary["resumed"] is True
        assert summary["run"]["received"] == 0
        assert summary["totals"]["received"] == len(clean_poll(feed))

    def test_into_db_records_origin(self, feed: Feed, tmp_path: Path, local_db: str) -> None:
        """--into-db mirrors into the local collection with the origin recorded."""
        result = login(
            "sync",
            feed.api_root_url,
            FEED,
            "--into-db",
            local_db,
            "--into-collection",
            LOCAL,
            "--state",
            str(tmp_path / "s"),
        )
        assert result.exit_code == 0, result.stderr
        store = SqlStore(make_engine(local_db))
        try:
            assert store.count_objects(LOCAL) == len(clean_poll(feed))
            origin = f"{feed.api_root_url}collections/{FEED}/"
            assert set(store.get_origins(LOCAL, feed_versions(1)[0]["id"]).values()) == {origin}
        finally:
            store.close()

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            ((), "exactly one of --into"),
            (("--into", "x", "--into-db", "sqlite:///x.db"), "exactly one of --into"),
            (("--into-db", "sqlite:///x.db"), "go together"),
        ],
    )
    def test_target_options(
        self, feed: Feed, tmp_path: Path, args: tuple[str, ...], message: str
    ) -> None:
        """Exactly one target must be given; --into-db needs --into-collection."""
        result = login("sync", feed.api_root_url, FEED, *args, "--state", str(tmp_path / "s"))
        assert result.exit_code == 2
        assert message in one_line_error(result)

    def test_missing_local_collection_or_db(
        self, feed: Feed, tmp_path: Path, local_db: str
    ) -> None:
        """An --into-collection or an --into-db that does not exist is bad usage."""
        state = str(tmp_path / "s")
        no_collection = login(
            "sync",
            feed.api_root_url,
            FEED,
            "--into-db",
            local_db,
            "--into-collection",
            FEED,
            "--state",
            state,
        )
        assert no_collection.exit_code == 2
        one_line_error(no_collection)
        no_db = login(
            "sync",
            feed.api_root_url,
            FEED,
            "--into-db",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--into-collection",
            LOCAL,
            "--state",
            state,
        )
        assert no_db.exit_code == 2
        assert "stixhub init" in one_line_error(no_db)

    def test_state_of_another_target_is_exit_2(self, feed: Feed, tmp_path: Path) -> None:
        """Reusing a state file for another folder is refused, naming the cause."""
        state = str(tmp_path / "s")
        login("sync", feed.api_root_url, FEED, "--into", str(tmp_path / "a"), "--state", state)
        other = login(
            "sync", feed.api_root_url, FEED, "--into", str(tmp_path / "b"), "--state", state
        )
        assert other.exit_code == 2
        assert "belongs to target" in one_line_error(other)

    def test_refused_objects_exit_4_and_the_next_run_goes_on(
        self, feed: Feed, tmp_path: Path, local_db: str
    ) -> None:
        """An object the local hub refuses is listed on stderr with exit 4; the position
        moves past it, so the next run exits 0 with nothing new."""
        bad = {**feed_versions(1, start=8001)[0], "pattern": "[not a pattern"}
        feed.add([bad])
        args = (
            "sync",
            feed.api_root_url,
            FEED,
            "--into-db",
            local_db,
            "--into-collection",
            LOCAL,
            "--state",
            str(tmp_path / "s"),
        )
        first = login(*args)
        assert first.exit_code == 4
        assert f"refused: {bad['id']}" in first.stderr
        again = login(*args)
        assert again.exit_code == 0
        assert again.stdout.startswith("0 objects")


class TestSyncQuery:
    """The state file records the query's filters; --max-pages bounds one run."""

    def test_other_filters_on_the_same_state_are_exit_2(self, feed: Feed, tmp_path: Path) -> None:
        """A state made with --type indicator is refused without --type (its position is
        past the older objects of other types), and with another --type; the same filters
        in another order and another --limit go on."""
        folder, state = str(tmp_path / "f"), str(tmp_path / "s")
        base = ("sync", feed.api_root_url, FEED, "--into", folder, "--state", state)
        first = login(*base, "--type", "indicator")
        assert first.exit_code == 0, first.stderr
        assert {o["type"] for o in iter_objects(Path(folder))} == {"indicator"}
        for other in ((), ("--type", "ipv4-addr")):
            refused = login(*base, *other)
            assert refused.exit_code == 2
            assert "belongs to the query" in one_line_error(refused)
        same = login(*base, "--type", "indicator", "--type", "indicator", "--limit", "7")
        assert same.exit_code == 0, same.stderr
        assert same.stdout.startswith("0 objects")

    def test_max_pages_stops_and_the_next_run_goes_on(self, feed: Feed, tmp_path: Path) -> None:
        """--max-pages 2 with --limit 10 stores 20 versions and says it stopped; run
        again without it, the folder is the clean poll."""
        folder, state = tmp_path / "f", tmp_path / "s"
        base = ("sync", feed.api_root_url, FEED, "--into", str(folder), "--state", str(state))
        first = login(*base, "--limit", "10", "--max-pages", "2", "--json")
        assert first.exit_code == 0, first.stderr
        summary = orjson.loads(first.stdout)
        assert summary["stopped"] is True
        assert summary["run"]["pages"] == 2
        assert summary["run"]["received"] == 20
        rest = login(*base, "--limit", "10")
        assert rest.exit_code == 0, rest.stderr
        assert "stopped" not in rest.stdout
        assert canonical(iter_objects(folder)) == canonical(clean_poll(feed))
