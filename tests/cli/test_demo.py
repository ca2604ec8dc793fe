"""``scripts/demo``: its set-up part builds the promised hub, and running it twice works.

The script is run from a copy next to a stand-in ``_env`` that puts this test run's Python
first on PATH, so the test exercises the script itself and never installs packages. It
senses the corpus log this test run uses (``STIXHUB_SHARED``), on a free port, since the
sightings loop runs a hub during set-up.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from stixhub.settings import Settings
from stixhub.store import (
    ObjectQuery,
    Rights,
    SqlStore,
    hash_token,
    make_engine,
    sightings_summary,
    verify_password,
)
from stixhub.taxii.server import TAXII_21, create_app
from tests.cli._helpers import REPO, free_port, running_process
from tests.conftest import SHARED, shared_path

ICS = "dca1093b-9157-4cf9-b894-9601260e91e6"
REPORTS = "84ba547c-ba86-406b-9066-3b85daa18bb8"
SIGHTINGS = "114ab45d-3476-45d4-80c9-187f5ad1fbaa"
INDICATORS = "0b7b5c52-49c2-4b4c-9d0e-4f1f3e8f6a21"
# samples/demo-indicators.json: the two values corpus/logs/README.md lists for rita-proxy's
# http.log (the web host and the User-Agent).
DEMO_INDICATORS = (
    "indicator--898bf7c3-0268-4ce3-be86-58e8551454d1",
    "indicator--70436224-1496-4e7b-8c3e-6812399394f3",
)
CONSUMER_IDENTITY = "identity--0f422ede-59e7-458d-8b8e-8a1c5289b2d0"
DEMO_RUN_SECONDS = 600


def _demo_copy(folder: Path) -> Path:
    scripts = folder / "scripts"
    scripts.mkdir()
    shutil.copy2(REPO / "scripts" / "demo", scripts / "demo")
    (scripts / "_env").write_text(
        f'set -euo pipefail\nROOT={REPO}\nexport PATH="{Path(sys.executable).parent}:$PATH"\n'
    )
    return scripts / "demo"


def _environment(demo_dir: Path, port: int = 8000, shared: Path = SHARED) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STIXHUB_")}
    env["STIXHUB_DEMO_DIR"] = str(demo_dir)
    env["STIXHUB_DEMO_PORT"] = str(port)
    env["STIXHUB_SHARED"] = str(shared)
    return env


def _run(
    demo: Path, demo_dir: Path, *args: str, port: int = 8000
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(demo), *args],
        env=_environment(demo_dir, port),
        capture_output=True,
        text=True,
        timeout=DEMO_RUN_SECONDS,
        check=False,
    )


def _credentials(demo_dir: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (demo_dir / "credentials").read_text().splitlines())
    return {name: value.strip("'") for name, value in pairs}


@pytest.fixture(scope="module")
def demo_port() -> int:
    """The port both set-up runs use (their sightings loop serves the hub on it)."""
    return free_port()


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory: pytest.TempPathFactory, demo_port: int) -> tuple[Path, list[str]]:
    """Run ``scripts/demo --setup-only`` twice on one folder; the folder and both outputs."""
    shared_path("corpus", "logs", "zeek-tsv", "rita-proxy", "http.log")  # fails if missing
    folder = tmp_path_factory.mktemp("demo")
    demo = _demo_copy(folder)
    demo_dir = folder / "demo"
    outputs = []
    for _ in range(2):
        result = _run(demo, demo_dir, "--setup-only", port=demo_port)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(result.stdout)
    return demo_dir, outputs


class TestDemoServes:
    """Without ``--setup-only`` the script ends by serving the hub it set up."""

    def test_consumer_reads_attack_ics(
        self, demo_runs: tuple[Path, list[str]], tmp_path: Path
    ) -> None:
        """Without the corpus the loop is skipped, the hub still serves; Ctrl+C stops it."""
        demo_dir, _ = demo_runs
        port = free_port()
        env = _environment(demo_dir, port, shared=tmp_path / "no-shared-folder")
        demo = _demo_copy(tmp_path)
        with running_process(["bash", str(demo)], port, env) as server:
            response = httpx.get(
                f"http://127.0.0.1:{port}/api1/collections/{ICS}/objects/",
                params={"match[type]": "attack-pattern", "limit": "5"},
                auth=("consumer", _credentials(demo_dir)["CONSUMER_PASSWORD"]),
                headers={"Accept": "application/taxii+json;version=2.1"},
            )
            assert response.status_code == 200, server.output()
            objects = response.json()["objects"]
            assert len(objects) == 5
            assert {o["type"] for o in objects} == {"attack-pattern"}
            assert server.stop() == 0
            assert "== the sightings loop: skipped" in server.output()


@pytest.fixture
def demo_store(demo_runs: tuple[Path, list[str]]) -> SqlStore:
    """The demo's database after both runs."""
    demo_dir, _ = demo_runs
    return SqlStore(make_engine(f"sqlite:///{demo_dir / 'hub.db'}"))


