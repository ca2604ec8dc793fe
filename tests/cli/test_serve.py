"""``stixhub serve``: HTTP and HTTPS (TLS 1.2 and 1.3 only), one or several workers."""

import signal
import socket
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import trustme

from stixhub.cli._errors import EXIT_FAILED, EXIT_USAGE
from stixhub.settings import Settings
from stixhub.taxii.server._serve import (
    TlsFileError,
    check_tls_files,
    harden_tls,
    uvicorn_options,
    worker_environment,
)
from tests.cli._helpers import (
    Cli,
    free_port,
    one_line_error,
    running_server,
    stixhub_command,
)

TAXII = "application/taxii+json;version=2.1"
PASSWORD = "demo password"


@dataclass
class Tls:
    """A throwaway CA and a server certificate for 127.0.0.1, as files."""

    ca: trustme.CA
    cert: Path
    key: Path

    def client(self, version: ssl.TLSVersion, ciphers: str | None = None) -> ssl.SSLContext:
        """A client context that trusts the CA and speaks only ``version``."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.ca.configure_trust(context)
        context.minimum_version = context.maximum_version = version
        if ciphers is not None:
            context.set_ciphers(ciphers)
        return context


def _make_tls(folder: Path) -> Tls:
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert, key = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    key.write_bytes(issued.private_key_pem.bytes())
    return Tls(ca, cert, key)


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Tls:
    """A CA and a server certificate shared by this module's tests."""
    return _make_tls(tmp_path_factory.mktemp("tls"))


