"""``stixhub sense`` on the command line: dry run, usage and input errors, unreachable hub;
whose credentials and certificate checks go to which server (scripted TAXII servers over
real sockets record every request's ``Authorization`` header and client certificate); and
spooled bundles that go only to the hub and collection they were built for."""

import base64
import hashlib
import http.server
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
import trustme
from click.testing import CliRunner, Result

from stixhub.cli.main import main
from stixhub.cli.sense import same_origin
from tests.cli._helpers import CLEAN_ENV, free_port, one_line_error
from tests.sensor._helpers import identity, indicator

HTTP_LOG = Path(__file__).resolve().parents[3] / "shared/corpus/logs/zeek-tsv/rita-proxy/http.log"
IDENTITY = identity()
INDICATOR = indicator(
    "indicator--0a1b2c3d-0000-4000-8000-000000000001",
    "[domain-name:value = 'www.honestimnotevil.com']",
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """An identity file, an indicator file and a spool folder."""
    identity = tmp_path / "identity.json"
    identity.write_bytes(orjson.dumps(IDENTITY))
    indicators = tmp_path / "intel.json"
    bundle = {"type": "bundle", "id": "bundle--0a1b2c3d-0000-4000-8000-000000000000"}
    indicators.write_bytes(orjson.dumps({**bundle, "objects": [INDICATOR]}))
    return {"identity": identity, "indicators": indicators, "spool": tmp_path / "spool"}


def sense(
    files: dict[str, Path],
    *args: str,
    source: str | None = None,
    input: str | None = None,
    spool: bool = True,
    **env: str,
) -> Result:
    """Run ``stixhub sense`` in-process with the files (or ``source`` as --indicators), extra
    arguments, and only the given STIXHUB_* credential variables; ``spool=False`` leaves
    the spool folder to its default."""
    argv = [
        "sense", "--indicators", source or str(files["indicators"]), "--log", str(HTTP_LOG),
        "--identity", str(files["identity"]),
        *(["--spool", str(files["spool"])] if spool else []), *args,
    ]  # fmt: skip
    names = ("USER", "PASSWORD", "TOKEN", "INDICATORS_USER", "INDICATORS_PASSWORD")
    clean: dict[str, str | None] = {**CLEAN_ENV, **{f"STIXHUB_{n}": None for n in names}}
    clean["STIXHUB_INDICATORS_TOKEN"] = None
    clean.update(env)
    return CliRunner().invoke(main, argv, input=input, env=clean, catch_exceptions=False)


def bundles(outbox: Path) -> list[Path]:
    """The bundles waiting in an outbox (not their destination records)."""
    return sorted(
        p for p in outbox.iterdir() if re.fullmatch(r"\d{12}-bundle--[0-9a-f-]{36}\.json", p.name)
    )


class TestSenseCli:
    """The command prints, refuses and exits by class."""

    def test_dry_run_prints_the_bundle_and_keeps_nothing(self, files: dict[str, Path]) -> None:
        """--dry-run prints a valid bundle on stdout, spools nothing, records nothing."""
        result = sense(files, "--dry-run", "--tlp", "green", "--tlp-version", "2.0")
        assert result.exit_code == 0, result.output
        bundle = orjson.loads(result.stdout)
        assert bundle["type"] == "bundle"
        types = {o["type"] for o in bundle["objects"]}
        assert {"marking-definition", "sighting", "observed-data", "domain-name"} <= types
        assert not files["spool"].exists()
        again = sense(files, "--dry-run")
        assert orjson.loads(again.stdout)["objects"][1:] != []  # still unreported

    def test_share_none(self, files: dict[str, Path]) -> None:
        """--share-observables none sends sightings without observed-data."""
        result = sense(files, "--dry-run", "--share-observables", "none")
        types = {o["type"] for o in orjson.loads(result.stdout)["objects"]}
        assert types == {"marking-definition", "sighting"}

    def test_report_or_dry_run_required(self, files: dict[str, Path]) -> None:
        """Without --report or --dry-run the command is bad usage (2)."""
        result = sense(files)
        assert result.exit_code == 2
        assert "--report" in one_line_error(result)

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--period", "7m"], "period"),
            (["--tlp", "purple"], "TLP"),
            (["--tlp", "amber+strict", "--tlp-version", "1.0"], "TLP 1.0"),
            (["--private-range", "10.0.0.0/99"], "address range"),
            (["--own-domain", "a b"], "domain"),
            (["--max-line-bytes", "0"], "--max-line-bytes"),
        ],
    )
    def test_bad_options(self, files: dict[str, Path], args: list[str], message: str) -> None:
        """An unreadable option value is one error line and exit code 2."""
        result = sense(files, "--dry-run", *args)
        assert result.exit_code == 2
        assert message in one_line_error(result)

    def test_max_line_bytes(self, files: dict[str, Path], tmp_path: Path) -> None:
        """--max-line-bytes reaches the reader: a line longer than it is one malformed line in
        the --json summary and the lines around it are still read; the default 1 MiB keeps
        the same line."""
        lines = HTTP_LOG.read_text().splitlines(keepends=True)
        at = len(lines) // 2
        fields = lines[at].split("\t")
        assert "www.honestimnotevil.com" in fields
        fields[12] = "A" * 5000  # user_agent: still a valid line, far over the limit
        lines[at] = "\t".join(fields)
        log = tmp_path / "http.log"
        log.write_text("".join(lines))

        def figures(*args: str) -> dict[str, Any]:
            result = sense(files, "--dry-run", "--json", "--log", str(log), *args)
            assert result.exit_code == 0, result.output
            (entry,) = [f for f in orjson.loads(result.stderr)["files"] if f["path"] == str(log)]
            return dict(entry)

        limited = figures("--max-line-bytes", "4096")
        assert (limited["malformed"], limited["events"], limited["lines"]) == (1, 406, 416)
        default = figures()
        assert (default["malformed"], default["events"], default["lines"]) == (0, 407, 416)

    def test_bad_identity(self, files: dict[str, Path]) -> None:
        """An identity file without an identity is exit code 2."""
        files["identity"].write_text("[]")
        result = sense(files, "--dry-run")
        assert result.exit_code == 2
        assert "identity" in one_line_error(result)

    def test_unreachable_hub_spools(self, files: dict[str, Path]) -> None:
        """With no hub listening the report waits in the outbox and the exit code is 1."""
        url = f"http://127.0.0.1:{free_port()}/api1/"
        collection = "0a1b2c3d-0000-4000-8000-000000000099"
        result = sense(files, "--report", url, collection, "--timeout", "2")
        assert result.exit_code == 1
        assert "; 1 bundle waits in" in one_line_error(result)
        assert "1 indicator (0 refused)" in result.stdout
        assert "0 bundles delivered (0 objects), 1 waiting" in result.stdout
        assert len(bundles(files["spool"] / "outbox")) == 1
        again = sense(files, "--report", url, collection, "--timeout", "2", "--json")
        assert again.exit_code == 1
        summary = orjson.loads(again.stdout)
        assert summary["sightings"] == 0  # already in the outbox, not made twice
        assert summary["delivery"]["waiting_bundles"] == 1