class TestDemoSetup:
    """What ``scripts/demo`` sets up, and that a second run changes nothing."""

    def test_collections_hold_the_samples(self, demo_store: SqlStore) -> None:
        """ATT&CK for ICS (1,826), APT1 + Poison Ivy (231), the 4 of the demo indicators."""
        try:
            assert [c.id for c in demo_store.list_collections("api1")] == [
                ICS, REPORTS, SIGHTINGS, INDICATORS,
            ]  # fmt: skip
            assert demo_store.count_objects(ICS) == 1826
            assert demo_store.count_objects(REPORTS) == 231
            assert demo_store.count_objects(INDICATORS) == 4
        finally:
            demo_store.close()

    def test_rights(self, demo_store: SqlStore) -> None:
        """The publisher writes the intelligence; the consumer reads it and writes sightings."""
        try:
            publisher = demo_store.get_account("publisher")
            consumer = demo_store.get_account("consumer")
            assert demo_store.rights(publisher.id) == {
                ICS: Rights(True, True), REPORTS: Rights(True, True),
                INDICATORS: Rights(True, True),
            }  # fmt: skip
            assert demo_store.rights(consumer.id) == {
                ICS: Rights(True, False), REPORTS: Rights(True, False),
                INDICATORS: Rights(True, False), SIGHTINGS: Rights(True, True),
            }  # fmt: skip
        finally:
            demo_store.close()

    def test_printed_credentials_work(
        self, demo_runs: tuple[Path, list[str]], demo_store: SqlStore
    ) -> None:
        """The passwords and the token printed (and kept in demo/credentials) log in."""
        demo_dir, outputs = demo_runs
        credentials = _credentials(demo_dir)
        try:
            for name in ("publisher", "consumer"):
                stored = demo_store.get_account(name).password_hash
                assert stored is not None
                assert verify_password(stored, credentials[f"{name.upper()}_PASSWORD"])
            token = credentials["CONSUMER_TOKEN"]
            account = demo_store.account_for_token(hash_token(demo_store.secret_key(), token))
            assert account is not None
            assert account.name == "consumer"
        finally:
            demo_store.close()
        for output in outputs:
            assert credentials["CONSUMER_PASSWORD"] in output
            assert token in output

    def test_second_run_stores_nothing_new(self, demo_runs: tuple[Path, list[str]]) -> None:
        """The second run finds every object already stored and keeps the credentials."""
        _, (first, second) = demo_runs
        assert "1826 objects: 1826 stored, 0 unchanged, 0 failed" in first
        assert "1826 objects: 0 stored, 1826 unchanged, 0 failed" in second
        assert "total: 231 objects: 0 stored, 231 unchanged, 0 failed" in second
        assert "demo-indicators.json: 4 objects: 0 stored, 4 unchanged, 0 failed" in second
        tail = first.index("== the demo hub")
        assert first[tail:] == second[second.index("== the demo hub") :]

    def test_prints_url_and_curl_examples(
        self, demo_runs: tuple[Path, list[str]], demo_port: int
    ) -> None:
        """The output names the discovery URL and curl commands with the TAXII Accept header."""
        _, (first, _) = demo_runs
        assert f"http://127.0.0.1:{demo_port}/taxii2/" in first
        assert "curl -u 'consumer:" in first
        assert "Accept: application/taxii+json;version=2.1" in first
        assert f"/api1/collections/{SIGHTINGS}/objects/" in first

    def test_sightings_inbox_and_consumer_identity(self, demo_store: SqlStore) -> None:
        """The sightings collection is an inbox and the consumer has its identity bound."""
        try:
            assert demo_store.find_collection(SIGHTINGS).sightings_inbox
            assert not demo_store.find_collection(REPORTS).sightings_inbox
            bound = demo_store.get_identity(demo_store.get_account("consumer").id)
            assert bound is not None
            assert bound.id == CONSUMER_IDENTITY
        finally:
            demo_store.close()

    def test_printed_sighting_is_accepted(
        self, demo_runs: tuple[Path, list[str]], tmp_path: Path
    ) -> None:
        """The printed curl sighting, posted as the consumer, is stored and summarised."""
        demo_dir, (first, _) = demo_runs
        start = first.index("--data '") + len("--data '")
        envelope = orjson.loads(first[start : first.index("'", start)])
        shutil.copyfile(demo_dir / "hub.db", tmp_path / "hub.db")
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        store = SqlStore(make_engine(url))
        try:
            password = _credentials(demo_dir)["CONSUMER_PASSWORD"]
            with TestClient(create_app(Settings(db=url), store)) as client:
                response = client.post(
                    f"/api1/collections/{SIGHTINGS}/objects/",
                    auth=("consumer", password),
                    headers={"Accept": TAXII_21, "Content-Type": TAXII_21},
                    content=orjson.dumps(envelope),
                )
            assert response.status_code == 202, response.text
            assert response.json()["success_count"] == 1, response.text
            rows = {r.sighting_of_ref: r for r in sightings_summary(store)}
            summary = rows[envelope["objects"][0]["sighting_of_ref"]]
            assert (summary.organisations, summary.count) == (1, 1)
        finally:
            store.close()

    def test_credentials_file_is_private(self, demo_runs: tuple[Path, list[str]]) -> None:
        """Only the owner may read the kept credentials and the demo folder."""
        demo_dir, _ = demo_runs
        assert (demo_dir / "credentials").stat().st_mode & 0o077 == 0
        assert demo_dir.stat().st_mode & 0o077 == 0


