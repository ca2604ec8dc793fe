"""Retries: connection errors, 429 and 503, Retry-After, backoff with jitter, bounded."""

import email.utils
from collections.abc import Callable

import httpx
import pytest

from stixhub.client import (
    ConnectionFailed,
    RetryPolicy,
    ServerError,
    TaxiiClient,
    TooManyRequests,
)
from stixhub.taxii.client._retry import parse_retry_after
from tests.taxii.client.conftest import Reply, Script, replies

Scripted = Callable[..., tuple[TaxiiClient, Script]]
OK = Reply(body={"collections": []})
NOW = 1_700_000_000.0


class TestRetry:
    """The client retries what is worth retrying, waits as told, and then gives up."""

    def test_retry_after_seconds(self, scripted: Scripted, sleeps: list[float]) -> None:
        """503 with Retry-After: 7 waits 7 seconds, then succeeds."""
        client, script = scripted(replies(Reply(503, headers={"Retry-After": "7"}), OK))
        assert client.collections() == []
        assert sleeps == [7.0]
        assert len(script.requests) == 2

    def test_retry_after_http_date(self, scripted: Scripted, sleeps: list[float]) -> None:
        """429 with an HTTP-date waits until that date by the client's clock."""
        when = email.utils.formatdate(NOW + 12, usegmt=True)
        client, _ = scripted(
            replies(Reply(429, headers={"Retry-After": when}), OK), clock=lambda: NOW
        )
        assert client.collections() == []
        assert sleeps == [12.0]

    def test_exponential_backoff_with_jitter(self, scripted: Scripted, sleeps: list[float]) -> None:
        """Without Retry-After the waits double, each shortened by the jitter share."""
        policy = RetryPolicy(attempts=4, backoff=1.0, jitter=0.5)
        client, _ = scripted(
            replies(Reply(503), Reply(503), Reply(503), OK), retry=policy, rng=lambda: 0.5
        )
        assert client.collections() == []
        assert sleeps == [0.75, 1.5, 3.0]

    def test_attempts_are_bounded(self, scripted: Scripted, sleeps: list[float]) -> None:
        """After the last attempt the 503 is raised as ServerError with its resource."""
        body = {"title": "Busy", "http_status": "503"}
        client, script = scripted(replies(*[Reply(503, body)] * 3))
        with pytest.raises(ServerError, match="503 Busy") as caught:
            client.collections()
        assert caught.value.status_code == 503
        assert len(script.requests) == 3
        assert len(sleeps) == 2

    def test_too_long_retry_after_is_not_waited(
        self, scripted: Scripted, sleeps: list[float]
    ) -> None:
        """A Retry-After beyond max_retry_after raises at once instead of hanging."""
        client, _ = scripted(replies(Reply(429, headers={"Retry-After": "86400"})))
        with pytest.raises(TooManyRequests):
            client.collections()
        assert sleeps == []

    def test_connection_errors_retried(self, scripted: Scripted, sleeps: list[float]) -> None:
        """A refused connection is retried; the answer after it is used."""
        calls = iter([httpx.ConnectError("refused"), None])

        def answer(request: httpx.Request) -> Reply:
            failure = next(calls)
            if failure is not None:
                raise failure
            return OK

        client, _ = scripted(answer)
        assert client.collections() == []
        assert len(sleeps) == 1

    def test_connection_errors_bounded(self, scripted: Scripted, sleeps: list[float]) -> None:
        """A server that never answers gives ConnectionFailed after the attempts."""

        def answer(request: httpx.Request) -> Reply:
            raise httpx.ConnectTimeout("timed out")

        client, _ = scripted(answer)
        with pytest.raises(ConnectionFailed, match="ConnectTimeout"):
            client.collections()
        assert len(sleeps) == 2

    def test_other_errors_not_retried(self, scripted: Scripted, sleeps: list[float]) -> None:
        """A 500 is not retried (it is not 503): one request, no wait."""
        client, script = scripted(replies(Reply(500, {"title": "Oops"})))
        with pytest.raises(ServerError):
            client.collections()
        assert (len(script.requests), sleeps) == (1, [])

    def test_post_retried_on_503(self, scripted: Scripted, sleeps: list[float]) -> None:
        """Add Objects is retried too (adding the same versions again is idempotent)."""
        done = {"id": "s", "status": "complete", "total_count": 1, "success_count": 1}
        client, script = scripted(replies(Reply(503), Reply(202, done)))
        obj = {"type": "indicator", "id": "indicator--1", "spec_version": "2.1"}
        assert client.add_objects("c", obj).ok
        assert [r.method for r in script.requests] == ["POST", "POST"]


class TestParseRetryAfter:
    """The two forms of Retry-After (RFC 9110 10.2.3)."""

    @pytest.mark.parametrize(
        ("value", "seconds"),
        [
            ("0", 0.0),
            ("120", 120.0),
            (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
            (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
            ("soon", None),
            ("-5", None),
            (None, None),
        ],
    )
    def test_forms(self, value: str | None, seconds: float | None) -> None:
        """Delta-seconds, a future or past HTTP-date, and garbage (None: back off instead)."""
        assert parse_retry_after(value, NOW) == seconds
