"""The one-page lookahead of the ``*_pages`` loops: page n+1 is asked for while the caller
holds page n, and the caller sees the same pages, cursors and errors, in the same order, as
without it; a caller that stops never sees the page fetched ahead."""

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stixhub.client import AsyncTaxiiClient, Query, ServerError, TaxiiClient
from tests.taxii.client.conftest import Reply, Script, indicator
from tests.taxii.client.test_paging import DateOnlyServer

Scripted = Callable[..., tuple[TaxiiClient, Script]]
C = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"
URL = "https://taxii.example/api1/"
# Long enough never to be reached on a working machine; the wait is a rendezvous, not a
# measurement: a client without lookahead never sends the request at all.
RENDEZVOUS_S = 60.0


class TokenServer:
    """``pages`` pages of ``size`` objects with ``next`` tokens; page ``fail`` (1-based)
    answers 500. ``asked[n]`` is set when page n was asked for."""

    def __init__(self, pages: int, size: int = 3, fail: int | None = None) -> None:
        self.pages = pages
        self.size = size
        self.fail = fail
        self.asked = [threading.Event() for _ in range(pages + 2)]
        self.calls = 0

    def __call__(self, request: httpx.Request) -> Reply:
        self.calls += 1
        n = int(request.url.params.get("next", "1"))
        self.asked[n].set()
        if n == self.fail:
            return Reply(status=500, body={"title": "broken page"})
        objects = [indicator((n - 1) * self.size + k + 1) for k in range(self.size)]
        body: dict[str, Any] = {"more": n < self.pages, "objects": objects}
        if n < self.pages:
            body["next"] = str(n + 1)
        return Reply(body=body)

    def handler(self, request: httpx.Request) -> httpx.Response:
        reply = self(request)
        return httpx.Response(
            reply.status, json=reply.body, headers={"Content-Type": reply.content_type or ""}
        )


def walked(pages: Any) -> list[tuple[list[str], dict[str, Any]]]:
    """What a caller sees of each page: the ids delivered and the cursor."""
    return [([o["id"] for o in page.items], page.cursor.to_json()) for page in pages]


class TestSync:
    """The blocking client's lookahead thread."""

    @pytest.mark.parametrize(
        ("dates", "limit", "cap"),
        [
            ([0, 1, 2, 3, 4, 5, 6, 7, 8], 2, 1000),
            ([0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 3], 2, 1000),  # ties larger than a page
            ([0, 0, 0, 1, 1, 1, 2, 2], 5, 4),  # a server capping its page size
        ],
    )
    def test_same_pages_and_cursors_by_date(
        self, scripted: Scripted, dates: list[int], limit: int, cap: int
    ) -> None:
        """Paging by date with overlaps and ties: identical with and without lookahead."""
        seen = {}
        for lookahead in (False, True):
            client, _ = scripted(DateOnlyServer(dates, cap=cap), lookahead=lookahead)
            seen[lookahead] = walked(client.objects_pages(C, Query(limit=limit)))
        assert seen[True] == seen[False]
        assert len({i for ids, _ in seen[True] for i in ids}) == len(dates)

    def test_same_pages_and_cursors_by_token(self, scripted: Scripted) -> None:
        seen = {}
        for lookahead in (False, True):
            client, _ = scripted(TokenServer(4), lookahead=lookahead)
            seen[lookahead] = walked(client.objects_pages(C))
        assert seen[True] == seen[False]
        assert len(seen[True]) == 4

    def test_next_page_is_asked_for_while_the_caller_holds_this_one(
        self, scripted: Scripted
    ) -> None:
        server = TokenServer(3)
        client, _ = scripted(server, lookahead=True)
        for n, _page in enumerate(client.objects_pages(C), start=1):
            if n < 3:
                assert server.asked[n + 1].wait(RENDEZVOUS_S)
        assert server.calls == 3

    def test_without_lookahead_nothing_is_asked_ahead(self, scripted: Scripted) -> None:
        """The default: a single-use token (medallion) is never spent on a page the caller
        may not take, so a cursor saved after any page resumes by its token."""
        server = TokenServer(3)
        client, _ = scripted(server)
        for n, _page in enumerate(client.objects_pages(C), start=1):
            assert server.calls == n

    def test_a_caller_that_stops_never_sees_the_page_ahead(self, scripted: Scripted) -> None:
        """Stopping after page 1 waits for page 2 in flight, drops it, and leaves the
        client usable; at most that one request was sent beyond what was delivered."""
        server = TokenServer(5)
        client, _ = scripted(server, lookahead=True)
        pages = client.objects_pages(C)
        first = next(pages)
        pages.close()
        assert server.calls == 2
        assert [o["id"] for o in first.items] == [indicator(n)["id"] for n in (1, 2, 3)]
        assert [o["id"] for o in client.objects_page(C, cursor=first.cursor).items] == [
            indicator(n)["id"] for n in (4, 5, 6)
        ]

    def test_an_error_ahead_is_raised_only_when_its_page_is_due(self, scripted: Scripted) -> None:
        client, _ = scripted(TokenServer(4, fail=2), lookahead=True)
        delivered: list[str] = []

        def walk() -> None:
            for page in client.objects_pages(C):
                delivered.extend(o["id"] for o in page.items)

        with pytest.raises(ServerError, match="broken page"):
            walk()
        assert delivered == [indicator(n)["id"] for n in (1, 2, 3)]

    def test_an_error_ahead_of_a_caller_that_stops_is_dropped(self, scripted: Scripted) -> None:
        server = TokenServer(4, fail=2)
        client, _ = scripted(server, lookahead=True)
        for page in client.objects_pages(C):
            assert page.cursor.next == "2"
            break
        assert server.calls == 2