class TestDemoSightingsLoop:
    """The consumer syncs, senses the corpus log, reports; the hub's summary shows it."""

    def test_summary_names_the_indicators(
        self, demo_runs: tuple[Path, list[str]], demo_store: SqlStore
    ) -> None:
        """Both demo indicators are sighted by the consumer alone, and the output shows it."""
        _, (first, _) = demo_runs
        try:
            rows = {r.sighting_of_ref: r for r in sightings_summary(demo_store)}
        finally:
            demo_store.close()
        assert set(rows) == set(DEMO_INDICATORS)
        for row in rows.values():
            assert row.organisations == 1
            assert row.count >= 1
            assert row.first_seen.startswith("2023-01-")
        summary = first[first.index("== what the consumers reported") :]
        for ref, row in rows.items():
            (line,) = [line for line in summary.splitlines() if ref in line]
            assert line.split()[1:4] == [str(row.organisations), str(row.sightings), str(row.count)]

    def test_sightings_name_the_consumer(self, demo_store: SqlStore) -> None:
        """Every stored sighting is the consumer's, of a demo indicator, TLP-marked."""
        try:
            page = demo_store.get_objects(SIGHTINGS, ObjectQuery(limit=1000, types=("sighting",)))
            sightings = [orjson.loads(record.body) for record in page.records]
        finally:
            demo_store.close()
        assert sightings
        for sighting in sightings:
            assert sighting["created_by_ref"] == CONSUMER_IDENTITY
            assert sighting["where_sighted_refs"] == [CONSUMER_IDENTITY]
            assert sighting["sighting_of_ref"] in DEMO_INDICATORS
            assert sighting["object_marking_refs"]

    def test_second_run_reports_nothing(
        self, demo_runs: tuple[Path, list[str]], demo_store: SqlStore
    ) -> None:
        """Run two syncs and senses nothing new; the inbox holds only what run one sent."""
        _, (first, second) = demo_runs
        assert "4 objects in 1 pages: 4 stored" in first
        assert "0 objects in 1 pages: 0 stored, 0 unchanged, 0 refused (resumed)" in second
        assert "0 sightings to report" not in first
        assert "400 matched, 0 sightings to report" in second
        assert "0 bundles delivered (0 objects), 0 waiting, 0 refused in part" in second
        sent = first[first.index("1 bundle delivered (") :].split("(", 1)[1].split()[0]
        try:
            assert demo_store.count_objects(SIGHTINGS) == int(sent)
        finally:
            demo_store.close()

        def table(output: str) -> str:
            start = output.index("== what the consumers reported")
            return output[start : output.index("== the demo hub")]

        assert table(first) == table(second)


class TestDemoArguments:
    """The script's own usage."""

    def test_unknown_argument(self, tmp_path: Path) -> None:
        """An unknown argument is refused with exit code 2 before anything is set up."""
        result = _run(_demo_copy(tmp_path), tmp_path / "demo", "--bogus")
        assert result.returncode == 2
        assert "--setup-only" in result.stderr
        assert not (tmp_path / "demo").exists()

    def test_help(self, tmp_path: Path) -> None:
        """``--help`` describes the script and sets nothing up."""
        result = _run(_demo_copy(tmp_path), tmp_path / "demo", "--help")
        assert result.returncode == 0
        assert "--setup-only" in result.stdout
        assert not (tmp_path / "demo").exists()
