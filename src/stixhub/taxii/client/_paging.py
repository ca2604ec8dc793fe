"""Paging state: which request comes next, and which objects were already delivered.

TAXII 2.1 section 3.4 gives two ways through a long result. A server that sends ``next``
gets the original query plus ``next`` (nothing else changes, case B12). A server that
answers ``more: true`` without ``next`` (or pages a manifest or versions list without it) is
walked by ``added_after``: the last ``X-TAXII-Date-Added-Last`` seen. ``added_after`` is
exclusive, so asking from that instant itself would drop every object sharing it that the
page did not hold; the client asks from one microsecond earlier and drops what it already
delivered, by (id, version). Because pages are sorted by ``date_added``, only objects of
pages whose last ``date_added`` equals the newest one can come back, so those are the only
ones remembered. A tie larger than a page is read with a doubled ``limit`` until the whole
tie fits; a server that will not send more raises ``PagingStalled`` rather than skip.

The same state, as a :class:`PageCursor`, is what a caller saves after each page; a cursor
of a finished walk continues later with only what was added since (docs/client.md).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from stixhub.stix import InvalidTimestamp, format_taxii_timestamp, parse_rfc3339_micros
from stixhub.taxii.client._errors import InvalidCursor, InvalidResponse, PagingStalled

__all__ = ["CURSOR_FORMAT", "MAX_REPEATED_PAGES", "ItemKey", "PageCursor", "StallWatch", "advance"]

CURSOR_FORMAT = 1
"""The ``format`` written into every saved cursor; another value is refused."""

ItemKey = tuple[str, str]
"""What makes a delivered item unique: (object id, version)."""

MAX_REPEATED_PAGES = 10
"""Pages in a row that say ``more`` but repeat what the walk already had, before
``PagingStalled``: a server looping (the same page with fresh tokens, or a token refused
and the by-date request answering the same page again) would otherwise be paged forever."""


@dataclass(frozen=True, slots=True)
class PageCursor:
    """A position in a paged result, safe to save as JSON and to resume from.

    - ``next``: the server's token for the following page, if it gave one.
    - ``date_added_last``: the newest ``X-TAXII-Date-Added-Last`` delivered so far.
    - ``seen``: (id, version) of the items delivered at that instant.
    - ``more``: whether the server said more was waiting after the last page.
    - ``limit``: a larger page size while reading a tie bigger than a page.
    - ``tie_size``: how many items the last stalled page held (to see a server refuse more).
    - ``after``: the ``added_after`` of the by-date request that gave ``next``; the token
      continues that request, so it is sent with it (medallion refuses the token alone).
    """

    next: str | None = None
    date_added_last: str | None = None
    seen: frozenset[ItemKey] = frozenset()
    more: bool = True
    limit: int | None = None
    tie_size: int | None = None
    after: str | None = None

    @property
    def started(self) -> bool:
        """Whether any page was read under this cursor."""
        return self.next is not None or self.date_added_last is not None or not self.more

    def to_json(self) -> dict[str, Any]:
        """The cursor as a JSON-serialisable dict (sorted, so equal cursors write equally)."""
        return {
            "format": CURSOR_FORMAT,
            "next": self.next,
            "date_added_last": self.date_added_last,
            "seen": sorted([list(key) for key in self.seen]),
            "more": self.more,
            "limit": self.limit,
            "tie_size": self.tie_size,
            "after": self.after,
        }

    @classmethod
    def from_json(cls, value: Any) -> "PageCursor":
        """Read back what :meth:`to_json` wrote; anything else raises ``InvalidCursor``."""
        if not isinstance(value, Mapping) or value.get("format") != CURSOR_FORMAT:
            raise InvalidCursor("not a stixhub paging cursor (format 1)")
        nxt, last, seen, more = (value.get(k) for k in ("next", "date_added_last", "seen", "more"))
        limit, tie, after = value.get("limit"), value.get("tie_size"), value.get("after")
        if not (
            (nxt is None or isinstance(nxt, str))
            and (last is None or isinstance(last, str))
            and (after is None or isinstance(after, str))
            and isinstance(more, bool)
            and isinstance(seen, list)
            and all(
                isinstance(k, list) and len(k) == 2 and all(isinstance(p, str) for p in k)
                for k in seen
            )
            and all(
                v is None or (isinstance(v, int) and not isinstance(v, bool) and v > 0)
                for v in (limit, tie)
            )
        ):
            raise InvalidCursor("a paging cursor field has the wrong type")
        if last is not None:
            try:
                parse_rfc3339_micros(last)
            except InvalidTimestamp:
                raise InvalidCursor("the cursor's date_added_last is not a timestamp") from None
        return cls(nxt, last, frozenset((k[0], k[1]) for k in seen), more, limit, tie, after)

    def params(self, query: Mapping[str, str]) -> dict[str, str]:
        """The query parameters of the request that continues from this cursor."""
        out = dict(query)
        if self.next is not None:
            out["next"] = self.next
            if self.after is not None:
                out["added_after"] = self.after
            return out
        if self.date_added_last is not None:
            micros = parse_rfc3339_micros(self.date_added_last) - 1
            out["added_after"] = format_taxii_timestamp(micros)
            if self.limit is not None:
                out["limit"] = str(self.limit)
        return out

    def without_next(self) -> "PageCursor":
        """The same position without the server's token (when the server forgot it)."""
        return replace(self, next=None, after=None)


