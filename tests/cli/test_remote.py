"""``stixhub discover``, ``collections``, ``poll`` and ``push`` against a live hub over a real
socket, with bad input, wrong credentials and credentials that must never be printed."""

import hashlib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest
import trustme
from click.testing import CliRunner, Result

from stixhub.cli.main import main
from tests.cli._helpers import free_port, one_line_error
from tests.sync.conftest import (
    FEED,
    FEED_ALIAS,
    FEED_TITLE,
    PASSWORD,
    USER,
    Feed,
    canonical,
    clean_poll,
    feed_versions,
    start_feed,
)

SECRET_WORDS = (PASSWORD, "wrong-password-xyz", "tok-secret-123")


@pytest.fixture(scope="module")
def feed(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Feed]:
    """A live hub shared by this module (pushes add objects; polls compare with a clean
    poll made after them)."""
    yield from start_feed(tmp_path_factory.mktemp("remote"), sqlite_template, feed_versions(60))


def run(*args: str, input: str | None = None, **env: str | None) -> Result:
    """``stixhub ARGS`` in-process, with only the given STIXHUB_* variables set."""
    clean: dict[str, str | None] = {
        "STIXHUB_DB": None,
        "STIXHUB_CONFIG": None,
        "STIXHUB_USER": None,
        "STIXHUB_PASSWORD": None,
        "STIXHUB_TOKEN": None,
    }
    clean.update(env)
    return CliRunner().invoke(main, list(args), input=input, env=clean, catch_exceptions=False)


def login(*args: str) -> Result:
    """Run with the consumer's credentials from --user and --password-stdin."""
    return run(*args, "--user", USER, "--password-stdin", input=PASSWORD + "\n")


def assert_no_secret(result: Result) -> None:
    """No password or token appears in anything the command printed."""
    for word in SECRET_WORDS:
        assert word not in result.stdout
        assert word not in result.stderr


class TestDiscoverAndCollections:
    def test_discover(self, feed: Feed) -> None:
        """discover lists the API roots of the server's discovery resource."""
        base = feed.api_root_url.rsplit("/api1/", 1)[0]
        result = login("discover", f"{base}/taxii2/")
        assert result.exit_code == 0, result.stderr
        assert feed.api_root_url in result.stdout
        as_json = login("discover", f"{base}/taxii2/", "--json")
        assert orjson.loads(as_json.stdout)["api_roots"] == [feed.api_root_url]

    def test_collections(self, feed: Feed) -> None:
        """collections shows id, title, alias and rights of each readable collection."""
        result = login("collections", feed.api_root_url)
        assert result.exit_code == 0, result.stderr
        line = next(line for line in result.stdout.splitlines() if FEED in line)
        assert FEED_TITLE in line
        assert FEED_ALIAS in line
        listed = orjson.loads(login("collections", feed.api_root_url, "--json").stdout)
        assert {c["id"]: c["can_read"] for c in listed}[FEED] is True

    def test_wrong_password_is_exit_3_and_never_printed(self, feed: Feed) -> None:
        """A refused login exits 3 with one error line, the password in none of it."""
        result = run(
            "collections", feed.api_root_url, "--user", USER, "--password-stdin",
            input="wrong-password-xyz\n",
        )  # fmt: skip
        assert result.exit_code == 3
        one_line_error(result)
        assert_no_secret(result)

    def test_wrong_token_from_environment_is_exit_3(self, feed: Feed) -> None:
        """STIXHUB_TOKEN is sent as a Bearer token; a wrong one exits 3, unprinted."""
        result = run("collections", feed.api_root_url, STIXHUB_TOKEN="tok-secret-123")
        assert result.exit_code == 3
        assert_no_secret(result)

    def test_credentials_from_environment(self, feed: Feed) -> None:
        """STIXHUB_USER and STIXHUB_PASSWORD log in when no option is given."""
        result = run("collections", feed.api_root_url, STIXHUB_USER=USER, STIXHUB_PASSWORD=PASSWORD)
        assert result.exit_code == 0, result.stderr
        assert FEED in result.stdout

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("--user", USER), "--user needs --password-stdin"),
            (("--user", USER, "--token", "t"), "one kind of credentials"),
            (("--key", "k.pem"), "--key needs --cert"),
        ],
    )
    def test_bad_credential_options(self, feed: Feed, args: tuple[str, ...], message: str) -> None:
        """Credential options that cannot work are bad usage (exit 2)."""
        result = run("collections", feed.api_root_url, *args)
        assert result.exit_code == 2
        assert message in one_line_error(result)

    def test_unreachable_server_is_exit_1(self) -> None:
        """Nothing listening: the job failed (1), with the password nowhere."""
        result = login("collections", f"http://127.0.0.1:{free_port()}/api1/", "--timeout", "2")
        assert result.exit_code == 1
        one_line_error(result)
        assert_no_secret(result)

    @pytest.mark.parametrize("url", ["not a url", "ftp://127.0.0.1/api1/"])
    def test_bad_url_is_exit_2(self, url: str) -> None:
        """A URL the client cannot use is bad usage."""
        result = login("collections", url)
        assert result.exit_code == 2
        one_line_error(result)

    def test_insecure_warns(self, feed: Feed) -> None:
        """--insecure says on stderr that certificates go unchecked."""
        result = login("collections", feed.api_root_url, "--insecure")
        assert result.exit_code == 0
        assert "warning: --insecure" in result.stderr


