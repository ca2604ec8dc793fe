"""Over real sockets: our hub under ``stixhub serve`` (HTTP and HTTPS with a throwaway CA),
and a small TLS server that requires a client certificate."""

import asyncio
import hashlib
import http.server
import json
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from stixhub.client import (
    AsyncTaxiiClient,
    BasicAuth,
    ClientCertificate,
    ClientConfigError,
    ConnectionFailed,
    PinMismatch,
    Query,
    RetryPolicy,
    TaxiiClient,
)
from tests.interop.conftest import (
    INTEL,
    PASSWORD,
    free_port,
    prepare_hub,
    start_server,
    stop_server,
)

AUTH = BasicAuth("publisher", PASSWORD)
ONCE = RetryPolicy(attempts=1)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throwaway certificate authority."""
    return trustme.CA()


@pytest.fixture(scope="module")
def tls(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Server certificate and key for 127.0.0.1, the CA file, and the leaf's SHA-256."""
    folder = tmp_path_factory.mktemp("client-tls")
    leaf = ca.issue_cert("127.0.0.1")
    paths = {n: str(folder / f"{n}.pem") for n in ("cert", "key", "ca")}
    leaf.private_key_and_cert_chain_pem.write_to_path(paths["cert"])
    leaf.private_key_pem.write_to_path(paths["key"])
    ca.cert_pem.write_to_path(paths["ca"])
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    return {**paths, "pin": hashlib.sha256(der).hexdigest()}


@pytest.fixture(params=["http", "https"])
def live(
    request: pytest.FixtureRequest, db_url: str, tmp_path: Path, tls: dict[str, str]
) -> Iterator[str]:
    """``stixhub serve`` on a free port over HTTP or HTTPS; yields the discovery URL."""
    prepare_hub(db_url)
    files = (tls["cert"], tls["key"]) if request.param == "https" else None
    process, base = start_server(db_url, tmp_path, files)
    try:
        yield f"{base}/taxii2/"
    finally:
        stop_server(process)


def indicators(n: int) -> list[dict[str, str]]:
    return [
        {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--00000000-0000-4000-8000-{i:012d}",
            "created": "2024-03-01T10:00:00.000Z",
            "modified": "2024-03-01T10:00:00.000Z",
            "pattern": f"[ipv4-addr:value = '203.0.113.{i}']",
            "pattern_type": "stix",
            "valid_from": "2024-03-01T00:00:00Z",
        }
        for i in range(1, n + 1)
    ]


class TestLiveHub:
    """The client over the network to a real server process."""

    def test_sync_round_trip(self, live: str, tls: dict[str, str]) -> None:
        """Push, wait for the status and page back, with verification and our CA."""
        with TaxiiClient(live, auth=AUTH, ca_bundle=tls["ca"]) as client:
            assert client.add_objects(INTEL, indicators(12)).ok
            got = [o["id"] for o in client.iter_objects(INTEL, Query(limit=5))]
        assert got == [o["id"] for o in indicators(12)]

    def test_async_round_trip(self, live: str, tls: dict[str, str]) -> None:
        """The async client does the same over its own connections."""

        async def run() -> list[str]:
            async with AsyncTaxiiClient(live, auth=AUTH, ca_bundle=tls["ca"]) as client:
                assert (await client.add_objects(INTEL, indicators(4))).ok
                return [o["id"] async for o in client.iter_objects(INTEL)]

        assert asyncio.run(run()) == [o["id"] for o in indicators(4)]


@pytest.fixture
def https_hub(db_url: str, tmp_path: Path, tls: dict[str, str]) -> Iterator[str]:
    """``stixhub serve`` over HTTPS only; yields the discovery URL."""
    prepare_hub(db_url)
    process, base = start_server(db_url, tmp_path, (tls["cert"], tls["key"]))
    try:
        yield f"{base}/taxii2/"
    finally:
        stop_server(process)


