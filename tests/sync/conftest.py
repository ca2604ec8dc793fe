"""A live feed: ``stixhub serve`` in a subprocess over a real socket, serving a collection of
a few thousand object versions (several versions per object, revocations, observables
without versions), and helpers to run ``stixhub`` commands as real processes."""

import os
import subprocess
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from stixhub.client import BasicAuth, Query, TaxiiClient
from stixhub.stix import prepare_object
from stixhub.store import SqlStore, make_engine
from tests.cli._helpers import CLEAN_ENV, ServerProcess, free_port, running_server, stixhub_command
from tests.conftest import copy_sqlite_template
from tests.taxii.server.conftest import cheap_hash

FEED = "3f0c1d52-8a7e-4b8f-9a21-5c6d7e8f9a0b"
FEED_ALIAS = "cert-feed"
FEED_TITLE = "CERT feed"
USER = "consumer"
PASSWORD = "consumer-pw-1"  # a throwaway account of a loopback-only test server
ROOT = "api1"


def object_id(n: int, type_: str = "indicator") -> str:
    """A deterministic id (UUIDv4 layout) for object n."""
    return f"{type_}--{uuid.UUID(int=n, version=4)}"


def feed_versions(count: int, start: int = 0) -> list[dict[str, Any]]:
    """Object versions for objects start..start+count: each indicator has one version,
    every 7th a second, every 25th a revoked third; every 10th object is an ipv4-addr
    without versions."""
    out: list[dict[str, Any]] = []
    for n in range(start, start + count):
        if n % 10 == 9:
            out.append(
                {
                    "type": "ipv4-addr",
                    "spec_version": "2.1",
                    "id": object_id(n, "ipv4-addr"),
                    "value": f"198.51.{n // 256 % 256}.{n % 256}",
                }
            )
            continue
        base = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": object_id(n),
            "created": "2024-03-01T10:00:00.000Z",
            "modified": "2024-03-01T10:00:00.000Z",
            "name": f"feed indicator {n}",
            "pattern": f"[ipv4-addr:value = '203.0.{n // 256 % 256}.{n % 256}']",
            "pattern_type": "stix",
            "valid_from": "2024-03-01T00:00:00Z",
        }
        out.append(base)
        if n % 7 == 0:
            out.append({**base, "modified": "2024-03-02T10:00:00.000Z", "name": f"v2 {n}"})
        if n % 25 == 0:
            out.append({**base, "modified": "2024-03-03T10:00:00.000Z", "revoked": True})
    return out


@dataclass
class Feed:
    """The running source hub: its API root URL, database and process."""

    db_url: str
    api_root_url: str
    server: ServerProcess

    @property
    def collection_url(self) -> str:
        """The source collection's URL (what a mirror records as origin)."""
        return f"{self.api_root_url}collections/{FEED}/"

    def add(self, objects: list[dict[str, Any]]) -> None:
        """Add versions to the source collection directly through its store."""
        store = SqlStore(make_engine(self.db_url))
        try:
            for start in range(0, len(objects), 1000):
                chunk = objects[start : start + 1000]
                store.add_objects(FEED, [prepare_object(o) for o in chunk])
        finally:
            store.close()


def prepare_feed_db(db_url: str, versions: list[dict[str, Any]]) -> None:
    """API root api1, the feed collection (with an alias), a reader account, the versions."""
    store = SqlStore(make_engine(db_url))
    try:
        store.create_api_root(ROOT, "Feed API root")
        store.create_collection(ROOT, FEED_TITLE, collection_id=FEED, alias=FEED_ALIAS)
        store.create_collection(ROOT, "Other", collection_id=str(uuid.UUID(int=7, version=4)))
        store.create_account(USER, cheap_hash(PASSWORD))
        store.grant(USER, FEED, True, True)
        for start in range(0, len(versions), 1000):
            store.add_objects(FEED, [prepare_object(o) for o in versions[start : start + 1000]])
    finally:
        store.close()


def start_feed(
    tmp_path: Path,
    sqlite_template: Path,
    versions: list[dict[str, Any]],
    tls: tuple[str, str] | None = None,
) -> Iterator[Feed]:
    """Serve the versions from a fresh SQLite hub on a free port until the test ends;
    over HTTPS with ``tls`` (certificate and key files)."""
    folder = tmp_path / "source"
    folder.mkdir()
    db_url = copy_sqlite_template(sqlite_template, folder)
    prepare_feed_db(db_url, versions)
    port = free_port()
    args = ["--db", db_url, "serve", "--port", str(port)]
    if tls is not None:
        args += ["--tls-cert", tls[0], "--tls-key", tls[1]]
    scheme = "https" if tls else "http"
    with running_server(args, port) as server:
        yield Feed(db_url, f"{scheme}://127.0.0.1:{port}/{ROOT}/", server)


@pytest.fixture
def small_feed(tmp_path: Path, sqlite_template: Path) -> Iterator[Feed]:
    """A feed of about 150 versions (100 objects) of this test alone."""
    yield from start_feed(tmp_path, sqlite_template, feed_versions(100))


@pytest.fixture(scope="module")
def shared_feed(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Feed]:
    """The small feed shared by a module's tests (a server start costs seconds). Tests may
    add versions but compare with a clean poll made after their own sync."""
    yield from start_feed(tmp_path_factory.mktemp("feed"), sqlite_template, feed_versions(100))


@pytest.fixture(scope="module")
def big_feed(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Feed]:
    """A feed of about 2,300 versions (2,000 objects), shared by a module's tests (which
    must not change it)."""
    yield from start_feed(tmp_path_factory.mktemp("big"), sqlite_template, feed_versions(2000))


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a ``stixhub`` child process: the test's, minus the developer's
    STIXHUB_* settings, plus ``extra``."""
    env = {
        k: v for k, v in os.environ.items() if k not in CLEAN_ENV and not k.startswith("STIXHUB_")
    }
    env.update(extra)
    return env


def run_stixhub(
    *args: str, input: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``stixhub ARGS`` as a real process and wait for it."""
    return subprocess.run(
        stixhub_command(*args),
        input=input,
        capture_output=True,
        text=True,
        env=process_env(**env),
        timeout=120,
        check=False,
    )


def feed_client(feed: Feed, password: str = PASSWORD) -> TaxiiClient:
    """A client of the feed's API root, logged in as the consumer."""
    return TaxiiClient(feed.api_root_url, auth=BasicAuth(USER, password))


def clean_poll(feed: Feed) -> list[dict[str, Any]]:
    """Every version of the feed collection, read in one clean pass by the client."""
    with feed_client(feed) as client:
        return list(client.iter_objects(FEED, Query(versions=("all",))))


def canonical(objects: Iterable[dict[str, Any]]) -> list[bytes]:
    """Objects as sorted canonical JSON: equal lists mean the same versions and content."""
    return sorted(orjson.dumps(o, option=orjson.OPT_SORT_KEYS) for o in objects)


def no_temporary_files(root: Path) -> bool:
    """Whether a folder holds no writer's leftover temporary file."""
    return not [p for p in root.rglob(".*") if p.is_file() and p.name.endswith(".tmp")]
