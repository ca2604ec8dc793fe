"""A live hub: ``stixhub serve`` in a subprocess on a free 127.0.0.1 port, HTTP or HTTPS.

The server is the real command-line entry point, so these tests cover what a user runs. It
is stopped (and, if it hangs, killed) when the test ends.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import trustme

from stixhub.store import SqlStore, make_engine
from tests.taxii.server.conftest import cheap_hash

INTEL = "6d3b1f1e-2c4a-4b8e-9f61-1a2b3c4d5e6f"
PASSWORD = "publisher-pw"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveHub:
    """A running server: its base URL, CA file (HTTPS) and the database it serves."""

    base_url: str
    db_url: str
    ca_file: str | None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def verify(self) -> str | bool:
        """What a client passes as ``verify``: the throwaway CA, or True for HTTP."""
        return self.ca_file if self.ca_file else True

    def collection_url(self, collection: str = INTEL) -> str:
        """The collection's URL in API root api1."""
        return f"{self.base_url}/api1/collections/{collection}/"


def start_server(
    db_url: str, tmp: Path, tls: tuple[str, str] | None = None, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ``stixhub serve`` and wait until it answers; returns the process and base URL."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "stixhub.cli.main", "--db", db_url, "serve", "--port", str(port)]
    scheme = "http"
    if tls is not None:
        cmd += ["--tls-cert", tls[0], "--tls-key", tls[1]]
        scheme = "https"
    log_path = tmp / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("STIXHUB_")}
    with log_path.open("wb") as log:  # the child keeps its own descriptor
        process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"{scheme}://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {log_path.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process, base
        except OSError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError("server did not start within 30 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    """Ask the server to stop; kill it if it does not within ten seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def prepare_hub(db_url: str) -> None:
    """An API root api1, the collection INTEL and a publisher with read and write rights."""
    store = SqlStore(make_engine(db_url))
    try:
        store.create_api_root("api1", "Interop API root", max_content_length=2_000_000)
        store.create_collection("api1", "Interop intel", collection_id=INTEL)
        store.create_account("publisher", cheap_hash(PASSWORD))
        store.grant("publisher", INTEL, True, True)
    finally:
        store.close()


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """A throwaway CA and a server certificate for 127.0.0.1: (cert, key, ca)."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    server.private_key_and_cert_chain_pem.write_to_path(str(cert))
    server.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    return str(cert), str(key), str(ca_file)


@pytest.fixture(params=["http", "https"])
def live_hub(
    request: pytest.FixtureRequest,
    db_url: str,
    tmp_path: Path,
    tls_files: tuple[str, str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[LiveHub]:
    """A live server over HTTP or HTTPS on the parametrised database."""
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a session's own ``verify``
    # (psf/requests issue 3829), which taxii2-client sets: without this the peers would
    # check the throwaway certificate against the machine's CA list instead of our CA.
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    prepare_hub(db_url)
    tls = (tls_files[0], tls_files[1]) if request.param == "https" else None
    process, base = start_server(db_url, tmp_path, tls)
    hub = LiveHub(base, db_url, tls_files[2] if tls else None, [process])
    try:
        yield hub
    finally:
        for p in hub.processes:
            stop_server(p)


@pytest.fixture
def new_indicators() -> Callable[[int], list[dict[str, object]]]:
    """Makes valid STIX 2.1 indicators with fresh ids."""

    def make(count: int) -> list[dict[str, object]]:
        return [
            {
                "type": "indicator",
                "spec_version": "2.1",
                "id": f"indicator--{uuid.uuid4()}",
                "created": "2024-03-01T10:00:00.000Z",
                "modified": "2024-03-01T10:00:00.000Z",
                "name": f"interop {i}",
                "pattern": f"[ipv4-addr:value = '203.0.113.{i % 256}']",
                "pattern_type": "stix",
                "valid_from": "2024-03-01T00:00:00Z",
            }
            for i in range(count)
        ]

    return make


def http_client(hub: LiveHub) -> httpx.Client:
    """An httpx client for the live hub, authenticated as the publisher."""
    return httpx.Client(base_url=hub.base_url, verify=hub.verify, auth=("publisher", PASSWORD))