ROOT = "api1"
SIGHTINGS = "0a1b2c3d-0000-4000-8000-0000000000aa"
INTEL = "0a1b2c3d-0000-4000-8000-0000000000bb"
TAXII = "application/taxii+json;version=2.1"
INTERNAL_INDICATOR = {
    **INDICATOR,
    "id": "indicator--0a1b2c3d-0000-4000-8000-000000000002",
    "pattern": "[ipv4-addr:value = '10.136.0.16']",
}


@dataclass
class Seen:
    """One request the scripted server got."""

    method: str
    path: str
    authorization: str | None
    client_cert: bool


@dataclass
class Recorder:
    """A scripted TAXII 2.1 server in a thread on 127.0.0.1: one API root, a collection of
    indicators and a sightings collection that stores what is pushed; it records every
    request, and refuses (401) any ``Authorization`` other than ``require`` when set."""

    objects: list[dict[str, Any]]
    context: ssl.SSLContext | None = None
    port: int = 0
    require: str | None = None
    can_write: bool = True
    """The sightings collection's ``can_write`` for the account."""
    complete: bool = True
    """Whether a push's status is complete at once (else pending, with --wait 0 it waits)."""
    seen: list[Seen] = field(default_factory=list)
    pushed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{'https' if self.context else 'http'}://127.0.0.1:{self.port}/{ROOT}/"

    @property
    def collection_url(self) -> str:
        return f"{self.url}collections/{INTEL}/"

    def authorizations(self) -> set[str | None]:
        return {s.authorization for s in self.seen}

    def answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        base = f"/{ROOT}/"
        if path == base:
            return 200, {"title": "scripted", "versions": [TAXII], "max_content_length": 10**7}
        if path == f"{base}collections/":
            listed = [
                (INTEL, "Intel", None, True),
                (SIGHTINGS, "Sightings", "sightings", self.can_write),
            ]
            return 200, {
                "collections": [
                    {"id": cid, "title": title, "can_read": True, "can_write": can_write,
                     "media_types": ["application/stix+json;version=2.1"],
                     **({"alias": alias} if alias else {})}
                    for cid, title, alias, can_write in listed
                ]
            }  # fmt: skip
        if path == f"{base}collections/{INTEL}/objects/" and method == "GET":
            return 200, {"more": False, "objects": self.objects}
        if path == f"{base}collections/{SIGHTINGS}/objects/" and method == "POST":
            objects = orjson.loads(body)["objects"]
            versions = [{"id": o["id"], "version": o.get("modified")} for o in objects]
            if not self.complete:
                return 202, {
                    "id": "0a1b2c3d-0000-4000-8000-0000000000cd", "status": "pending",
                    "total_count": len(objects), "success_count": 0, "failure_count": 0,
                    "pending_count": len(objects), "pendings": versions,
                }  # fmt: skip
            self.pushed.extend(objects)
            successes = versions
            return 202, {
                "id": "0a1b2c3d-0000-4000-8000-0000000000cc", "status": "complete",
                "total_count": len(objects), "success_count": len(objects),
                "successes": successes, "failure_count": 0, "pending_count": 0,
            }  # fmt: skip
        return 404, {"title": "not found"}

    @contextmanager
    def running(self) -> Iterator["Recorder"]:
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                authorization = self.headers.get("Authorization")
                peer = isinstance(self.connection, ssl.SSLSocket) and bool(
                    self.connection.getpeercert()
                )
                path = self.path.split("?", 1)[0]
                recorder.seen.append(Seen(self.command, path, authorization, peer))
                if recorder.require is not None and authorization != recorder.require:
                    status, answer = 401, {"title": "unauthorized"}
                else:
                    status, answer = recorder.answer(self.command, path, body)
                data = orjson.dumps(answer)
                self.send_response(status)
                self.send_header("Content-Type", TAXII)
                self.send_header("Content-Length", str(len(data)))
                if status == 200 and "objects" in answer:
                    for name in ("First", "Last"):
                        self.send_header(f"X-TAXII-Date-Added-{name}", "2024-01-01T00:00:00.000Z")
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._serve()

            def do_POST(self) -> None:
                self._serve()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        if self.context is not None:
            server.socket = self.context.wrap_socket(server.socket, server_side=True)
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


