"""The sync's page source: a run resumes by date, and the page fetched ahead is never
delivered before its turn nor lost, even with medallion's single-use ``next`` tokens."""

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from stixhub.client import BasicAuth, PageCursor, Query, TaxiiClient
from stixhub.store import AddResult
from stixhub.sync import FolderTarget, client_source, iter_objects, load_state, run_sync
from stixhub.sync._source import resume_cursor
from tests.interop.test_client_medallion import COLLECTION, PASSWORD, USER, medallion
from tests.sync.conftest import canonical, feed_versions

__all__ = ["medallion"]  # the fixture, used by name below

DATE = "2024-05-01T10:00:00.123456Z"


class Crash(Exception):
    """Stands for the process dying in the middle of a page."""


class CrashingTarget:
    """A folder target that dies while writing its ``crash_at``-th page."""

    def __init__(self, folder: Path, crash_at: int) -> None:
        self.inner = FolderTarget(folder)
        self.crash_at = crash_at
        self.pages = 0

    def write(self, objects: Sequence[Any]) -> list[AddResult]:
        self.pages += 1
        if self.pages == self.crash_at:
            raise Crash
        return self.inner.write(objects)

    def close(self) -> None:
        self.inner.close()


class TestResumeCursor:
    def test_saved_token_with_a_date_resumes_by_date(self) -> None:
        """A saved cursor with a date and a next token continues by date."""
        saved = PageCursor("token-1", DATE, frozenset({("indicator--x", DATE)})).to_json()
        cursor = resume_cursor(saved)
        assert cursor is not None
        assert cursor.next is None
        assert cursor.params({})["added_after"] == "2024-05-01T10:00:00.123455Z"
        assert cursor.seen == frozenset({("indicator--x", DATE)})

    def test_token_without_a_date_is_kept(self) -> None:
        """A server that never sent a date can only be continued with its token."""
        cursor = resume_cursor(PageCursor("token-1").to_json())
        assert cursor is not None
        assert cursor.next == "token-1"

    def test_no_saved_state_starts_from_the_beginning(self) -> None:
        """A first run has no cursor."""
        assert resume_cursor(None) is None


@pytest.fixture
def medallion_client(medallion: str) -> Iterator[TaxiiClient]:
    """A client of the medallion test server's API root."""
    with TaxiiClient(f"{medallion}/api1/", auth=BasicAuth(USER, PASSWORD)) as client:
        yield client


class TestSingleUseTokens:
    def test_crash_mid_page_then_resume_loses_nothing(
        self, medallion_client: TaxiiClient, tmp_path: Path
    ) -> None:
        """Killed while writing its third page (the fourth already fetched ahead with the
        token the state holds), a sync of medallion resumes and keeps every version."""
        versions = [v for v in feed_versions(30, start=5000) if v["type"] == "indicator"]
        result = medallion_client.add_objects(COLLECTION, versions)
        assert result.failure_count == 0
        expected = canonical(
            medallion_client.iter_objects(COLLECTION, Query(versions=("all",), limit=5))
        )
        assert len(expected) >= len(versions)
        folder, state = tmp_path / "feed", tmp_path / "feed.state"
        query = Query(versions=("all",), limit=5)
        source = client_source(medallion_client, COLLECTION, query, medallion_client.url)
        crashing = CrashingTarget(folder, crash_at=3)
        with pytest.raises(Crash):
            run_sync(source, crashing, state, server="m", collection=COLLECTION, target_name="f")
        saved = load_state(state)
        assert saved is not None
        assert saved.totals.pages == 2
        target = FolderTarget(folder)
        report = run_sync(source, target, state, server="m", collection=COLLECTION, target_name="f")
        assert report.resumed
        assert canonical(iter_objects(folder)) == expected
