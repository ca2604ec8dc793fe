"""Credentials never appear in reprs, error messages or log records."""

import base64
import logging
from collections.abc import Callable

import pytest

from stixhub.client import (
    BasicAuth,
    BearerToken,
    ClientCertificate,
    ClientConfigError,
    ConnectionFailed,
    TaxiiClient,
    TaxiiClientError,
    Unauthorized,
)
from tests.taxii.client.conftest import INTEL

SECRET = "s3cret-Pa55word"
TOKEN = "tok-9f8e7d6c5b4a"


def leaks(text: str) -> bool:
    """Whether a text holds one of the test secrets, plain or base64-encoded."""
    encoded = base64.b64encode(f"admin:{SECRET}".encode()).decode()
    return any(s in text for s in (SECRET, TOKEN, encoded))


class TestSecrets:
    """No path shows a password, a token or a key password."""

    def test_reprs(self) -> None:
        """The credential objects and the client show no secret in repr or str."""
        shown = [
            BasicAuth("admin", SECRET),
            BearerToken(TOKEN),
            ClientCertificate("c.pem", "k.pem", SECRET),
            TaxiiClient("https://hub.example/taxii2/", auth=BasicAuth("admin", SECRET)),
        ]
        for item in shown:
            assert not leaks(repr(item))
            assert not leaks(str(item))

    def test_errors_and_logs(
        self, make_client: Callable[..., TaxiiClient], caplog: pytest.LogCaptureFixture
    ) -> None:
        """A refused login (Basic and Bearer) and a dead server: the errors and every log
        record at DEBUG level carry no secret."""
        caplog.set_level(logging.DEBUG)
        errors: list[TaxiiClientError] = []
        for auth in (BasicAuth("admin", SECRET), BearerToken(TOKEN)):
            with make_client(auth=auth) as client, pytest.raises(Unauthorized) as caught:
                client.collection(INTEL)
            errors.append(caught.value)
        dead = TaxiiClient(
            "http://127.0.0.1:9/taxii2/", auth=BasicAuth("admin", SECRET), sleep=lambda _: None
        )
        with dead, pytest.raises(ConnectionFailed) as refused:
            dead.discover()
        errors.append(refused.value)
        for error in errors:
            assert not leaks(str(error))
            assert not leaks(repr(error))
            assert not leaks(repr(error.args))
        assert caplog.records
        assert not leaks(caplog.text)
        assert not any(leaks(str(r.__dict__)) for r in caplog.records)

    def test_credentials_in_url_refused(self) -> None:
        """A URL with user:password is refused, and the message does not repeat it."""
        with pytest.raises(ClientConfigError) as caught:
            TaxiiClient(f"https://admin:{SECRET}@hub.example/taxii2/")
        assert not leaks(str(caught.value))