@pytest.fixture
def cert() -> Iterator[Recorder]:
    """The CERT the indicators come from."""
    with Recorder([INDICATOR]).running() as server:
        yield server


@pytest.fixture
def hub() -> Iterator[Recorder]:
    """The sector hub the sightings go to: same host as the CERT, another port."""
    with Recorder([INDICATOR]).running() as server:
        yield server


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


HUB_PASSWORD = "hub-secret-pw"
HUB_BASIC = basic("sensor", HUB_PASSWORD)


class TestSourceCredentials:
    """The hub's secrets go to the hub; a source of another origin gets only its own."""

    def test_hub_credentials_never_reach_another_origin(
        self, files: dict[str, Path], cert: Recorder, hub: Recorder
    ) -> None:
        """Reading from the CERT and reporting to the hub: the CERT sees no Authorization
        at all, the hub sees its Basic credentials, and the sighting arrives."""
        result = sense(
            files, "--report", hub.url, SIGHTINGS, "--user", "sensor", "--password-stdin",
            source=cert.collection_url, input=HUB_PASSWORD + "\n",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert cert.seen
        assert cert.authorizations() == {None}
        assert hub.authorizations() == {HUB_BASIC}
        assert {o["type"] for o in hub.pushed} >= {"sighting"}
        assert HUB_PASSWORD not in result.output

    @pytest.mark.parametrize(
        ("args", "env", "expected"),
        [
            (["--indicators-token", "cert-token"], {}, "Bearer cert-token"),
            ([], {"STIXHUB_INDICATORS_TOKEN": "cert-token"}, "Bearer cert-token"),
            (
                ["--indicators-user", "reader"],
                {"STIXHUB_INDICATORS_PASSWORD": "cert-pw"},
                basic("reader", "cert-pw"),
            ),
            (
                [],
                {"STIXHUB_INDICATORS_USER": "reader", "STIXHUB_INDICATORS_PASSWORD": "cert-pw"},
                basic("reader", "cert-pw"),
            ),
        ],
    )
    def test_source_gets_its_own_credentials(
        self,
        files: dict[str, Path],
        cert: Recorder,
        hub: Recorder,
        args: list[str],
        env: dict[str, str],
        expected: str,
    ) -> None:
        """--indicators-* options or STIXHUB_INDICATORS_* go to the CERT, the hub's
        STIXHUB_USER/PASSWORD to the hub, and neither to the other."""
        result = sense(
            files, "--report", hub.url, SIGHTINGS, *args, source=cert.collection_url,
            STIXHUB_USER="sensor", STIXHUB_PASSWORD=HUB_PASSWORD, **env,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert cert.authorizations() == {expected}
        assert hub.authorizations() == {HUB_BASIC}

    def test_same_origin_shares_the_hub_credentials(
        self, files: dict[str, Path], hub: Recorder
    ) -> None:
        """Indicators from the hub itself are read with the hub's token."""
        result = sense(
            files, "--report", hub.url, SIGHTINGS, "--token", "hub-token",
            source=hub.collection_url,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert {s.path for s in hub.seen} >= {f"/{ROOT}/collections/{INTEL}/objects/"}
        assert hub.authorizations() == {"Bearer hub-token"}

    def test_source_refusing_its_credentials_is_exit_3(
        self, files: dict[str, Path], cert: Recorder
    ) -> None:
        """A source that refuses the credentials exits 3 with one line, the token unprinted."""
        cert.require = "Bearer right-token"
        result = sense(
            files, "--dry-run", "--indicators-token-stdin", source=cert.collection_url,
            input="wrong-token\n",
        )  # fmt: skip
        assert result.exit_code == 3
        assert "wrong-token" not in one_line_error(result)
        right = sense(
            files, "--dry-run", "--indicators-token", "right-token", source=cert.collection_url
        )
        assert right.exit_code == 0
        assert "warning: --indicators-token: a token on the command line" in right.stderr
        assert "right-token" not in right.output

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--password-stdin", "--user", "a", "--indicators-password-stdin",
              "--indicators-user", "b"], "cannot both read standard input"),
            (["--indicators-user", "b"], "--indicators-user needs --indicators-password-stdin"),
            (["--indicators-key", "k.pem"], "--indicators-key needs --indicators-cert"),
        ],
    )  # fmt: skip
    def test_bad_source_credential_options(
        self, files: dict[str, Path], cert: Recorder, args: list[str], message: str
    ) -> None:
        """Source credential options that cannot work are bad usage (2), nothing is read."""
        result = sense(files, "--dry-run", *args, source=cert.collection_url, input="pw\n")
        assert result.exit_code == 2
        assert message in one_line_error(result)
        assert cert.seen == []

    def test_source_options_need_a_taxii_source(self, files: dict[str, Path]) -> None:
        """--indicators-* options with a file source are bad usage."""
        result = sense(files, "--dry-run", "--indicators-token", "t")
        assert result.exit_code == 2
        assert "TAXII" in one_line_error(result)

    @pytest.mark.parametrize(
        ("a", "b", "same"),
        [
            ("http://Hub.example/api1/", "http://hub.example:80/other/", True),
            ("https://hub.example/api1/", "https://hub.example:443/x/collections/y/", True),
            ("https://hub.example/api1/", "http://hub.example/api1/", False),
            ("https://hub.example/api1/", "https://hub.example:8443/api1/", False),
            ("https://hub.example/api1/", "https://cert.example/api1/", False),
        ],
    )
    def test_same_origin(self, a: str, b: str, same: bool) -> None:
        """Origins are scheme, host (any case) and port (the scheme's default filled in)."""
        assert same_origin(a, b) is same


