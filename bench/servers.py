"""The servers under test: how each one is set up, loaded with data and started.

Each target follows its own documentation, the way an operator would deploy it here:

* stixhub: its CLI (``init``, ``api-root add``, ``collection add``, ``account add``,
  ``grant``, ``load``, ``serve --workers N``), on SQLite and PostgreSQL.
* OpenTAXII 0.9.3: ``OPENTAXII_CONFIG`` with a ``taxii2`` section, its CLIs
  ``opentaxii-add-api-root``, ``opentaxii-add-collection``, ``opentaxii-create-account``,
  served by gunicorn as its documentation recommends for production (same worker count as
  stixhub), on SQLite and PostgreSQL. Data goes straight into its own table through its own
  SQLAlchemy model (see ``competitor_helper.py`` for why not its POST).
* medallion 3.0.0: the memory backend initialised from a JSON data file, served by its own
  ``medallion`` command (Flask). One process only: its ``next`` paging state lives in the
  memory of the process that answered the first page, so several workers would break paging.

A target prepares its databases, starts one server process tree and tells the driver where
each collection's objects endpoint is (found through TAXII discovery, like a client would).
"""

import base64
import http.client
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import orjson
from procs import ServerProcess, free_port

__all__ = [
    "BENCH_DIR",
    "COMPETITOR_PYTHON",
    "Dataset",
    "MedallionTarget",
    "OpenTaxiiTarget",
    "StixhubTarget",
    "Target",
    "analyze_postgres_database",
    "discover_objects_paths",
    "drop_postgres_database",
    "recreate_postgres_database",
    "store_objects",
]

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
COMPETITOR_VENV = BENCH_DIR / ".venv"
COMPETITOR_PYTHON = COMPETITOR_VENV / "bin" / "python"
STIXHUB = REPO_DIR / ".venv" / "bin" / "stixhub"
USER = "bench"
PASSWORD = "bench-password-not-a-secret"  # a throwaway account on a loopback-only server
SECRET = "bench-secret-for-a-throwaway-loopback-server-0123456789"


@dataclass(frozen=True, slots=True)
class Dataset:
    """One collection to serve: a bundle file and how many objects it holds."""

    name: str
    path: Path
    count: int
    generated: bool = False

    @property
    def collection_id(self) -> str:
        """A stable UUIDv4 (TAXII 2.1 requires v4), the same in every server and run."""
        digest = uuid.uuid5(uuid.NAMESPACE_URL, f"stixhub-bench:{self.name}").int
        return str(uuid.UUID(int=digest, version=4))


@dataclass
class Prepared:
    """What setting up a target cost, per dataset (load seconds) and in total."""

    load_seconds: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


class Target(Protocol):
    """A server and backend under test."""

    name: str
    backend: str

    def prepare(self, datasets: list[Dataset]) -> Prepared:
        """Create the database, the API root, collections, account; load every dataset."""

    def start(self) -> ServerProcess:
        """Start the server; returns once it listens."""

    def authorization(self) -> str:
        """The Authorization header value its clients send."""

    def objects_paths(self, port: int, datasets: list[Dataset]) -> dict[str, str]:
        """Each dataset's objects endpoint on the running server."""

    def cleanup(self) -> None:
        """Drop databases the target created (files go with the work folder)."""


def _basic() -> str:
    return "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _run(
    argv: list[str],
    *,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 1800,
) -> str:
    """Run a setup command; raise with its output when it fails, so setup errors are clear."""
    completed = subprocess.run(
        argv, input=stdin, capture_output=True, text=True, env=env, timeout=timeout, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"{' '.join(argv[:4])}... exited {completed.returncode}:\n"
            f"{completed.stdout[-2000:]}\n{completed.stderr[-2000:]}"
        )
    return completed.stdout


