"""The state file keeps the query it was made with and refuses another."""

from pathlib import Path

import orjson
import pytest

from stixhub.sync import StateError, SyncState, load_state
from stixhub.sync._state import save_state

QUERY = {"types": ["indicator"], "versions": ["all"]}


class TestStateQuery:
    """What the query check accepts and refuses."""

    def test_query_round_trips_and_another_is_refused(self, tmp_path: Path) -> None:
        """A saved query comes back; the same one passes, another raises StateError."""
        path = tmp_path / "s"
        save_state(path, SyncState("https://a/api/", "c", "folder:/x", query=QUERY))
        state = load_state(path)
        assert state is not None
        assert state.query == QUERY
        state.check_same("https://a/api/", "c", "folder:/x", dict(QUERY))
        with pytest.raises(StateError, match="belongs to the query"):
            state.check_same("https://a/api/", "c", "folder:/x", {"types": [], "versions": ["all"]})

    def test_state_without_a_query_takes_the_current_one(self, tmp_path: Path) -> None:
        """A state written before queries were recorded adopts the first one it meets."""
        path = tmp_path / "s"
        save_state(path, SyncState("https://a/api/", "c", "folder:/x"))
        document = orjson.loads(path.read_bytes())
        del document["query"]
        path.write_bytes(orjson.dumps(document))
        state = load_state(path)
        assert state is not None
        assert state.query is None
        state.check_same("https://a/api/", "c", "folder:/x", QUERY)
        assert state.query == QUERY

    def test_query_of_the_wrong_type_is_not_a_state(self, tmp_path: Path) -> None:
        """A query that is not a JSON object makes the file unreadable as a state."""
        path = tmp_path / "s"
        save_state(path, SyncState("https://a/api/", "c", "folder:/x"))
        document = orjson.loads(path.read_bytes())
        document["query"] = ["indicator"]
        path.write_bytes(orjson.dumps(document))
        with pytest.raises(StateError, match="not a stixhub sync state"):
            load_state(path)
