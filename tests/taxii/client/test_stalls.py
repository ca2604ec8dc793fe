"""A server that says ``more`` forever while going nowhere is stopped with PagingStalled;
a walk through objects the cursor already holds is not; the cursor stays small when the
server sends next tokens without dates."""

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stixhub.client import AsyncTaxiiClient, PageCursor, PagingStalled, Query, TaxiiClient
from stixhub.taxii.client._paging import MAX_REPEATED_PAGES
from tests.taxii.client.conftest import Reply, Script, indicator

Scripted = Callable[..., tuple[TaxiiClient, Script]]
C = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"
DATE = "2024-01-17T16:11:20.183201Z"


class SameObjectForever:
    """``more: true, next: t<n>`` with the same object on every page."""

    def __init__(self, headers: dict[str, str] | None = None) -> None:
        self.headers = headers or {}
        self.calls = 0

    def __call__(self, request: httpx.Request) -> Reply:
        self.calls += 1
        assert self.calls < 100, "paged on and on"
        body = {"more": True, "next": f"t{self.calls}", "objects": [indicator(1)]}
        return Reply(body=body, headers=self.headers)


class TestStalls:
    """Loops are stopped; legitimate walks over known objects go on."""

    @pytest.mark.parametrize("headers", [{}, {"X-TAXII-Date-Added-Last": DATE}])
    def test_same_page_with_fresh_tokens_stalls(
        self, scripted: Scripted, headers: dict[str, str]
    ) -> None:
        """The same object under ever new tokens, with or without a date, raises after
        MAX_REPEATED_PAGES repeats, delivering the object once."""
        server = SameObjectForever(headers)
        client, _ = scripted(server)
        delivered: list[str] = []

        def walk() -> None:
            for page in client.objects_pages(C):
                delivered.extend(o["id"] for o in page.items)

        with pytest.raises(PagingStalled, match="nothing new"):
            walk()
        assert delivered == [indicator(1)["id"]]
        assert server.calls == MAX_REPEATED_PAGES + 2

    def test_empty_pages_that_say_more_stall(self, scripted: Scripted) -> None:
        """Empty pages with more: true and a next token forever raise too."""
        count = iter(range(1000))

        def answer(request: httpx.Request) -> Reply:
            return Reply(body={"more": True, "next": f"e{next(count)}", "objects": []})

        client, _ = scripted(answer)
        with pytest.raises(PagingStalled):
            list(client.objects_pages(C))

    def test_refused_tokens_looping_with_dates_stall(self, scripted: Scripted) -> None:
        """A server that refuses its own fresh tokens (even with added_after) and answers
        the by-date request with the same page and a new token: a loop, stopped."""
        calls = iter(range(1000))

        def answer(request: httpx.Request) -> Reply:
            n = next(calls)
            if "next" in request.url.params:
                return Reply(400, {"title": "unknown token"})
            body = {"more": True, "next": f"x{n}", "objects": [indicator(1), indicator(2)]}
            return Reply(body=body, headers={"X-TAXII-Date-Added-Last": DATE})

        client, script = scripted(answer)
        with pytest.raises(PagingStalled):
            list(client.objects_pages(C))
        assert len(script.requests) < 4 * MAX_REPEATED_PAGES

    def test_walk_through_known_objects_is_not_a_stall(self, scripted: Scripted) -> None:
        """Resumed inside a tie of 300 delivered objects, 30 pages of known objects come
        back under next tokens before the new ones: all passed, the new ones delivered."""
        tie = [indicator(n) for n in range(1, 331)]
        seen = frozenset((o["id"], o["modified"]) for o in tie[:300])
        cursor = PageCursor(date_added_last=DATE, seen=seen)

        def answer(request: httpx.Request) -> Reply:
            start = int(request.url.params.get("next", "0"))
            page = tie[start : start + 10]
            more = start + 10 < len(tie)
            body: dict[str, Any] = {"more": more, "objects": page}
            if more:
                body["next"] = str(start + 10)
            return Reply(body=body, headers={"X-TAXII-Date-Added-Last": DATE})

        client, _ = scripted(answer)
        pages = list(client.objects_pages(C, Query(limit=10), cursor))
        assert [o["id"] for p in pages for o in p.items] == [o["id"] for o in tie[300:]]

    def test_async_client_stalls_too(self) -> None:
        """The async client's page loop has the same watch."""
        server = SameObjectForever()

        def handler(request: httpx.Request) -> httpx.Response:
            reply = server(request)
            headers = {"Content-Type": "application/taxii+json;version=2.1"}
            return httpx.Response(200, headers=headers, json=reply.body)

        async def go() -> None:
            url = "https://taxii.example/api1/"
            async with AsyncTaxiiClient(url, transport=httpx.MockTransport(handler)) as client:
                async for _ in client.objects_pages(C, api_root=url):
                    pass

        with pytest.raises(PagingStalled):
            asyncio.run(go())


class TestCursorSize:
    """Next tokens without dates keep the cursor at one page of keys."""

    def test_seen_is_one_page_without_dates(self, scripted: Scripted) -> None:
        """300 pages of 100 objects under next tokens, no date headers: every object once,
        and no cursor holds more than one page of keys (the saved JSON stays small)."""
        pages_total, size = 300, 100

        def answer(request: httpx.Request) -> Reply:
            n = int(request.url.params.get("next", "0"))
            objects = [indicator(n * size + k + 1) for k in range(size)]
            more = n + 1 < pages_total
            body: dict[str, Any] = {"more": more, "objects": objects}
            if more:
                body["next"] = str(n + 1)
            return Reply(body=body)

        client, _ = scripted(answer)
        count, largest = 0, 0
        for page in client.objects_pages(C):
            count += len(page.items)
            largest = max(largest, len(page.cursor.seen))
        assert count == pages_total * size
        assert largest == size
        assert len(json.dumps(page.cursor.to_json())) < 10_000
