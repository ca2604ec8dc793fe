"""Shared fixtures: a migrated store on SQLite and on the real PostgreSQL server.

Every test that takes ``db_url`` or ``store`` runs twice, once per backend. PostgreSQL is the
server named by STIXHUB_TEST_POSTGRES_URL (scripts/test points it at 127.0.0.1:5432); each
test run gets its own schema, dropped at the end, and tables are emptied between tests.
With STIXHUB_TEST_STRICT_SKIPS=1 (scripts/test, CI) any skipped test fails the run.
"""

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from stixhub.store import SqlStore, make_engine, migrate
from stixhub.store._sql import _schema

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STIXHUB_SHARED", REPO.parent / "shared"))
SAMPLES = REPO / "samples"
POSTGRES_URL = os.environ.get("STIXHUB_TEST_POSTGRES_URL")


def shared_path(*parts: str) -> Path:
    """A file of the shared corpus or cases; a missing one is an error, never a skip."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: set STIXHUB_SHARED to the shared folder")
    return path


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str]:
    """A URL to a fresh schema of the test PostgreSQL server, migrated once per run."""
    if not POSTGRES_URL:
        pytest.skip("STIXHUB_TEST_POSTGRES_URL is not set")
    schema = f"stixhub_test_{secrets.token_hex(4)}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    migrate(engine)
    engine.dispose()
    yield rendered
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def empty_postgres(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in reversed(_schema.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


def copy_sqlite_template(template: Path, folder: Path) -> str:
    """A fresh database in ``folder`` copied from the migrated template; returns its URL."""
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template}{suffix}")
        if source.exists():
            shutil.copyfile(source, folder / f"hub.db{suffix}")
    return f"sqlite:///{folder / 'hub.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a SQLite file, or the shared PostgreSQL test schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        return url
    base: str = request.getfixturevalue("postgres_base_url")
    empty_postgres(base)
    return base


@pytest.fixture
def store(db_url: str) -> Iterator[SqlStore]:
    """A SqlStore on the parametrised database."""
    s = SqlStore(make_engine(db_url))
    yield s
    s.close()


@pytest.fixture
def collection_id(store: SqlStore) -> str:
    """An API root ``api1`` with one empty collection; returns the collection id."""
    store.create_api_root("api1", "API 1")
    return store.create_collection("api1", "Intel", collection_id=str(uuid.uuid4())).id


_LEGITIMATE_SKIPS: tuple[str, ...] = ()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under STIXHUB_TEST_STRICT_SKIPS, a run with an unexplained skip fails."""
    if os.environ.get("STIXHUB_TEST_STRICT_SKIPS") != "1":
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    bad = [r for r in skipped if not any(reason in str(r.longrepr) for reason in _LEGITIMATE_SKIPS)]
    if bad:
        reporter.write_line(
            f"FAILED: {len(bad)} test(s) skipped without a legitimate reason "
            "(STIXHUB_TEST_STRICT_SKIPS=1):",
            red=True,
        )
        for r in bad[:20]:
            reporter.write_line(f"  {r.nodeid}: {r.longrepr}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