@dataclass
class Pki:
    """A throwaway CA, a server context with the leaf for 127.0.0.1 that asks for (but does
    not need) a client certificate, the leaf's SHA-256, and a client certificate file."""

    ca_file: str
    context: ssl.SSLContext
    fingerprint: str
    client_pem: str


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    leaf.configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_OPTIONAL
    ca_file, client = folder / "ca.pem", folder / "client.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    sensor = ca.issue_cert("sensor@water-board.example")
    client.write_bytes(sensor.private_key_pem.bytes() + sensor.cert_chain_pems[0].bytes())
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    return Pki(str(ca_file), context, hashlib.sha256(der).hexdigest(), str(client))


class TestTls:
    """Each server's certificate checks and client certificate reach that server."""

    def test_source_ca_bundle_and_pin(self, files: dict[str, Path], pki: Pki) -> None:
        """An HTTPS source is trusted through --indicators-ca-bundle or its pin; the hub's
        --ca-bundle is not used for a source of another origin; a wrong pin is exit 3."""
        with Recorder([INDICATOR], pki.context).running() as cert:
            url = cert.collection_url
            trusted = sense(files, "--dry-run", "--indicators-ca-bundle", pki.ca_file, source=url)
            assert trusted.exit_code == 0, trusted.output
            pinned = sense(
                files, "--dry-run", "--indicators-insecure",
                "--indicators-pin-sha256", pki.fingerprint, source=url,
            )  # fmt: skip
            assert pinned.exit_code == 0, pinned.output
            assert "warning: --indicators-insecure" in pinned.stderr
            other = f"http://127.0.0.1:{free_port()}/{ROOT}/"
            untrusted = sense(
                files, "--dry-run", "--report", other, SIGHTINGS, "--ca-bundle", pki.ca_file,
                source=url,
            )  # fmt: skip
            assert untrusted.exit_code == 2
            one_line_error(untrusted)
            wrong = sense(
                files, "--dry-run", "--indicators-ca-bundle", pki.ca_file,
                "--indicators-pin-sha256", "ab" * 32, source=url,
            )  # fmt: skip
            assert wrong.exit_code == 3
            one_line_error(wrong)

    def test_report_pin_insecure_and_client_certificate(
        self, files: dict[str, Path], pki: Pki
    ) -> None:
        """--report over HTTPS honours --pin-sha256 (a wrong one is exit 3 and nothing is
        spooled), --insecure with the right pin delivers, and --cert is presented."""
        with Recorder([INDICATOR], pki.context).running() as hub:
            args = ("--report", hub.url, SIGHTINGS, "--ca-bundle", pki.ca_file)
            wrong = sense(files, *args, "--pin-sha256", "ab" * 32)
            assert wrong.exit_code == 3
            assert "nothing was spooled" in one_line_error(wrong)
            assert bundles(files["spool"] / "outbox") == []
            assert hub.pushed == []
            right = sense(
                files, "--report", hub.url, SIGHTINGS, "--insecure",
                "--pin-sha256", pki.fingerprint, "--cert", pki.client_pem,
            )  # fmt: skip
            assert right.exit_code == 0, right.output
            assert "warning: --insecure" in right.stderr
            assert {o["type"] for o in hub.pushed} >= {"sighting"}
            assert bundles(files["spool"] / "outbox") == []
            assert all(s.client_cert for s in hub.seen[-3:])