def recreate_postgres_database(admin_url: str, name: str) -> str:
    """Drop and create a bench database; returns its URL. Only ``bench_*`` names are touched."""
    import psycopg  # noqa: PLC0415 - only PostgreSQL runs need it

    if not name.startswith("bench_"):
        raise ValueError(f"refusing to recreate {name!r}: bench databases are named bench_*")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def analyze_postgres_database(admin_url: str, name: str) -> None:
    """ANALYZE a freshly bulk-loaded database, as autovacuum would do shortly after.

    Without statistics the planner may pick plans no running deployment would have (it
    chose a nested loop for OpenTAXII's 100,000-object query that had not finished after
    ten minutes), so every server on PostgreSQL is measured after ANALYZE, alike.
    """
    import psycopg  # noqa: PLC0415

    base, _, _ = admin_url.rpartition("/")
    with psycopg.connect(f"{base}/{name}", autocommit=True) as connection:
        connection.execute("ANALYZE")


def drop_postgres_database(admin_url: str, name: str) -> None:
    """Drop a bench database at the end of a run."""
    import psycopg  # noqa: PLC0415

    if not name.startswith("bench_"):
        raise ValueError(f"refusing to drop {name!r}")
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _get_json(port: int, path: str, authorization: str) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        connection.request(
            "GET",
            path,
            headers={
                "Accept": "application/taxii+json;version=2.1",
                "Authorization": authorization,
            },
        )
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status} {body[:300]!r}")
        return orjson.loads(body)
    finally:
        connection.close()


def _path_of(url: str) -> str:
    """The path of an absolute or relative URL that a discovery resource gave."""
    if "://" in url:
        url = "/" + url.split("://", 1)[1].split("/", 1)[1]
    return url if url.endswith("/") else url + "/"


def discover_objects_paths(port: int, authorization: str, titles: list[str]) -> dict[str, str]:
    """Find each collection's objects endpoint by title, through TAXII discovery."""
    discovery = _get_json(port, "/taxii2/", authorization)
    roots = discovery.get("api_roots") or []
    found: dict[str, str] = {}
    for root in roots:
        root_path = _path_of(root)
        listing = _get_json(port, root_path + "collections/", authorization)
        for collection in listing.get("collections", []):
            if collection.get("title") in titles:
                found[collection["title"]] = f"{root_path}collections/{collection['id']}/objects/"
    missing = sorted(set(titles) - set(found))
    if missing:
        raise RuntimeError(f"collections not found through discovery: {missing}")
    return found


def store_objects(url: str, collection_id: str, batches: Iterable[list[dict[str, Any]]]) -> int:
    """Store generated objects through stixhub's Store interface; returns how many were stored.

    Why not ``stixhub load`` for generated sets: it runs every object through the full STIX
    2.1 validator (about 1 ms an object here), minutes per 100,000 objects and most of an
    hour for the million; the generated data is already checked with the OASIS ``stix2``
    library. This path keeps the door checks (``prepare_object``: what the store needs to
    index an object) and the store's own atomic, ordered write, in big batches. It is the
    same shortcut as OpenTAXII's bulk insert. ATT&CK ICS always goes through ``stixhub load``.
    """
    from stixhub.stix import prepare_object  # noqa: PLC0415 - stixhub's venv only
    from stixhub.store import AddOutcome, open_store  # noqa: PLC0415

    store = open_store(url)
    stored = 0
    try:
        for batch in batches:
            results = store.add_objects(collection_id, [prepare_object(o) for o in batch])
            failed = [r for r in results if r.outcome == AddOutcome.FAILED]
            if failed:
                raise RuntimeError(f"store refused {len(failed)} objects: {failed[0]}")
            stored += sum(1 for r in results if r.outcome == AddOutcome.STORED)
    finally:
        store.close()
    return stored


def _batches(path: Path, size: int) -> Iterator[list[dict[str, Any]]]:
    objects = orjson.loads(path.read_bytes())["objects"]
    for start in range(0, len(objects), size):
        yield objects[start : start + size]


