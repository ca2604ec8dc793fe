"""A password written in a source URL never reaches an error message."""

import socket

import pytest

from stixhub.sources import BadSource, SourceError, read_source
from stixhub.sources._redact import redact

SECRET = "s3cr3t-pw"


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestRedact:
    """The source errors and the helper."""

    def test_unreachable_taxii_source(self) -> None:
        """A TAXII URL with user:password whose server is down: the message names the URL
        and the user, never the password."""
        url = f"http://bob:{SECRET}@127.0.0.1:{free_port()}/api1/collections/abc/"
        with pytest.raises(BadSource) as caught:
            read_source(url)
        message = str(caught.value)
        assert SECRET not in message
        assert "bob:***@127.0.0.1" in message

    @pytest.mark.parametrize(
        "spec",
        [
            f"https://bob:{SECRET}@hub.example/api1/",
            f"postgresql+psycopg://bob:{SECRET}@127.0.0.1:{free_port()}/db#intel",
        ],
    )
    def test_other_refusals(self, spec: str) -> None:
        """A URL that is no collection URL, an unreachable database: no password either."""
        with pytest.raises(SourceError) as caught:
            read_source(spec)
        assert SECRET not in str(caught.value)
        assert "bob" in str(caught.value)

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("https://u:p@h/x: 401", "https://u:***@h/x: 401"),
            ("x postgresql+psycopg://u:p%40w@h/db y", "x postgresql+psycopg://u:***@h/db y"),
            ("https://:tok@h/", "https://:***@h/"),
            ("https://u@h/a:b@c", "https://u@h/a:b@c"),
            ("http://h/path?q=a:b@c", "http://h/path?q=a:b@c"),
        ],
    )
    def test_helper(self, text: str, expected: str) -> None:
        """Only the userinfo's password goes; paths and queries with ':' and '@' stay."""
        assert redact(text) == expected