class TestSpooledDestination:
    """A spooled bundle goes only where it was built to go, under a policy that allows it."""

    def test_bundle_for_an_internal_hub_never_reaches_the_cert(
        self, files: dict[str, Path], cert: Recorder
    ) -> None:
        """A --share-observables all run for an internal hub that is down spools internal
        addresses; the next run reporting to the CERT sends none of it and says one line."""
        files["indicators"].write_bytes(
            orjson.dumps({"type": "bundle", "id": "bundle--0a1b2c3d-0000-4000-8000-000000000001",
                          "objects": [INDICATOR, INTERNAL_INDICATOR]})
        )  # fmt: skip
        internal = f"http://127.0.0.1:{free_port()}/{ROOT}/"
        first = sense(
            files, "--report", internal, SIGHTINGS, "--share-observables", "all",
            "--timeout", "2",
        )  # fmt: skip
        assert first.exit_code == 1
        (spooled,) = bundles(files["spool"] / "outbox")
        assert b"10.136.0.16" in spooled.read_bytes()
        second = sense(files, "--report", cert.url, SIGHTINGS, "--json")
        assert second.exit_code == 0, second.output
        assert orjson.loads(second.stdout)["delivery"]["other_destination_bundles"] == 1
        # The CERT gets this run's own versions (the internal address no longer shared),
        # not the spooled bundle.
        assert {o["type"] for o in cert.pushed} >= {"sighting"}
        assert "10.136.0.16" not in orjson.dumps(cert.pushed).decode()
        assert bundles(files["spool"] / "outbox") == [spooled]
        text = sense(files, "--report", cert.url, SIGHTINGS)
        assert "1 bundle stays spooled for another hub or collection" in text.stdout

    def test_same_hub_under_a_stricter_policy_holds_the_bundle(
        self, files: dict[str, Path]
    ) -> None:
        """The same hub, but this run shares less than the bundle does: it stays (exit 4,
        one line), and a run with the policy it was built under sends it."""
        files["indicators"].write_bytes(
            orjson.dumps({"type": "bundle", "id": "bundle--0a1b2c3d-0000-4000-8000-000000000001",
                          "objects": [INTERNAL_INDICATOR]})
        )  # fmt: skip
        port = free_port()
        url = f"http://127.0.0.1:{port}/{ROOT}/"
        down = sense(files, "--report", url, SIGHTINGS, "--share-observables", "all",
                     "--timeout", "2")  # fmt: skip
        assert down.exit_code == 1
        with Recorder([], port=port).running() as hub:
            stricter = sense(files, "--report", url, SIGHTINGS)
            assert stricter.exit_code == 4
            assert "privacy policy" in one_line_error(stricter)
            # This run's own versions went (without the address); the spooled bundle did not.
            assert "10.136.0.16" not in orjson.dumps(hub.pushed).decode()
            assert len(bundles(files["spool"] / "outbox")) == 1
            allowed = sense(files, "--report", url, SIGHTINGS, "--share-observables", "all")
            assert allowed.exit_code == 0, allowed.output
            assert "10.136.0.16" in orjson.dumps(hub.pushed).decode()
            assert bundles(files["spool"] / "outbox") == []