class TestVerification:
    """Verification is on by default; a CA bundle and a pin are honoured."""

    def test_unknown_ca_refused_by_default(self, https_hub: str) -> None:
        """Without our CA the throwaway certificate fails verification."""
        client = TaxiiClient(https_hub, auth=AUTH, retry=ONCE)
        with client, pytest.raises(ConnectionFailed, match="CERTIFICATE_VERIFY_FAILED"):
            client.discover()

    def test_pin_matches(self, https_hub: str, tls: dict[str, str]) -> None:
        """A pin equal to the leaf's SHA-256 (with colons, upper case) lets the call through,
        with verification on and, for a self-managed server, off."""
        pin = ":".join(tls["pin"][i : i + 2] for i in range(0, 64, 2)).upper()
        with TaxiiClient(https_hub, auth=AUTH, ca_bundle=tls["ca"], pin_sha256=pin) as client:
            assert client.discover().title
        with TaxiiClient(https_hub, auth=AUTH, verify=False, pin_sha256=tls["pin"]) as client:
            assert client.discover().title

    def test_pin_mismatch(self, https_hub: str, tls: dict[str, str]) -> None:
        """Another fingerprint is PinMismatch, sync and async, even when the chain verifies."""
        wrong = "00" * 32
        client = TaxiiClient(https_hub, auth=AUTH, ca_bundle=tls["ca"], pin_sha256=wrong)
        with client, pytest.raises(PinMismatch, match="not the pinned one"):
            client.discover()

        async def run() -> None:
            async with AsyncTaxiiClient(
                https_hub, auth=AUTH, verify=False, pin_sha256=wrong
            ) as client:
                await client.discover()

        with pytest.raises(PinMismatch):
            asyncio.run(run())

    def test_bad_pin_is_a_config_error(self) -> None:
        """A pin that is not 64 hex digits is refused when the client is built."""
        with pytest.raises(ClientConfigError, match="SHA-256"):
            TaxiiClient("https://127.0.0.1/", pin_sha256="abc")


@pytest.fixture
def mtls_server(ca: trustme.CA, tls: dict[str, str]) -> Iterator[str]:
    """A tiny HTTPS server that requires a client certificate from our CA and answers a
    discovery resource naming the client's certificate subject."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            peer = self.connection.getpeercert()  # type: ignore[attr-defined]
            subject = dict(x[0] for x in peer["subject"]) if peer else {}
            body = json.dumps({"title": subject.get("commonName", "?"), "api_roots": []})
            self.send_response(200)
            self.send_header("Content-Type", "application/taxii+json;version=2.1")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args: object) -> None:
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls["cert"], tls["key"])
    context.load_verify_locations(tls["ca"])
    context.verify_mode = ssl.CERT_REQUIRED
    server = http.server.HTTPServer(("127.0.0.1", free_port()), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/taxii2/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class TestClientCertificate:
    """A client certificate is presented when configured."""

    def test_certificate_presented(
        self, mtls_server: str, ca: trustme.CA, tls: dict[str, str], tmp_path: Path
    ) -> None:
        """The server sees our certificate's subject; without one the handshake fails."""
        mine = ca.issue_cert("client.example", common_name="ministry-client")
        pem = tmp_path / "client.pem"
        mine.private_key_and_cert_chain_pem.write_to_path(str(pem))
        with TaxiiClient(
            mtls_server, auth=ClientCertificate(str(pem)), ca_bundle=tls["ca"], retry=ONCE
        ) as client:
            assert client.discover().title == "ministry-client"
        anonymous = TaxiiClient(mtls_server, ca_bundle=tls["ca"], retry=ONCE)
        with anonymous, pytest.raises(ConnectionFailed):
            anonymous.discover()

    def test_unreadable_certificate(self, tmp_path: Path) -> None:
        """A missing certificate file is a ClientConfigError naming the file."""
        with pytest.raises(ClientConfigError, match=r"missing\.pem"):
            TaxiiClient("https://127.0.0.1/", auth=ClientCertificate(str(tmp_path / "missing.pem")))
