"""Paging: ``next`` tokens, the ``added_after`` fallback with ties, and the saved cursor."""

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from stixhub.client import (
    InvalidCursor,
    InvalidResponse,
    PageCursor,
    PagingStalled,
    Query,
    TaxiiClient,
)
from stixhub.stix import format_taxii_timestamp, parse_rfc3339_micros
from stixhub.taxii.client._paging import advance
from tests.taxii.client.conftest import Reply, Script, indicator, replies

Scripted = Callable[..., tuple[TaxiiClient, Script]]
C = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"
T0 = 1_700_000_000_000_000


class DateOnlyServer:
    """A server without next tokens: sorted by date_added, ``added_after`` exclusive,
    ``more`` when objects remain, date headers on non-empty pages. ``cap`` is its own page
    size limit; ``ignore_limit`` makes it answer with ``cap`` objects whatever was asked."""

    def __init__(
        self, dates: list[int], cap: int = 1000, ignore_limit: bool = False, manifest: bool = False
    ) -> None:
        self.rows = [(T0 + d, indicator(n + 1)) for n, d in enumerate(dates)]
        self.rows.sort(key=lambda r: r[0])
        self.cap = cap
        self.ignore_limit = ignore_limit
        self.manifest = manifest

    def __call__(self, request: httpx.Request) -> Reply:
        params = request.url.params
        after = params.get("added_after")
        rows = self.rows
        if after is not None:
            rows = [r for r in rows if r[0] > parse_rfc3339_micros(after)]
        size = self.cap
        if "limit" in params and not self.ignore_limit:
            size = min(size, int(params["limit"]))
        page, more = rows[:size], len(rows) > size
        headers = {}
        if page:
            headers = {
                "X-TAXII-Date-Added-First": format_taxii_timestamp(page[0][0]),
                "X-TAXII-Date-Added-Last": format_taxii_timestamp(page[-1][0]),
            }
        if self.manifest:
            items: list[Any] = [
                {"id": o["id"], "version": o["modified"], "date_added": format_taxii_timestamp(d)}
                for d, o in page
            ]
            return Reply(body={"more": more, "objects": items})
        return Reply(body={"more": more, "objects": [o for _, o in page]}, headers=headers)


def ids(pages: Any) -> list[str]:
    return [o["id"] for page in pages for o in page.items]


def expected(dates: list[int]) -> list[str]:
    order = sorted(range(len(dates)), key=lambda n: dates[n])
    return [indicator(n + 1)["id"] for n in order]


class TestNext:
    """A server that sends ``next`` is followed with the original query plus ``next``."""

    def test_next_repeats_the_original_query(self, scripted: Scripted) -> None:
        """3.4: the follow-up carries the original filters and limit, next, no added_after."""
        first = Reply(
            body={"more": True, "next": "tok-2", "objects": [indicator(1)]},
            headers={"X-TAXII-Date-Added-Last": "2024-01-17T16:11:20.183201Z"},
        )
        second = Reply(body={"more": False, "objects": [indicator(2)]})
        client, script = scripted(replies(first, second))
        pages = list(client.objects_pages(C, Query(types=["indicator"], limit=5)))
        assert ids(pages) == [indicator(1)["id"], indicator(2)["id"]]
        assert dict(script.requests[1].url.params) == {
            "limit": "5",
            "match[type]": "indicator",
            "next": "tok-2",
        }

    def test_forgotten_next_token_continues_by_date(self, scripted: Scripted) -> None:
        """A 400 for an expired next token is answered by continuing from the saved date,
        and the overlap's repeated object is not delivered twice."""
        first = Reply(
            body={"more": True, "next": "tok-2", "objects": [indicator(1)]},
            headers={"X-TAXII-Date-Added-Last": "2024-01-17T16:11:20.183201Z"},
        )
        gone = Reply(400, {"title": "next token expired", "http_status": 400})
        rest = Reply(
            body={"more": False, "objects": [indicator(1), indicator(2)]},
            headers={"X-TAXII-Date-Added-Last": "2024-01-17T16:11:21.000000Z"},
        )
        client, script = scripted(replies(first, gone, rest))
        assert ids(client.objects_pages(C)) == [indicator(1)["id"], indicator(2)["id"]]
        assert script.requests[2].url.params["added_after"] == "2024-01-17T16:11:20.183200Z"
        assert "next" not in script.requests[2].url.params


