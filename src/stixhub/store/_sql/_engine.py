"""Engines for SQLite (embedded default) and PostgreSQL, and the schema migrations.

SQLite runs in WAL mode so pollers read while one writer writes, with a busy timeout instead
of instant "database is locked" errors. Its driver's own transaction handling is switched off
so that stixhub decides how each transaction begins: ``BEGIN IMMEDIATE`` for writes takes the
write lock up front, which is what serialises writers and keeps ``date_added`` in commit order.
"""

import time
from functools import partial
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

from stixhub.store._errors import DatabaseNotReady

__all__ = ["WRITE", "is_postgresql", "make_engine", "migrate", "require_current_schema"]

WRITE = "stixhub_write"
"""Execution option that marks a connection's next transaction as a write transaction."""

_SQLITE_BUSY_TIMEOUT_MS = 30_000


def _normalise(url: str | URL) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def is_postgresql(engine: Engine) -> bool:
    """Tell the two supported dialects apart where SQL must differ."""
    return engine.dialect.name == "postgresql"


def make_engine(url: str | URL, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    """Create an engine for a ``sqlite:///FILE`` or ``postgresql://`` URL."""
    parsed = _normalise(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() != "postgresql":
        raise DatabaseNotReady(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    engine = create_engine(parsed, pool_size=pool_size, max_overflow=max_overflow)
    event.listen(engine, "connect", _postgresql_on_connect)
    event.listen(engine, "checkout", partial(_ping_if_idle, engine.dialect))
    event.listen(engine, "checkin", _note_checkin)
    return engine


_IDLE_BEFORE_PING_SECONDS = 5.0


def _note_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_idle(
    dialect: Dialect,
    dbapi_connection: Any,
    record: ConnectionPoolEntry,
    _proxy: PoolProxiedConnection,
) -> None:
    """Check a pooled connection that sat idle before handing it out; replace it if dead.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: two extra round trips per poll
    request here. A connection used a moment ago is alive (a server restart in between
    fails that one request with an error, which clients retry); one that sat idle for
    seconds may have been cut by the server, a proxy or a firewall, so it is pinged, and a
    dead one is replaced transparently.
    """
    last = record.info.get("checked_in")
    if last is None or time.monotonic() - last < _IDLE_BEFORE_PING_SECONDS:
        return
    try:
        # The dialect's ping runs in autocommit: a plain SELECT would leave the connection
        # inside a transaction, and a read could then not switch it to autocommit.
        dialect.do_ping(dbapi_connection)
    except psycopg.Error as exc:
        # The pool discards this connection and checks out (or opens) another.
        raise DisconnectionError(str(exc)) from exc


class _BinaryCursor(psycopg.Cursor[Any]):
    """A cursor that asks PostgreSQL for results in binary format.

    In the default text format the server sends every ``bytea`` hex-encoded, twice its size,
    and the driver decodes it again: for a 1,000-object page that is most of the page's
    latency. Binary results arrive as the stored bytes.
    """

    def __init__(self, connection: psycopg.Connection[Any], **kwargs: Any) -> None:
        super().__init__(connection, **kwargs)
        self.format = psycopg.pq.Format.BINARY


def _postgresql_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.cursor_factory = _BinaryCursor


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get(WRITE):
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", "stixhub.store:migrations")
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> str:
    """Create the schema or bring it to the newest revision; safe to run any number of times.

    Returns the revision the database is at afterwards.
    """
    with engine.connect().execution_options(**{WRITE: True}) as connection:
        config = _alembic_config(connection)
        command.upgrade(config, "head")
        connection.commit()
        head = ScriptDirectory.from_config(config).get_current_head()
    return head or ""


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that ``stixhub init`` has not brought up to date."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        head = ScriptDirectory.from_config(_alembic_config(connection)).get_current_head()
    if current != head:
        found = "no stixhub schema" if current is None else f"schema revision {current}"
        raise DatabaseNotReady(
            f"the database has {found}, this stixhub needs {head}: run 'stixhub init' first"
        )