def _tls11_client(tls: Tls) -> ssl.SSLContext:
    """A client that offers TLS 1.1 only, with the security level that still allows it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSv1_1 itself is deprecated
        return tls.client(ssl.TLSVersion.TLSv1_1, "DEFAULT:@SECLEVEL=0")


def _handshake(port: int, context: ssl.SSLContext) -> tuple[str, str]:
    """Connect, complete a TLS handshake and return (protocol version, cipher name)."""
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls_socket,
    ):
        version, cipher = tls_socket.version(), tls_socket.cipher()
        assert version is not None
        assert cipher is not None
        return version, cipher[0]


def _prepare_hub(db_url: str) -> None:
    """An account ``alice`` with a password, so requests can authenticate."""
    cli = Cli(db_url)
    assert cli("init").exit_code == 0
    assert cli("api-root", "add", "api1", "--title", "API 1", "--exist-ok").exit_code == 0
    result = cli("account", "add", "alice", "--password-stdin", "--exist-ok", input=PASSWORD)
    assert result.exit_code == 0, result.output


def _discovery(url: str, verify: ssl.SSLContext | bool = True) -> httpx.Response:
    return httpx.get(
        url + "/taxii2/", auth=("alice", PASSWORD), headers={"Accept": TAXII}, verify=verify
    )


class TestTlsContext:
    """The hardened server context, checked without a network."""

    def test_only_tls_12_and_13(self) -> None:
        """8.2.2: the context refuses anything older than TLS 1.2."""
        context = harden_tls(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
        assert context.minimum_version == ssl.TLSVersion.TLSv1_2

    def test_tls_12_ciphers_are_ecdhe_with_aead(self) -> None:
        """8.2.2: every TLS 1.2 suite left is ECDHE with AEAD (none of RFC 7540 App. A)."""
        context = harden_tls(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
        tls12 = [c for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"]
        assert tls12
        for cipher in tls12:
            assert cipher["kea"] == "kx-ecdhe", cipher["name"]
            assert cipher["aead"], cipher["name"]

    def test_no_compression_no_renegotiation(self) -> None:
        """Compression (CRIME) and client renegotiation are switched off."""
        context = harden_tls(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
        assert context.options & ssl.OP_NO_COMPRESSION
        assert context.options & ssl.OP_NO_RENEGOTIATION

    def test_options_without_tls(self) -> None:
        """Without a certificate the server is plain HTTP on the configured address."""
        options = uvicorn_options(Settings(host="127.0.0.1", port=8123))
        assert options["host"] == "127.0.0.1"
        assert options["port"] == 8123
        assert "ssl_certfile" not in options

    def test_stixhub_logs_go_to_the_server_log(self) -> None:
        """stixhub's own loggers (500 tracebacks) write through uvicorn's stderr handler."""
        config = uvicorn_options(Settings())["log_config"]
        assert config["loggers"]["stixhub"]["handlers"] == ["default"]
        assert config["handlers"]["default"]["stream"] == "ext://sys.stderr"

    def test_options_with_tls(self, tls: Tls) -> None:
        """With certificate and key, uvicorn gets them and the hardening factory."""
        options = uvicorn_options(Settings(tls_cert=str(tls.cert), tls_key=str(tls.key)))
        assert options["ssl_certfile"] == str(tls.cert)
        assert options["ssl_keyfile"] == str(tls.key)
        assert callable(options["ssl_context_factory"])

    def test_check_accepts_a_matching_pair(self, tls: Tls) -> None:
        """A certificate with its own key passes the up-front check."""
        check_tls_files(str(tls.cert), str(tls.key))

    def test_check_refuses_a_key_of_another_certificate(self, tls: Tls, tmp_path: Path) -> None:
        """A key that does not belong to the certificate is refused with both file names."""
        other = _make_tls(tmp_path)
        with pytest.raises(TlsFileError, match="cannot use certificate"):
            check_tls_files(str(tls.cert), str(other.key))

    def test_check_refuses_a_missing_file(self, tls: Tls, tmp_path: Path) -> None:
        """A certificate file that does not exist is named in the error."""
        with pytest.raises(TlsFileError, match=r"missing\.pem: no such file"):
            check_tls_files(str(tmp_path / "missing.pem"), str(tls.key))


class TestWorkerEnvironment:
    """Settings travel to worker processes as STIXHUB_* variables."""

    def test_round_trip(self) -> None:
        """Settings.load on the variables gives back exactly the same settings."""
        settings = Settings(
            db="postgresql://hub@db.example/hub",
            host="0.0.0.0",  # noqa: S104  (a value to carry, nothing binds to it)
            port=8443,
            workers=4,
            tls_cert="/etc/hub/cert.pem",
            tls_key="/etc/hub/key.pem",
            public_discovery=True,
            discovery_title="Hub title",
            discovery_contact="soc@example.org",
            default_page_size=50,
            secret_key="00" * 32,
        )
        env = {k: v for k, v in worker_environment(settings).items() if v is not None}
        assert Settings.load(environ=env) == settings

    def test_none_over_a_default_travels_as_empty(self) -> None:
        """A description set to None, whose default is a text, reaches workers as empty."""
        env = worker_environment(Settings(discovery_description=None))
        assert env["STIXHUB_DISCOVERY_DESCRIPTION"] == ""
        assert (
            Settings.load(environ={"STIXHUB_DISCOVERY_DESCRIPTION": ""}).discovery_description == ""
        )

    def test_config_file_is_not_read_again(self) -> None:
        """STIXHUB_CONFIG is unset, since every value is already explicit."""
        env = worker_environment(Settings())
        assert env["STIXHUB_CONFIG"] is None
        assert env["STIXHUB_DISCOVERY_CONTACT"] is None


class TestServeUsage:
    """Mistakes are reported before the server starts."""

    def test_cert_without_key(self, cli: Cli, tls: Tls) -> None:
        """``--tls-cert`` alone is bad usage."""
        result = cli("serve", "--tls-cert", str(tls.cert))
        assert result.exit_code == EXIT_USAGE
        assert "--tls-key" in one_line_error(result)

    def test_missing_certificate_file(self, cli: Cli, tls: Tls, tmp_path: Path) -> None:
        """A certificate path that does not exist is bad usage."""
        result = cli("serve", "--tls-cert", str(tmp_path / "nope.pem"), "--tls-key", str(tls.key))
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)

    def test_key_of_another_certificate(self, cli: Cli, tls: Tls, tmp_path: Path) -> None:
        """A key that does not match the certificate is bad usage, on one line."""
        other = _make_tls(tmp_path)
        result = cli("serve", "--tls-cert", str(tls.cert), "--tls-key", str(other.key))
        assert result.exit_code == EXIT_USAGE
        assert "cannot use certificate" in one_line_error(result)

    def test_uninitialised_database(self, tmp_path: Path) -> None:
        """Serving a database without the schema says to run init, and does not start."""
        cli = Cli(f"sqlite:///{tmp_path / 'empty.db'}")
        result = cli("serve", "--port", str(free_port()))
        assert result.exit_code == EXIT_USAGE
        assert "stixhub init" in one_line_error(result)

    def test_port_in_use(self, tmp_path: Path) -> None:
        """A port another program holds ends the command with exit 1 and a closing error."""
        db_url = f"sqlite:///{tmp_path / 'hub.db'}"
        _prepare_hub(db_url)
        with socket.socket() as holder:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            result = subprocess.run(
                stixhub_command("--db", db_url, "serve", "--port", str(port)),
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
        assert result.returncode == EXIT_FAILED
        assert (
            result.stderr.splitlines()[-1] == "error: the server did not start (see the log above)"
        )

    def test_no_api_root(self, tmp_path: Path) -> None:
        """8.2.1: a hub without any API root is not served; the error says how to add one."""
        cli = Cli(f"sqlite:///{tmp_path / 'hub.db'}")
        assert cli("init").exit_code == 0
        result = cli("serve", "--port", str(free_port()))
        assert result.exit_code == EXIT_USAGE
        assert "stixhub api-root add" in one_line_error(result)

    def test_zero_workers(self, cli: Cli) -> None:
        """At least one worker is needed."""
        result = cli("serve", "--workers", "0")
        assert result.exit_code == EXIT_USAGE
        one_line_error(result)


class TestServeHttp:
    """Plain HTTP serving on each database, started and stopped as an operator would."""

    def test_serves_and_stops_on_sigint(self, db_url: str) -> None:
        """The server answers discovery over HTTP and exits 0 on Ctrl+C (SIGINT)."""
        _prepare_hub(db_url)
        port = free_port()
        args = ["--db", db_url, "serve", "--host", "127.0.0.1", "--port", str(port)]
        with running_server(args, port) as server:
            response = _discovery(f"http://127.0.0.1:{port}")
            assert response.status_code == 200
            assert response.headers["content-type"] == TAXII
            assert server.stop(signal.SIGINT) == 0

    def test_stops_on_sigterm(self, db_url: str) -> None:
        """SIGTERM (systemd, docker stop) shuts down gracefully, then ends by that signal.

        uvicorn re-raises the signal after its shutdown, the Unix convention that tells a
        supervisor the process stopped because it was asked to.
        """
        _prepare_hub(db_url)
        port = free_port()
        with running_server(["--db", db_url, "serve", "--port", str(port)], port) as server:
            assert server.stop(signal.SIGTERM) == -signal.SIGTERM
            assert "Application shutdown complete" in server.output()

    def test_several_workers_get_the_settings(self, db_url: str, tls: Tls, tmp_path: Path) -> None:
        """With --workers 2 over HTTPS, the workers serve the parent's --db, TLS and config."""
        _prepare_hub(db_url)
        config = tmp_path / "hub.toml"
        config.write_text('discovery_title = "Two workers"\n')
        port = free_port()
        args = ["--config", str(config), "--db", db_url, "serve", "--port", str(port),
                "--workers", "2",
                "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]  # fmt: skip
        with running_server(args, port) as server:
            for _ in range(4):
                response = _discovery(
                    f"https://127.0.0.1:{port}", verify=tls.client(ssl.TLSVersion.TLSv1_2)
                )
                assert response.status_code == 200, server.output()
                assert response.json()["title"] == "Two workers"
            with pytest.raises(ssl.SSLError):
                _handshake(port, _tls11_client(tls))
            assert server.stop() == 0


@pytest.fixture(scope="class")
def https_port(tls: Tls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A hub served over HTTPS for the whole class, on its own SQLite database."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('https') / 'hub.db'}"
    _prepare_hub(db_url)
    port = free_port()
    args = ["--db", db_url, "serve", "--port", str(port),
            "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]  # fmt: skip
    with running_server(args, port):
        yield port


class TestServeHttps:
    """HTTPS with a throwaway CA: TLS 1.2 and 1.3 are served, older or weaker is refused."""

    def test_tls_13(self, tls: Tls, https_port: int) -> None:
        """1.6.6 / 8.2.2: the service is reachable over HTTPS; a TLS 1.3 client gets discovery."""
        assert _handshake(https_port, tls.client(ssl.TLSVersion.TLSv1_3))[0] == "TLSv1.3"
        response = _discovery(
            f"https://127.0.0.1:{https_port}", verify=tls.client(ssl.TLSVersion.TLSv1_3)
        )
        assert response.status_code == 200
        assert response.json()["title"] == "stixhub"

    def test_tls_12(self, tls: Tls, https_port: int) -> None:
        """8.2.2: a TLS 1.2 client is served, with an ECDHE + AEAD suite."""
        version, cipher = _handshake(https_port, tls.client(ssl.TLSVersion.TLSv1_2))
        assert version == "TLSv1.2"
        assert cipher.startswith("ECDHE-")
        assert "GCM" in cipher or "CHACHA20" in cipher
        response = _discovery(
            f"https://127.0.0.1:{https_port}", verify=tls.client(ssl.TLSVersion.TLSv1_2)
        )
        assert response.status_code == 200

    def test_the_tls_11_client_works_where_allowed(self, tls: Tls, tmp_path: Path) -> None:
        """The TLS 1.1 client of the next test can connect to a server that allows TLS 1.1.

        Without this, a refusal could come from the client's own library, not from stixhub.
        """
        server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server.load_cert_chain(tls.cert, tls.key)
        server.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            server.minimum_version = ssl.TLSVersion.TLSv1_1
        with socket.socket() as listener:
            listener.bind(("127.0.0.1", 0))
            listener.listen()
            accepted: list[str | None] = []

            def accept_one() -> None:
                connection, _ = listener.accept()
                with server.wrap_socket(connection, server_side=True) as tls_socket:
                    accepted.append(tls_socket.version())

            thread = threading.Thread(target=accept_one)
            thread.start()
            version, _ = _handshake(listener.getsockname()[1], _tls11_client(tls))
            thread.join(timeout=30)
        assert version == "TLSv1.1"
        assert accepted == ["TLSv1.1"]

    def test_tls_11_is_refused(self, tls: Tls, https_port: int) -> None:
        """8.2.2: a client that offers only TLS 1.1 fails the handshake."""
        with pytest.raises(ssl.SSLError):
            _handshake(https_port, _tls11_client(tls))

    def test_tls_12_without_aead_is_refused(self, tls: Tls, https_port: int) -> None:
        """8.2.2: a TLS 1.2 client offering only a blacklisted CBC suite fails the handshake."""
        cbc = "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256"
        with pytest.raises(ssl.SSLError):
            _handshake(https_port, tls.client(ssl.TLSVersion.TLSv1_2, cbc))

    def test_no_0rtt(self, tls: Tls, https_port: int, tmp_path: Path) -> None:
        """8.2.2: 0-RTT is not accepted: tickets allow no early data, a resumption sends none.

        Checked with the openssl client, which can resume a session and offer early data.
        """
        ca = tmp_path / "ca.pem"
        tls.ca.cert_pem.write_to_path(str(ca))
        session, request = tmp_path / "session.pem", tmp_path / "request.txt"
        request.write_bytes(b"GET /taxii2/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        base = ["openssl", "s_client", "-connect", f"127.0.0.1:{https_port}", "-tls1_3",
                "-CAfile", str(ca)]  # fmt: skip
        first = subprocess.run(
            [*base, "-sess_out", str(session), "-ign_eof"],
            input=request.read_bytes(),
            capture_output=True,
            timeout=60,
            check=False,
        ).stdout.decode()
        assert "Max Early Data: 0" in first
        second = subprocess.run(
            [*base, "-sess_in", str(session), "-early_data", str(request)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        ).stdout.decode()
        assert "Reused, TLSv1.3" in second
        assert "Early data was accepted" not in second

    def test_plain_http_to_the_https_port_gets_no_answer(self, https_port: int) -> None:
        """Nothing is served in clear text on the HTTPS port."""
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{https_port}/taxii2/", timeout=30)


class TestServeHttpsOnEachDatabase:
    """The HTTPS server works on PostgreSQL as on SQLite."""

    def test_https(self, db_url: str, tls: Tls) -> None:
        """An authenticated discovery request over TLS 1.3 succeeds."""
        _prepare_hub(db_url)
        port = free_port()
        args = ["--db", db_url, "serve", "--port", str(port),
                "--tls-cert", str(tls.cert), "--tls-key", str(tls.key)]  # fmt: skip
        with running_server(args, port) as server:
            response = _discovery(
                f"https://127.0.0.1:{port}", verify=tls.client(ssl.TLSVersion.TLSv1_3)
            )
            assert response.status_code == 200
            assert server.stop() == 0