class TestPoll:
    @pytest.mark.parametrize("key", [FEED, FEED_ALIAS, FEED_TITLE])
    def test_poll_every_version_as_a_bundle(self, feed: Feed, key: str) -> None:
        """poll by id, alias or title writes a bundle with every version, once."""
        result = login("poll", feed.api_root_url, key, "--version", "all", "--limit", "25")
        assert result.exit_code == 0, result.stderr
        bundle = orjson.loads(result.stdout)
        assert bundle["type"] == "bundle"
        assert bundle["id"].startswith("bundle--")
        assert canonical(bundle["objects"]) == canonical(clean_poll(feed))

    def test_poll_jsonl_to_a_file_with_filters(self, feed: Feed, tmp_path: Path) -> None:
        """--jsonl --out writes one object per line; --type filters by type."""
        out = tmp_path / "ips.jsonl"
        result = login(
            "poll", feed.api_root_url, FEED, "--type", "ipv4-addr", "--jsonl", "--out", str(out)
        )
        assert result.exit_code == 0, result.stderr
        lines = [orjson.loads(line) for line in out.read_bytes().splitlines()]
        assert lines
        assert {o["type"] for o in lines} == {"ipv4-addr"}
        assert f"{len(lines)} objects written" in result.stderr

    def test_poll_added_after(self, feed: Feed) -> None:
        """--added-after in the future gives an empty bundle; a bad one is exit 2."""
        later = login("poll", feed.api_root_url, FEED, "--added-after", "2999-01-01T00:00:00Z")
        assert orjson.loads(later.stdout)["objects"] == []
        bad = login("poll", feed.api_root_url, FEED, "--added-after", "yesterday")
        assert bad.exit_code == 2
        assert "--added-after" in one_line_error(bad)

    def test_unknown_collection_is_exit_2(self, feed: Feed) -> None:
        """A collection that is neither an id, an alias nor a title is bad usage."""
        result = login("poll", feed.api_root_url, "no-such-feed")
        assert result.exit_code == 2
        assert "no collection 'no-such-feed'" in one_line_error(result)


def indicator(n: int, **extra: Any) -> dict[str, Any]:
    """A new valid indicator for pushing."""
    return {**feed_versions(1, start=9000 + n)[0], **extra}