class StixhubTarget:
    """stixhub on SQLite or PostgreSQL, set up with its own CLI."""

    name = "stixhub"

    def __init__(
        self, backend: str, work: Path, workers: int, pg_admin_url: str, logs: Path
    ) -> None:
        self.backend = backend
        self.work = work
        self.workers = workers
        self.pg_admin_url = pg_admin_url
        self.logs = logs
        self.database = "bench_stixhub"
        self.url = ""
        self.load_with_cli = False

    def _cli(self, *args: str, stdin: str | None = None) -> str:
        return _run([str(STIXHUB), "--db", self.url, *args], stdin=stdin)

    def prepare(self, datasets: list[Dataset]) -> Prepared:
        """Set up with the CLI exactly as a hub operator would, and time each ``load``."""
        prepared = Prepared()
        if self.backend == "postgresql":
            self.url = recreate_postgres_database(self.pg_admin_url, self.database)
        else:
            path = self.work / "stixhub.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.url = f"sqlite:///{path}"
        self._cli("init")
        self._cli("api-root", "add", "bench", "--title", "Bench")
        self._cli("account", "add", USER, "--password-stdin", stdin=PASSWORD + "\n")
        for dataset in datasets:
            self._cli(
                "collection", "add", "bench", "--title", dataset.name, "--id", dataset.collection_id
            )
            self._cli("grant", USER, dataset.collection_id, "--read")
            begin = time.perf_counter()
            if dataset.generated and not self.load_with_cli:
                store_objects(self.url, dataset.collection_id, _batches(dataset.path, 10_000))
            else:
                self._cli("load", dataset.collection_id, str(dataset.path))
            prepared.load_seconds[dataset.name] = time.perf_counter() - begin
        if self.backend == "postgresql":
            analyze_postgres_database(self.pg_admin_url, self.database)
        if not self.load_with_cli:
            prepared.notes.append(
                "generated collections stored through the Store interface (door checks, no "
                "full validator); ATT&CK ICS through 'stixhub load'"
            )
        return prepared

    def start(self) -> ServerProcess:
        """``stixhub serve`` with the same worker count the other pre-fork server gets."""
        port = free_port()
        server = ServerProcess(
            f"stixhub-{self.backend}",
            [
                str(STIXHUB),
                "--db",
                self.url,
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(self.workers),
            ],
            port,
            env={**os.environ, "STIXHUB_DB": self.url},
            cwd=self.work,
            log_path=self.logs / f"stixhub-{self.backend}.log",
        )
        server.wait_listening(60)
        return server

    def authorization(self) -> str:
        """HTTP Basic: the credentials a consumer of a stixhub hub is given."""
        return _basic()

    def objects_paths(self, port: int, datasets: list[Dataset]) -> dict[str, str]:
        """Through TAXII discovery, as a client finds them."""
        return discover_objects_paths(port, self.authorization(), [d.name for d in datasets])

    def cleanup(self) -> None:
        """Drop the PostgreSQL database."""
        if self.backend == "postgresql":
            drop_postgres_database(self.pg_admin_url, self.database)