def outbox_files(files: dict[str, Path]) -> list[Path]:
    outbox = files["spool"] / "outbox"
    return bundles(outbox) if outbox.is_dir() else []


def spool_command(files: dict[str, Path], *args: str) -> Result:
    """Run ``stixhub sense-spool`` on the test's spool folder."""
    sub, *rest = args
    argv = ["sense-spool", sub, "--spool", str(files["spool"]), *rest]
    return CliRunner().invoke(main, argv, env=CLEAN_ENV, catch_exceptions=False)


class TestReportCollection:
    """The report collection is checked before anything is spooled or marked reported."""

    def test_unknown_collection_spools_nothing(self, files: dict[str, Path], hub: Recorder) -> None:
        """A typo is exit 2, one line, the read summary printed, nothing spooled; the
        corrected run (by alias) reports every sighting."""
        typo = sense(files, "--report", hub.url, "sightingz")
        assert typo.exit_code == 2
        error = one_line_error(typo)
        assert "'sightingz'" in error
        assert "nothing was spooled" in error
        assert f"{HTTP_LOG}: zeek-tsv, 407 events, 0 malformed lines" in typo.stdout
        assert "28 sightings to report" in typo.stdout
        assert outbox_files(files) == []
        assert hub.pushed == []
        fixed = sense(files, "--report", hub.url, "sightings", "--json")
        assert fixed.exit_code == 0, fixed.output
        summary = orjson.loads(fixed.stdout)
        assert summary["sightings"] == 28
        assert summary["delivery"]["delivered_bundles"] == 1
        assert sum(o["type"] == "sighting" for o in hub.pushed) == 28

    def test_collection_without_write_right_is_exit_3(
        self, files: dict[str, Path], hub: Recorder
    ) -> None:
        """A collection the account may not write (can_write false) is exit 3 before
        anything is spooled; with the right granted the next run reports everything."""
        hub.can_write = False
        refused = sense(files, "--report", hub.url, SIGHTINGS)
        assert refused.exit_code == 3
        assert "may not write" in one_line_error(refused)
        assert outbox_files(files) == []
        assert not [s for s in hub.seen if s.method == "POST"]
        hub.can_write = True
        granted = sense(files, "--report", hub.url, "Sightings", "--json")
        assert granted.exit_code == 0, granted.output
        assert orjson.loads(granted.stdout)["sightings"] == 28

    def test_wrong_password_says_nothing_was_spooled(
        self, files: dict[str, Path], hub: Recorder
    ) -> None:
        """Refused credentials: exit 3, the read summary, one line saying nothing was
        spooled (and the password nowhere); the right password reports it all."""
        hub.require = HUB_BASIC
        args = ("--report", hub.url, SIGHTINGS, "--user", "sensor", "--password-stdin")
        wrong = sense(files, *args, input="not-the-password\n")
        assert wrong.exit_code == 3
        error = one_line_error(wrong)
        assert "401" in error
        assert "nothing was spooled: the next run reports these sightings" in error
        assert "not-the-password" not in wrong.output
        assert f"{HTTP_LOG}: zeek-tsv, 407 events" in wrong.stdout
        assert outbox_files(files) == []
        right = sense(files, *args, "--json", input=HUB_PASSWORD + "\n")
        assert right.exit_code == 0, right.output
        assert orjson.loads(right.stdout)["delivery"]["delivered_bundles"] == 1

    def test_id_alias_and_title_name_one_destination(self, files: dict[str, Path]) -> None:
        """Spooled by title while the hub was down, by id while it could not finish: the
        record of the reachable run holds the collection's id, and a run naming the
        collection by alias delivers both."""
        port = free_port()
        url = f"http://127.0.0.1:{port}/{ROOT}/"
        down = sense(files, "--report", url, "Sightings", "--timeout", "2")
        assert down.exit_code == 1
        files["indicators"].write_bytes(
            orjson.dumps({"type": "bundle", "id": "bundle--0a1b2c3d-0000-4000-8000-000000000001",
                          "objects": [INDICATOR, INTERNAL_INDICATOR]})
        )  # fmt: skip
        with Recorder([], port=port, complete=False).running() as hub:
            busy = sense(files, "--report", url, "sightings", "--wait", "0")
            assert busy.exit_code == 1
            assert "2 bundles wait in" in one_line_error(busy)
            records = [
                p.with_name(p.name[: -len(".json")] + ".to.json") for p in outbox_files(files)
            ]
            collections = [orjson.loads(r.read_bytes())["collection"] for r in records]
            assert collections == ["Sightings", SIGHTINGS]  # as named while down; the id
            hub.complete = True
            done = sense(files, "--report", url, "sightings", "--json")
            assert done.exit_code == 0, done.output
            delivery = orjson.loads(done.stdout)["delivery"]
            assert delivery["delivered_bundles"] == 2
            assert delivery["other_destination_bundles"] == 0
            assert outbox_files(files) == []


