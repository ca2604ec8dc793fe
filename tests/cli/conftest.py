"""Fixtures of the CLI tests: the CLI and a store on the parametrised database."""

from collections.abc import Iterator

import pytest

from stixhub.store import SqlStore, make_engine
from tests.cli._helpers import Cli


@pytest.fixture
def cli(db_url: str) -> Cli:
    """The CLI on a migrated, empty database of each backend."""
    return Cli(db_url)


@pytest.fixture
def hub_store(db_url: str) -> Iterator[SqlStore]:
    """A second view of the same database, to check what the CLI did."""
    store = SqlStore(make_engine(db_url))
    yield store
    store.close()


@pytest.fixture
def api_root(cli: Cli) -> str:
    """An API root ``api1`` made through the CLI."""
    result = cli("api-root", "add", "api1", "--title", "API 1")
    assert result.exit_code == 0, result.output
    return "api1"


@pytest.fixture
def collection(cli: Cli, api_root: str) -> str:
    """A collection in ``api1`` made through the CLI; returns its id."""
    result = cli("collection", "add", api_root, "--title", "Intel")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()
