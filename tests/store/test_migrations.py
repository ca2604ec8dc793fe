"""Upgrading a database that already holds intelligence keeps every row and adds the new columns."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, make_url

from stixhub.store._sql._engine import make_engine, migrate, require_current_schema
from tests.conftest import POSTGRES_URL


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", "stixhub.store:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    connection.commit()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all: a new SQLite file or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("STIXHUB_TEST_POSTGRES_URL is not set")
    schema = f"stixhub_mig_{secrets.token_hex(4)}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_head_upgrades_a_populated_0001_database(blank_url: str) -> None:
    """A hub made by the first release keeps its collections and objects after `stixhub init`."""
    engine = make_engine(blank_url)
    with engine.connect() as connection:
        _upgrade_to(connection, "0001")
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO api_roots (name, title, max_content_length, created)"
                " VALUES ('api1', 'API 1', 1000, 1)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO collections (id, api_root, title, media_types, public_read,"
                " last_date_added, created) VALUES"
                " ('c0ffee00-0000-4000-8000-000000000001', 'api1', 'Intel',"
                " '[\"application/stix+json;version=2.1\"]', :f, 5, 1)"
            ),
            {"f": False},
        )
        conn.execute(
            sa.text(
                "INSERT INTO objects (collection_id, object_id, type, spec_version, version,"
                " version_key, date_added, in_latest_spec, is_first, is_last, body) VALUES"
                " ('c0ffee00-0000-4000-8000-000000000001', 'x', 'indicator', '2.1', 'v', 'k',"
                " 5, :t, :t, :t, :b)"
            ),
            {"t": True, "b": b"{}"},
        )

    assert migrate(engine) == "0003"
    require_current_schema(engine)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT title, strict, refuse_warnings, sightings_inbox FROM collections")
        ).one()
        objects = conn.execute(sa.text("SELECT origin FROM objects")).all()
    assert (row.title, bool(row.strict), bool(row.refuse_warnings)) == ("Intel", False, False)
    assert not row.sightings_inbox
    assert objects == [(None,)]
    engine.dispose()


def test_migrate_twice_is_harmless(blank_url: str) -> None:
    """`stixhub init` may be run again on a current database; it changes nothing."""
    engine = make_engine(blank_url)
    assert migrate(engine) == migrate(engine) == "0003"
    engine.dispose()