class TestSenseSpool:
    """``stixhub sense-spool``: list, retarget and drop what waits in the outbox."""

    def test_stranded_bundle_is_retargeted_and_delivered(self, files: dict[str, Path]) -> None:
        """A typo while the hub was down strands a bundle; listed, retargeted to the right
        collection, the next run delivers it."""
        port = free_port()
        url = f"http://127.0.0.1:{port}/{ROOT}/"
        assert sense(files, "--report", url, "sightingz", "--timeout", "2").exit_code == 1
        (stranded,) = outbox_files(files)
        with Recorder([], port=port).running() as hub:
            fixed = sense(files, "--report", url, "sightings")
            assert fixed.exit_code == 0, fixed.output
            assert "0 sightings to report" in fixed.stdout
            assert "1 bundle stays spooled for another hub or collection" in fixed.stdout
            listed = spool_command(files, "list")
            assert listed.exit_code == 0
            assert listed.stdout == f"{stranded.name}: {url} sightingz (share external)\n"
            bundle_id = stranded.name[13:-5]
            retargeted = spool_command(files, "retarget", bundle_id, "--to", url, "sightings")
            assert retargeted.exit_code == 0, retargeted.output
            assert "sightings (share external)" in retargeted.stdout
            sent = sense(files, "--report", url, "sightings", "--json")
            assert sent.exit_code == 0, sent.output
            assert orjson.loads(sent.stdout)["delivery"]["delivered_bundles"] == 1
            assert sum(o["type"] == "sighting" for o in hub.pushed) == 28
        assert outbox_files(files) == []
        assert spool_command(files, "list", "--json").stdout.strip() == "[]"

    def test_drop_and_unknown_names(self, files: dict[str, Path]) -> None:
        """An unknown bundle name is exit 2 and changes nothing; drop removes the bundle
        and its record."""
        url = f"http://127.0.0.1:{free_port()}/{ROOT}/"
        assert sense(files, "--report", url, "sightingz", "--timeout", "2").exit_code == 1
        (stranded,) = outbox_files(files)
        unknown = spool_command(files, "drop", stranded.name, "bundle--nope")
        assert unknown.exit_code == 2
        assert "bundle--nope" in one_line_error(unknown)
        assert outbox_files(files) == [stranded]
        listed = orjson.loads(spool_command(files, "list", "--json").stdout)
        assert listed[0]["destination"]["collection"] == "sightingz"
        dropped = spool_command(files, "drop", stranded.name)
        assert dropped.exit_code == 0
        assert list((files["spool"] / "outbox").iterdir()) == []

    def test_list_of_a_missing_spool_creates_nothing(self, tmp_path: Path) -> None:
        """Listing a spool folder that was never used prints nothing and creates nothing."""
        folder = tmp_path / "never"
        listed = spool_command({"spool": folder}, "list")
        assert listed.exit_code == 0
        assert listed.stdout == ""
        assert not folder.exists()