class OpenTaxiiTarget:
    """OpenTAXII 0.9.3 on SQLite or PostgreSQL, behind gunicorn."""

    name = "opentaxii"

    def __init__(
        self, backend: str, work: Path, workers: int, pg_admin_url: str, logs: Path
    ) -> None:
        self.backend = backend
        self.work = work / f"opentaxii-{backend}"
        self.workers = workers
        self.pg_admin_url = pg_admin_url
        self.logs = logs
        self.database = "bench_opentaxii"
        self.config = self.work / "opentaxii.yml"
        self.token = ""
        self.root_id = ""
        self.collection_ids: dict[str, str] = {}

    def _env(self) -> dict[str, str]:
        return {**os.environ, "OPENTAXII_CONFIG": str(self.config), "PYTHONWARNINGS": "ignore"}

    def _bin(self, name: str) -> str:
        return str(COMPETITOR_VENV / "bin" / name)

    def _helper(self, *args: str) -> Any:
        out = _run(
            [str(COMPETITOR_PYTHON), str(BENCH_DIR / "competitor_helper.py"), *args],
            env=self._env(),
        )
        return json.loads(out.strip().splitlines()[-1])

    def _write_config(self, data_url: str, auth_url: str) -> None:
        # taxii1 is switched off (empty), taxii2 on: the documented way to run TAXII 2 only.
        self.config.write_text(
            "---\n"
            'domain: "127.0.0.1"\n'
            "support_basic_auth: yes\n"
            "return_server_error_details: no\n"
            "auth_api:\n"
            "  class: opentaxii.auth.sqldb.SQLDatabaseAPI\n"
            "  parameters:\n"
            f"    db_connection: {auth_url}\n"
            "    create_tables: yes\n"
            f"    secret: {SECRET}\n"
            "    token_ttl_secs: 86400\n"
            "taxii1:\n"
            "taxii2:\n"
            "  persistence_api:\n"
            "    class: opentaxii.persistence.sqldb.Taxii2SQLDatabaseAPI\n"
            "    parameters:\n"
            f"      db_connection: {data_url}\n"
            "      create_tables: yes\n"
            "  max_content_length: 104857600\n"
            "  title: Bench\n"
            "  public_discovery: no\n"
            "  allow_custom_properties: yes\n"
            "logging:\n"
            "  opentaxii: warning\n"
            "  root: warning\n"
        )

    def prepare(self, datasets: list[Dataset]) -> Prepared:
        """Configure, create root/collections/account with its CLIs, bulk-load its table."""
        prepared = Prepared()
        self.work.mkdir(parents=True, exist_ok=True)
        if self.backend == "postgresql":
            url = recreate_postgres_database(self.pg_admin_url, self.database)
            # psycopg2, the driver OpenTAXII was written for (SQLAlchemy 2.1 would pick psycopg 3).
            data_url = auth_url = url.replace("postgresql://", "postgresql+psycopg2://", 1)
        else:
            for name in ("data.db", "auth.db"):
                (self.work / name).unlink(missing_ok=True)
            data_url = f"sqlite:///{self.work / 'data.db'}"
            auth_url = f"sqlite:///{self.work / 'auth.db'}"
        self._write_config(data_url, auth_url)
        env = self._env()
        _run([self._bin("opentaxii-add-api-root"), "--title", "bench", "--default"], env=env)
        self.root_id = root_id = self._helper("opentaxii-ids")["api_roots"][0]["id"]
        for dataset in datasets:
            _run(
                [
                    self._bin("opentaxii-add-collection"),
                    "--rootid",
                    root_id,
                    "--title",
                    dataset.name,
                ],
                env=env,
            )
        out = _run([self._bin("opentaxii-create-account"), "-u", USER, "-p", PASSWORD], env=env)
        self.token = out.strip().splitlines()[-1].removeprefix("token:").strip()
        _run(
            [self._bin("opentaxii-update-account"), "-u", USER, "-f", "admin", "-v", "yes"], env=env
        )
        self.collection_ids = {
            c["title"]: c["id"]
            for c in self._helper("opentaxii-ids")["api_roots"][0]["collections"]
        }
        for dataset in datasets:
            result = self._helper(
                "opentaxii-load", self.collection_ids[dataset.name], str(dataset.path)
            )
            prepared.load_seconds[dataset.name] = float(result["seconds"])
        if self.backend == "postgresql":
            analyze_postgres_database(self.pg_admin_url, self.database)
        prepared.notes.append(
            "OpenTAXII data bulk-inserted into its own table (its POST validates each object "
            "with stix2 and checks existence one by one)"
        )
        return prepared

    def start(self) -> ServerProcess:
        """gunicorn with gthread workers: keep-alive like uvicorn, same process count."""
        port = free_port()
        server = ServerProcess(
            f"opentaxii-{self.backend}",
            [
                self._bin("gunicorn"),
                "opentaxii.http:app",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.workers),
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "600",
                "--log-level",
                "warning",
            ],
            port,
            env=self._env(),
            cwd=self.work,
            log_path=self.logs / f"opentaxii-{self.backend}.log",
        )
        server.wait_listening(60)
        return server

    def authorization(self) -> str:
        """Its own JWT (from ``opentaxii-create-account``): cheaper for it than Basic."""
        return f"Bearer {self.token}"

    def objects_paths(self, port: int, datasets: list[Dataset]) -> dict[str, str]:
        """From the ids its persistence API lists, not through discovery.

        OpenTAXII 0.9.3 answers 500 on ``GET {api-root}/collections/``: it passes the
        collection id, a ``uuid.UUID``, to ``json.dumps`` ("Object of type UUID is not JSON
        serializable"), so a client cannot list its collections. Discovery and the API root
        resource work, and so does everything under a known collection id.
        """
        _get_json(port, "/taxii2/", self.authorization())
        return {
            d.name: f"/taxii2/{self.root_id}/collections/{self.collection_ids[d.name]}/objects/"
            for d in datasets
        }

    def cleanup(self) -> None:
        """Drop the PostgreSQL database."""
        if self.backend == "postgresql":
            drop_postgres_database(self.pg_admin_url, self.database)