class TestPush:
    def test_push_bundle_envelope_and_jsonl(self, feed: Feed, tmp_path: Path) -> None:
        """Files of every kind are pushed; the status line counts them; exit 0."""
        bundle = tmp_path / "b.json"
        bundle.write_bytes(
            orjson.dumps(
                {
                    "type": "bundle",
                    "id": "bundle--1a2b3c4d-0000-4000-8000-000000000000",
                    "objects": [indicator(1)],
                }
            )
        )
        envelope = tmp_path / "e.json"
        envelope.write_bytes(orjson.dumps({"objects": [indicator(2), indicator(3)]}))
        lines = tmp_path / "l.jsonl"
        lines.write_bytes(b"\n".join(orjson.dumps(indicator(n)) for n in (4, 5)))
        result = login(
            "push", feed.api_root_url, FEED_ALIAS, str(bundle), str(envelope), str(lines)
        )
        assert result.exit_code == 0, result.stderr
        assert "5 objects: 5 stored, 0 failed" in result.stdout
        ids = {o["id"] for o in clean_poll(feed)}
        assert {indicator(n)["id"] for n in range(1, 6)} <= ids

    def test_partly_refused_push_is_exit_4(self, feed: Feed, tmp_path: Path) -> None:
        """An envelope with one object the hub refuses exits 4 and names that object."""
        bad = indicator(11, pattern="[not a pattern")
        path = tmp_path / "e.json"
        path.write_bytes(orjson.dumps({"objects": [indicator(10), bad]}))
        result = login("push", feed.api_root_url, FEED, str(path), "--json")
        assert result.exit_code == 4
        summary = orjson.loads(result.stdout)
        assert (summary["success"], summary["failure"]) == (1, 1)
        assert [f["id"] for f in summary["failures"]] == [bad["id"]]

    def test_unreadable_file_is_exit_2(self, feed: Feed, tmp_path: Path) -> None:
        """A missing or broken file is bad input, and nothing is sent."""
        missing = login("push", feed.api_root_url, FEED, str(tmp_path / "missing.json"))
        assert missing.exit_code == 2
        assert "missing.json" in one_line_error(missing)
        broken = tmp_path / "broken.json"
        broken.write_text("{not json")
        result = login("push", feed.api_root_url, FEED, str(broken))
        assert result.exit_code == 2
        one_line_error(result)


@dataclass
class Tls:
    """A throwaway CA and the leaf certificate's SHA-256 fingerprint."""

    ca_file: str
    fingerprint: str