class TestAsync:
    """The asyncio client's lookahead task."""

    @staticmethod
    def run(server: TokenServer, lookahead: bool, stop_after: int | None = None) -> Any:
        async def go() -> tuple[list[tuple[list[str], dict[str, Any]]], BaseException | None]:
            transport = httpx.MockTransport(server.handler)
            seen: list[tuple[list[str], dict[str, Any]]] = []
            async with AsyncTaxiiClient(URL, transport=transport, lookahead=lookahead) as c:
                pages = c.objects_pages(C, api_root=URL)
                try:
                    async for page in pages:
                        seen.append(([o["id"] for o in page.items], page.cursor.to_json()))
                        if len(seen) == stop_after:
                            break
                except ServerError as exc:
                    return seen, exc
                finally:
                    await pages.aclose()  # type: ignore[attr-defined]
            return seen, None

        return asyncio.run(go())

    def test_same_pages_and_cursors(self) -> None:
        with_it = self.run(TokenServer(4), lookahead=True)
        without = self.run(TokenServer(4), lookahead=False)
        assert with_it == without
        assert len(with_it[0]) == 4
        assert with_it[1] is None

    def test_next_page_is_asked_for_while_the_caller_holds_this_one(self) -> None:
        server = TokenServer(3)

        async def go() -> list[bool]:
            transport = httpx.MockTransport(server.handler)
            ahead = []
            async with AsyncTaxiiClient(URL, transport=transport, lookahead=True) as client:
                async for page in client.objects_pages(C, api_root=URL):
                    if page.cursor.more:
                        # Hand the loop to the task fetching ahead until it has asked.
                        n = int(page.cursor.next or "0")
                        for _ in range(100_000):
                            if server.asked[n].is_set():
                                break
                            await asyncio.sleep(0)
                        ahead.append(server.asked[n].is_set())
            return ahead

        assert asyncio.run(go()) == [True, True]
        assert server.calls == 3

    def test_an_error_ahead_comes_in_order_or_not_at_all(self) -> None:
        seen, error = self.run(TokenServer(4, fail=3), lookahead=True)
        assert isinstance(error, ServerError)
        assert len(seen) == 2
        server = TokenServer(4, fail=2)
        seen, error = self.run(server, lookahead=True, stop_after=1)
        assert error is None
        assert len(seen) == 1
        assert server.calls <= 2
