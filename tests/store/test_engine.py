"""Engines and pooled connections (store/_sql/_engine.py) on the real PostgreSQL server."""

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from stixhub.store import SqlStore, make_engine
from stixhub.store._sql import _engine
from tests.conftest import empty_postgres

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(postgres_base_url: str) -> Iterator[SqlStore]:
    """A one-connection store on the shared test schema, emptied first (other tests fill it)."""
    empty_postgres(postgres_base_url)
    store = SqlStore(make_engine(postgres_base_url, pool_size=1, max_overflow=0))
    yield store
    store.close()


def _backend_pid(store: SqlStore) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


class TestPooledConnections:
    """A pooled connection the server dropped is replaced without the caller noticing."""

    def test_idle_connection_killed_by_the_server_is_replaced(
        self, pg_store: SqlStore, postgres_base_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A connection cut while idle in the pool is pinged, found dead and replaced."""
        first = _backend_pid(pg_store)
        admin = make_engine(postgres_base_url)
        with admin.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        admin.dispose()
        monkeypatch.setattr(_engine, "_IDLE_BEFORE_PING_SECONDS", 0.0)
        assert pg_store.list_api_roots() == []
        assert _backend_pid(pg_store) != first

    def test_idle_live_connection_is_pinged_and_reused(
        self, pg_store: SqlStore, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A live idle connection passes its ping and serves reads and writes as before."""
        first = _backend_pid(pg_store)
        monkeypatch.setattr(_engine, "_IDLE_BEFORE_PING_SECONDS", 0.0)
        for _ in range(3):
            assert pg_store.list_api_roots() == []
        pg_store.create_api_root("api1", "API 1")
        assert [r.name for r in pg_store.list_api_roots()] == ["api1"]
        assert _backend_pid(pg_store) == first

    def test_reads_leave_no_transaction_open(self, pg_store: SqlStore) -> None:
        """A read runs in autocommit: no BEGIN before it, no ROLLBACK owed after it."""
        with pg_store._read() as conn:
            conn.execute(text("SELECT 1"))
            raw = conn.connection.dbapi_connection
            assert raw is not None
            assert raw.info.transaction_status.name == "IDLE"

    def test_results_arrive_in_binary_format(self, pg_store: SqlStore) -> None:
        """Cursors ask for binary results, so bytea bodies are not hex-encoded on the wire."""
        with pg_store.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw is not None
            with raw.cursor() as cursor:
                assert cursor.format.name == "BINARY"

    def test_a_write_after_a_read_is_a_transaction_again(self, pg_store: SqlStore) -> None:
        """The pooled connection a read used in autocommit is transactional for the next write."""
        with pg_store._read() as conn:
            conn.execute(text("SELECT 1"))
        with pg_store._write() as conn:
            conn.execute(text("SELECT 1"))
            raw = conn.connection.dbapi_connection
            assert raw is not None
            assert raw.autocommit is False
            assert raw.info.transaction_status.name == "INTRANS"
            conn.rollback()