@pytest.fixture(scope="module")
def tls_feed(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[Feed, Tls]]:
    """A live hub over HTTPS with a certificate from a throwaway CA."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    cert, key, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    leaf.private_key_and_cert_chain_pem.write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(ca_file))
    der = ssl.PEM_cert_to_DER_cert(leaf.cert_chain_pems[0].bytes().decode())
    tls = Tls(str(ca_file), hashlib.sha256(der).hexdigest())
    for feed in start_feed(folder, sqlite_template, feed_versions(10), (str(cert), str(key))):
        yield feed, tls


class TestTls:
    def test_ca_bundle_and_pin(self, tls_feed: tuple[Feed, Tls]) -> None:
        """--ca-bundle trusts the throwaway CA; the right pin passes, with colons too."""
        feed, tls = tls_feed
        assert login("collections", feed.api_root_url, "--ca-bundle", tls.ca_file).exit_code == 0
        pin = ":".join(tls.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
        pinned = login("collections", feed.api_root_url, "--insecure", "--pin-sha256", pin)
        assert pinned.exit_code == 0, pinned.stderr

    def test_unknown_ca_fails(self, tls_feed: tuple[Feed, Tls]) -> None:
        """Without the CA the certificate is not trusted: the job fails (1), one line."""
        feed, _ = tls_feed
        result = login("collections", feed.api_root_url)
        assert result.exit_code == 1
        one_line_error(result)
        assert_no_secret(result)

    def test_wrong_pin_is_exit_3(self, tls_feed: tuple[Feed, Tls]) -> None:
        """A certificate that is not the pinned one fails authentication of the server."""
        feed, tls = tls_feed
        result = login(
            "collections", feed.api_root_url, "--ca-bundle", tls.ca_file, "--pin-sha256", "ab" * 32
        )
        assert result.exit_code == 3
        one_line_error(result)
        assert_no_secret(result)


class _Recorder(BaseHTTPRequestHandler):
    """A TAXII API root with no collections that records each Authorization header."""

    seen: ClassVar[list[str | None]] = []
    default: ClassVar[str] = ""

    def do_GET(self) -> None:
        type(self).seen.append(self.headers.get("Authorization"))
        body: dict[str, Any] = {"collections": []}
        if self.path == "/taxii2/":
            body = {"title": "d", "default": type(self).default, "api_roots": []}
        elif not self.path.endswith("/collections/"):
            body = {"title": "r", "versions": [], "max_content_length": 1000}
        data = orjson.dumps(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/taxii+json;version=2.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def recorder() -> Iterator[str]:
    """A recording API root on 127.0.0.1 for one test; its URL."""
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api1/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class TestToken:
    """--token-stdin keeps the token out of argv; --token warns; none is ever printed."""

    TOKEN = "tok-secret-123"

    def test_token_from_stdin_is_sent_and_never_printed(self, recorder: str) -> None:
        """The first line of stdin is sent as the Bearer token, with no warning, and
        appears in no output (text or JSON)."""
        for extra in ((), ("--json",)):
            result = run("collections", recorder, "--token-stdin", *extra, input=self.TOKEN + "\n")
            assert result.exit_code == 0, result.stderr
            assert "warning" not in result.stderr
            assert_no_secret(result)
        assert set(_Recorder.seen) == {f"Bearer {self.TOKEN}"}

    def test_token_argument_warns(self, recorder: str) -> None:
        """--token works but says on stderr that argv is not secret; STIXHUB_TOKEN does not
        warn; the token is printed by neither."""
        given = run("collections", recorder, "--token", self.TOKEN)
        assert given.exit_code == 0
        assert "warning: --token: a token on the command line shows in ps" in given.stderr
        assert_no_secret(given)
        from_env = run("collections", recorder, STIXHUB_TOKEN=self.TOKEN)
        assert from_env.exit_code == 0
        assert "warning" not in from_env.stderr
        assert set(_Recorder.seen) == {f"Bearer {self.TOKEN}"}

    def test_wrong_token_from_stdin_is_exit_3(self, feed: Feed) -> None:
        """A refused token read from stdin exits 3, unprinted."""
        result = run("collections", feed.api_root_url, "--token-stdin", input=self.TOKEN + "\n")
        assert result.exit_code == 3
        assert_no_secret(result)

    @pytest.mark.parametrize(
        ("args", "stdin", "message"),
        [
            (("--token-stdin",), "\n", "read no token"),
            (("--token-stdin", "--token", "t"), "x\n", "one of --token and --token-stdin"),
            (("--token-stdin", "--user", "u", "--password-stdin"), "x\n", "both read"),
        ],
    )
    def test_bad_token_options(
        self, recorder: str, args: tuple[str, ...], stdin: str, message: str
    ) -> None:
        """Token options that cannot work are bad usage (exit 2); nothing is sent."""
        result = run("collections", recorder, *args, input=stdin)
        assert result.exit_code == 2
        assert message in one_line_error(result)
        assert _Recorder.seen == []


class TestOrigins:
    """Discovery naming an API root on another origin: refused, unless --trust-origin."""

    def test_other_origin_needs_trust_origin(self, recorder: str) -> None:
        """A default on another host name is exit 2 naming the origins, nothing sent there;
        with --trust-origin for it the credentials go there and the listing works."""
        other = recorder.replace("127.0.0.1", "localhost")
        _Recorder.default = other
        discovery = recorder.replace("/api1/", "/taxii2/")
        refused = run("collections", discovery, "--token-stdin", input="tok-secret-123\n")
        assert refused.exit_code == 2
        assert "not on http://127.0.0.1" in one_line_error(refused)
        assert len(_Recorder.seen) == 1
        origin = other.removesuffix("/api1/")
        allowed = run(
            "collections", discovery, "--token-stdin", "--trust-origin", origin,
            input="tok-secret-123\n",
        )  # fmt: skip
        assert allowed.exit_code == 0, allowed.stderr
        assert_no_secret(allowed)
        assert _Recorder.seen[1:] == ["Bearer tok-secret-123"] * 2