def _instant(value: str, what: str) -> int:
    try:
        return parse_rfc3339_micros(value)
    except InvalidTimestamp:
        raise InvalidResponse(f"{what} {value!r} is not an RFC 3339 timestamp") from None


def advance(
    cursor: PageCursor,
    keys: Iterable[ItemKey],
    *,
    more: bool,
    next_token: str | None,
    date_added_last: str | None,
    requested_limit: int | None,
    requested_after: str | None = None,
) -> tuple[PageCursor, list[bool]]:
    """The cursor after a page, and for each item whether it is new (to be delivered).

    ``keys`` are the page's items in order; ``requested_limit`` is the ``limit`` the request
    carried, ``requested_after`` its ``added_after`` when it was asked by date. Raises
    ``InvalidResponse`` when the server says more but gives neither ``next`` nor a date to
    continue from, and ``PagingStalled`` when a tie cannot be read whole.
    """
    page_keys = list(keys)
    fresh = [key not in cursor.seen for key in page_keys]
    by_date = cursor.next is None and cursor.date_added_last is not None
    seen = set(cursor.seen)
    last = cursor.date_added_last
    if date_added_last is not None and page_keys:
        newer = last is None or _instant(date_added_last, "X-TAXII-Date-Added-Last") > _instant(
            last, "date_added_last"
        )
        if newer:
            seen, last = set(), date_added_last
    if last is None:
        # No date at all (a server with next tokens and no date headers): nothing can be
        # asked by date, so remembering every key would only grow the cursor (and the
        # state a sync rewrites every page). The last page's keys still catch a repeat.
        seen = set(page_keys)
    else:
        # Without a date, the page's items are still at or after ``last``: remember them.
        seen.update(page_keys)
    if more and next_token is not None:
        after = requested_after if by_date else cursor.after
        return PageCursor(next_token, last, frozenset(seen), True, after=after), fresh
    if not more or not page_keys:
        return PageCursor(None, last, frozenset(seen), False), fresh
    if last is None:
        raise InvalidResponse(
            "the server says more objects wait but sends neither next nor "
            "X-TAXII-Date-Added-Last to continue from"
        )
    if not by_date or last != cursor.date_added_last:
        return PageCursor(None, last, frozenset(seen), True), fresh
    # Asked from just before ``last`` and still at ``last``: inside a tie.
    limit, tie = cursor.limit, cursor.tie_size
    if not any(fresh):
        if tie is not None and len(page_keys) <= tie:
            raise PagingStalled(
                f"{len(page_keys)} or more objects share date_added {last}, a whole page even "
                "when more was asked for, and the server sends no next token: continuing "
                "could skip some of them"
            )
        limit = 2 * max(requested_limit or 0, len(page_keys))
        tie = len(page_keys)
    return PageCursor(None, last, frozenset(seen), True, limit, tie), fresh


class StallWatch:
    """Watches one walk for a server that says ``more`` while going nowhere.

    A page that delivers nothing new and leaves the date where it was is idle. Walking
    through already delivered objects is normal (a resumed tie, an overlap), but each such
    page brings keys the idle run had not shown yet; a page that brings none repeats, and
    ``max_repeats`` repeats in a row raise ``PagingStalled``. The keys kept are a subset of
    the cursor's ``seen`` plus one page, so this costs no more memory than the cursor.
    """

    def __init__(self, max_repeats: int = MAX_REPEATED_PAGES) -> None:
        self.max_repeats = max_repeats
        self._shown: set[ItemKey] = set()
        self._repeats = 0

    def observe(
        self, keys: list[ItemKey], fresh: list[bool], before: PageCursor, after: PageCursor
    ) -> None:
        """Account for one page; raises ``PagingStalled`` when the walk loops."""
        if any(fresh) or not after.more or after.date_added_last != before.date_added_last:
            self._shown.clear()
            self._repeats = 0
            return
        unshown = set(keys) - self._shown
        if unshown:
            self._shown |= unshown
            self._repeats = 0
            return
        self._repeats += 1
        if self._repeats >= self.max_repeats:
            raise PagingStalled(
                f"the server answered {self._repeats} pages in a row that say more objects "
                "wait but hold nothing new and do not move past date_added "
                f"{after.date_added_last or '(none sent)'}: stopped instead of paging forever"
            )
