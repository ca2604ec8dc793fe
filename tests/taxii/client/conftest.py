"""The client's test peers: our hub in-process (sync and async transports over the app),
and scripted servers that answer from a list of canned responses.

Client tests run on SQLite only: the client sees HTTP, and the server's database backends
are covered by the server's own tests.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from stixhub.client import AsyncTaxiiClient, BasicAuth, RetryPolicy, TaxiiClient
from tests.conftest import copy_sqlite_template
from tests.taxii.server import conftest as server_conftest
from tests.taxii.server.conftest import INTEL, Hub, indicator

__all__ = ["INTEL", "indicator"]

# The server tests' hub (accounts admin, reader, writer, nobody; collections INTEL and more).
hub = server_conftest.hub
hub_factory = server_conftest.hub_factory

BASE = "https://testserver"
API_ROOT: dict[str, Any] = {
    "title": "API one",
    "versions": ["application/taxii+json;version=2.1"],
    "max_content_length": 1_000_000,
}
ADMIN = BasicAuth("admin", "admin-pw")


@pytest.fixture
def db_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A migrated SQLite database (the client does not care which backend serves it)."""
    return copy_sqlite_template(sqlite_template, tmp_path)


class HubTransport(httpx.BaseTransport):
    """Carries httpx requests into the hub's in-process test client, which runs the app."""

    def __init__(self, served: Hub) -> None:
        self._client = served.client

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._client.request(
            request.method,
            str(request.url),
            headers=list(request.headers.multi_items()),
            content=request.read(),
        )
        return httpx.Response(
            answer.status_code, headers=list(answer.headers.multi_items()), content=answer.content
        )


@pytest.fixture
def sleeps() -> list[float]:
    """The waits a client asked for, instead of waiting."""
    return []


@pytest.fixture
def make_client(hub: Hub, sleeps: list[float]) -> Callable[..., TaxiiClient]:
    """Builds a sync client on the in-process hub (discovery URL by default, as admin)."""

    def make(url: str = f"{BASE}/taxii2/", **kw: Any) -> TaxiiClient:
        kw.setdefault("auth", ADMIN)
        kw.setdefault("sleep", sleeps.append)
        return TaxiiClient(url, transport=HubTransport(hub), **kw)

    return make


@pytest.fixture
def make_async_client(hub: Hub, sleeps: list[float]) -> Callable[..., AsyncTaxiiClient]:
    """Builds an async client on the in-process hub over httpx's ASGI transport."""

    async def no_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    def make(url: str = f"{BASE}/taxii2/", **kw: Any) -> AsyncTaxiiClient:
        kw.setdefault("auth", ADMIN)
        kw.setdefault("sleep", no_sleep)
        transport = httpx.ASGITransport(app=hub.client.app)
        return AsyncTaxiiClient(url, transport=transport, **kw)

    return make


@dataclass
class Reply:
    """One canned answer of a scripted server."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "application/taxii+json;version=2.1"


@dataclass
class Script:
    """A scripted server: a function from request to reply, recording every request."""

    answer: Callable[[httpx.Request], Reply]
    requests: list[httpx.Request] = field(default_factory=list)
    api_root: dict[str, Any] | None = None
    root_path: str = "/api1/"
    root_requests: list[httpx.Request] = field(default_factory=list)

    def handler(self, request: httpx.Request) -> httpx.Response:
        """The httpx MockTransport handler; the API root resource (if set) answers itself,
        and its requests are kept apart so tests see only the ones they script."""
        request.read()
        if self.api_root is not None and request.url.path == self.root_path:
            self.root_requests.append(request)
            reply = Reply(body=self.api_root)
        else:
            self.requests.append(request)
            reply = self.answer(request)
        headers = dict(reply.headers)
        if reply.content_type is not None:
            headers["Content-Type"] = reply.content_type
        if isinstance(reply.body, bytes):
            return httpx.Response(reply.status, headers=headers, content=reply.body)
        if reply.body is None:
            return httpx.Response(reply.status, headers=headers)
        return httpx.Response(reply.status, headers=headers, json=reply.body)


def replies(*items: Reply) -> Callable[[httpx.Request], Reply]:
    """An answer function that returns the given replies in turn, then fails the test."""
    queue = list(items)

    def answer(request: httpx.Request) -> Reply:
        assert queue, f"unexpected request {request.method} {request.url}"
        return queue.pop(0)

    return answer


@pytest.fixture
def scripted(sleeps: list[float]) -> Iterator[Callable[..., tuple[TaxiiClient, Script]]]:
    """Builds a sync client on a scripted server at https://taxii.example/api1/."""
    made: list[TaxiiClient] = []

    def make(
        answer: Callable[[httpx.Request], Reply],
        url: str = "https://taxii.example/api1/",
        api_root: dict[str, Any] | None = None,
        **kw: Any,
    ) -> tuple[TaxiiClient, Script]:
        script = Script(answer, api_root=API_ROOT if api_root is None else api_root)
        kw.setdefault("sleep", sleeps.append)
        kw.setdefault("retry", RetryPolicy(attempts=3))
        kw.setdefault("rng", lambda: 0.0)
        client = TaxiiClient(url, transport=httpx.MockTransport(script.handler), **kw)
        made.append(client)
        return client, script

    yield make
    for client in made:
        client.close()