class TestDryRunWritesNothing:
    def test_default_spool_is_not_created(self, files: dict[str, Path], tmp_path: Path) -> None:
        """A dry run with the default spool folder under a fresh HOME and XDG_STATE_HOME
        creates no file or folder; it reads a ledger that exists."""
        home, state = tmp_path / "home", tmp_path / "state"
        home.mkdir()
        state.mkdir()
        for env in ({"HOME": str(home)}, {"HOME": str(home), "XDG_STATE_HOME": str(state)}):
            result = sense(files, "--dry-run", spool=False, **env)
            assert result.exit_code == 0, result.output
            assert list(home.iterdir()) == []
            assert list(state.iterdir()) == []
        url = f"http://127.0.0.1:{free_port()}/{ROOT}/"
        spooled = sense(files, "--report", url, SIGHTINGS, "--timeout", "2")
        assert spooled.exit_code == 1
        before = sorted(p.name for p in files["spool"].rglob("*"))
        again = sense(files, "--dry-run", "--json")
        assert again.exit_code == 0
        assert again.stdout == ""  # the ledger says everything was reported
        assert sorted(p.name for p in files["spool"].rglob("*")) == before


class TestTokens:
    """Tokens from standard input, and a warning for one in argv."""

    def test_token_stdin_for_the_hub_and_the_source(
        self, files: dict[str, Path], cert: Recorder, hub: Recorder
    ) -> None:
        """--token-stdin reaches the hub, --indicators-token-stdin the source, no warning."""
        hub.require = "Bearer hub-token"
        result = sense(
            files, "--report", hub.url, SIGHTINGS, "--token-stdin",
            source=cert.collection_url, input="hub-token\n",
            STIXHUB_INDICATORS_TOKEN="cert-token",
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert result.stderr == ""
        assert hub.authorizations() == {"Bearer hub-token"}
        assert cert.authorizations() == {"Bearer cert-token"}
        source = sense(
            files, "--dry-run", "--indicators-token-stdin", source=cert.collection_url,
            input="cert-token-2\n",
        )  # fmt: skip
        assert source.exit_code == 0, source.output
        assert "Bearer cert-token-2" in cert.authorizations()

    def test_token_argument_warns(self, files: dict[str, Path], hub: Recorder) -> None:
        """--token works and says once that argv shows in ps."""
        result = sense(files, "--report", hub.url, SIGHTINGS, "--token", "hub-token")
        assert result.exit_code == 0, result.output
        assert result.stderr.splitlines() == [
            "warning: --token: a token on the command line shows in ps and shell history; "
            "use --token-stdin or STIXHUB_TOKEN"
        ]

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--token-stdin", "--indicators-token-stdin"], "cannot both read standard input"),
            (["--token-stdin", "--indicators-password-stdin", "--indicators-user", "r"],
             "cannot both read standard input"),
            (["--token-stdin", "--token", "t"], "give one of --token and --token-stdin"),
            (["--indicators-token-stdin", "--indicators-token", "t"],
             "give one of --indicators-token and --indicators-token-stdin"),
        ],
    )  # fmt: skip
    def test_bad_token_options(
        self, files: dict[str, Path], cert: Recorder, args: list[str], message: str
    ) -> None:
        """Two readers of standard input, or a token both ways, are exit 2; nothing is read."""
        result = sense(files, "--dry-run", *args, source=cert.collection_url, input="t\n")
        assert result.exit_code == 2
        assert message in one_line_error(result)
        assert cert.seen == []