def _taxii_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class MedallionTarget:
    """medallion 3.0.0 with its memory backend, one process (see the module docstring)."""

    name = "medallion"
    backend = "memory"

    def __init__(self, work: Path, logs: Path) -> None:
        self.work = work / "medallion"
        self.logs = logs
        self.datasets: list[Dataset] = []

    def prepare(self, datasets: list[Dataset]) -> Prepared:
        """Nothing to load ahead: the data file is written at start, when the port is known."""
        self.work.mkdir(parents=True, exist_ok=True)
        self.datasets = datasets
        return Prepared(notes=["medallion loads its whole data file into memory at start"])

    def _write_data(self, port: int) -> Path:
        collections = []
        base = datetime.now(UTC)
        for dataset in self.datasets:
            objects = orjson.loads(dataset.path.read_bytes())["objects"]
            manifest = [
                {
                    "id": obj["id"],
                    "date_added": _taxii_time(base + timedelta(microseconds=number)),
                    "version": obj.get("modified") or obj.get("created"),
                    "media_type": "application/stix+json;version=2.1",
                }
                for number, obj in enumerate(objects)
            ]
            collections.append(
                {
                    "id": dataset.collection_id,
                    "title": dataset.name,
                    "can_read": True,
                    "can_write": False,
                    "media_types": ["application/stix+json;version=2.1"],
                    "objects": objects,
                    "manifest": manifest,
                }
            )
        data = {
            "/discovery": {
                "title": "Bench",
                "default": f"http://127.0.0.1:{port}/bench/",
                "api_roots": [f"http://127.0.0.1:{port}/bench/"],
            },
            "bench": {
                "information": {
                    "title": "Bench",
                    "versions": ["application/taxii+json;version=2.1"],
                    "max_content_length": 104857600,
                },
                "status": [],
                "collections": collections,
            },
        }
        path = self.work / "data.json"
        path.write_bytes(orjson.dumps(data))
        return path

    def start(self) -> ServerProcess:
        """Write the data and config files, start ``medallion`` (Flask, threaded)."""
        port = free_port()
        data = self._write_data(port)
        config = self.work / "config.json"
        config.write_text(
            json.dumps(
                {
                    "backend": {
                        "module": "medallion.backends.memory_backend",
                        "module_class": "MemoryBackend",
                        "filename": str(data),
                        # Paging sessions expire after 30 s by default, shorter than one of
                        # its pages takes under load: keep them for the whole run instead.
                        "session_timeout": 3600,
                    },
                    "users": {USER: PASSWORD},
                    "taxii": {"max_page_size": 1000},
                }
            )
        )
        server = ServerProcess(
            "medallion-memory",
            [
                str(COMPETITOR_VENV / "bin" / "medallion"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "WARN",
                str(config),
            ],
            port,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
            cwd=self.work,
            log_path=self.logs / "medallion-memory.log",
        )
        server.wait_listening(120)
        return server

    def authorization(self) -> str:
        """HTTP Basic against its users table."""
        return _basic()

    def objects_paths(self, port: int, datasets: list[Dataset]) -> dict[str, str]:
        """Through TAXII discovery, as a client finds them."""
        return discover_objects_paths(port, self.authorization(), [d.name for d in datasets])

    def cleanup(self) -> None:
        """Nothing outside the work folder."""