class TestAddedAfterFallback:
    """``more: true`` without ``next`` is walked by date, every object exactly once."""

    @pytest.mark.parametrize(
        ("dates", "limit"),
        [
            ([0, 1, 2, 3, 4, 5, 6], 2),  # no ties
            ([0, 1, 1, 1, 2, 3, 3], 2),  # ties across page boundaries
            ([0, 5, 5, 5, 5, 5, 5, 5, 9], 3),  # one tie spanning more than two pages
            ([7] * 10, 3),  # everything on one date_added
            ([0, 0, 1, 1, 2, 2], 1),  # limit 1, every date tied
        ],
    )
    def test_every_object_once(self, scripted: Scripted, dates: list[int], limit: int) -> None:
        """Ties at page boundaries and ties larger than a page lose and repeat nothing."""
        client, _ = scripted(DateOnlyServer(dates))
        assert ids(client.objects_pages(C, Query(limit=limit))) == expected(dates)

    def test_overlap_asks_one_microsecond_early(self, scripted: Scripted) -> None:
        """added_after is exclusive, so the next request starts just before the last date."""
        client, script = scripted(DateOnlyServer([0, 1, 1], cap=2))
        list(client.objects_pages(C))
        assert script.requests[1].url.params["added_after"] == format_taxii_timestamp(T0)

    def test_server_that_ignores_limit(self, scripted: Scripted) -> None:
        """A server answering with its own page size instead of ``limit`` is read whole."""
        dates = [0, 1, 1, 1, 2, 2, 3, 4, 4, 4, 4]
        client, script = scripted(DateOnlyServer(dates, cap=4, ignore_limit=True))
        assert ids(client.objects_pages(C, Query(limit=2))) == expected(dates)
        assert script.requests[0].url.params["limit"] == "2"

    def test_tie_larger_than_the_servers_page_stalls(self, scripted: Scripted) -> None:
        """A tie bigger than the server will ever send is an error, not a silent skip."""
        client, _ = scripted(DateOnlyServer([0, 1, 1, 1, 1, 1, 2], cap=3))
        with pytest.raises(PagingStalled, match="3 or more objects share date_added"):
            ids(client.objects_pages(C))

    def test_manifest_without_headers_uses_record_dates(self, scripted: Scripted) -> None:
        """A manifest page without date headers continues from its records' date_added."""
        dates = [0, 1, 1, 2, 3]
        client, _ = scripted(DateOnlyServer(dates, cap=3, manifest=True))
        got = [r.id for page in client.manifest_pages(C) for r in page.items]
        assert got == expected(dates)

    def test_more_without_next_or_date_is_invalid(self, scripted: Scripted) -> None:
        """more without next and without any date to continue from is a clear error."""
        client, _ = scripted(replies(Reply(body={"more": True, "objects": [indicator(1)]})))
        with pytest.raises(InvalidResponse, match="neither next nor"):
            list(client.objects_pages(C))

    def test_empty_page_without_headers_ends(self, scripted: Scripted) -> None:
        """An empty page without date headers (a quirk) ends the walk and keeps the date."""
        first = Reply(
            body={"more": True, "objects": [indicator(1)]},
            headers={"X-TAXII-Date-Added-Last": "2024-01-17T16:11:20Z"},
        )
        client, _ = scripted(replies(first, Reply(body={"more": True})))
        pages = list(client.objects_pages(C))
        assert ids(pages) == [indicator(1)["id"]]
        assert pages[-1].cursor.date_added_last == "2024-01-17T16:11:20Z"
        assert pages[-1].cursor.more is False


class TestCursor:
    """The cursor after any page resumes with nothing lost and nothing repeated."""

    def test_json_round_trip(self) -> None:
        """A cursor survives json.dumps / json.loads unchanged."""
        cursor = PageCursor("n", "2024-01-01T00:00:00.000000Z", frozenset({("a", "b")}), True, 8, 4)
        assert PageCursor.from_json(json.loads(json.dumps(cursor.to_json()))) == cursor

    @pytest.mark.parametrize(
        "bad",
        [
            None,
            [],
            {"format": 2},
            {"format": 1, "more": "yes", "seen": []},
            {"format": 1, "more": True, "seen": [["a"]]},
            {"format": 1, "more": True, "seen": [], "date_added_last": "yesterday"},
        ],
    )
    def test_foreign_cursor_refused(self, bad: Any) -> None:
        """Anything but a cursor this client wrote raises InvalidCursor."""
        with pytest.raises(InvalidCursor):
            PageCursor.from_json(bad)

    @pytest.mark.parametrize("limit", [1, 2, 3])
    def test_resume_after_every_page(self, scripted: Scripted, limit: int) -> None:
        """Stopping after page k and resuming from its saved cursor gives the full list."""
        dates = [0, 1, 1, 1, 2, 3, 3, 4, 5, 5]
        client, _ = scripted(DateOnlyServer(dates))
        full = list(client.objects_pages(C, Query(limit=limit)))
        for k in range(len(full)):
            client, _ = scripted(DateOnlyServer(dates))
            head = full[: k + 1]
            saved = json.loads(json.dumps(head[-1].cursor.to_json()))
            rest = client.objects_pages(C, Query(limit=limit), PageCursor.from_json(saved))
            assert ids(head) + ids(rest) == expected(dates)

    def test_finished_cursor_gives_only_new_objects(self, scripted: Scripted) -> None:
        """A finished walk's cursor later returns only what was added since, even at the
        same date_added as the last object delivered."""
        server = DateOnlyServer([0, 1, 1])
        client, _ = scripted(server)
        pages = list(client.objects_pages(C, Query(limit=2)))
        server.rows.append((T0 + 1, indicator(50)))
        server.rows.append((T0 + 2, indicator(51)))
        again = list(client.objects_pages(C, Query(limit=2), pages[-1].cursor))
        assert ids(again) == [indicator(50)["id"], indicator(51)["id"]]


class TestTokenOfADateRequest:
    def test_next_of_a_by_date_request_repeats_its_added_after(self) -> None:
        """A token given to a request asked by date is sent with that request's added_after
        (the query it continues), and saved with the cursor."""
        start = PageCursor(None, "2024-05-01T10:00:00.000002Z", frozenset(), True)
        sent_after = start.params({})["added_after"]
        cursor, _ = advance(
            start,
            [("indicator--a", "v1")],
            more=True,
            next_token="t-1",
            date_added_last="2024-05-01T10:00:00.000009Z",
            requested_limit=5,
            requested_after=sent_after,
        )
        assert cursor.params({"limit": "5"}) == {
            "limit": "5",
            "next": "t-1",
            "added_after": "2024-05-01T10:00:00.000001Z",
        }
        assert PageCursor.from_json(cursor.to_json()) == cursor
        assert cursor.without_next().after is None
