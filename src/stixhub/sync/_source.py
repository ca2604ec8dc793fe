"""Pages of a remote collection for the sync loop, from the TAXII client.

The client does the paging (``next``, or ``added_after`` with exact ties) and hands a
cursor after every page; the sync keeps that cursor as JSON in its state file. A finished
cursor asks for what was added since, which is what makes a later run incremental.

Two choices here keep a sync fast without changing what it delivers:

* **One page of lookahead.** While the sync writes page N, a thread already fetches page
  N+1 (the request needs only page N's cursor). At most one page waits; a page is handed
  over only after the previous one was consumed, so the state still moves page by page.
* **Resume by date.** A run that starts from a saved cursor with a date continues by
  ``added_after`` (the client's exact-tie handling), not with the saved ``next`` token.
  A token may be single-use (medallion consumes it as it answers, and the lookahead above
  always has), so a token saved before a crash can point past a page that was received but
  never stored. Asking by date costs one overlapping page, whose repeats the client drops.
"""

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

from stixhub.client import Page, PageCursor, Query, TaxiiClient
from stixhub.sync._engine import PageSource, SyncPage

__all__ = ["client_source", "resume_cursor"]


def resume_cursor(saved: dict[str, Any] | None) -> PageCursor | None:
    """The position a new run starts from: the saved one, by date when it has a date."""
    if saved is None:
        return None
    cursor = PageCursor.from_json(saved)
    return cursor.without_next() if cursor.date_added_last is not None else cursor


def client_source(
    client: TaxiiClient, collection_id: str, query: Query, api_root: str
) -> PageSource:
    """The pages of Get Objects of one collection, resumable from a saved cursor.

    ``query`` should ask for every version (``versions=("all",)``): with the server's
    default (the last version only) a first sync would miss the history of each object.
    """

    def pages(saved: dict[str, Any] | None) -> Iterator[SyncPage]:
        walk = client.objects_pages(collection_id, query, resume_cursor(saved), api_root)
        with ThreadPoolExecutor(1, thread_name_prefix="stixhub-sync-fetch") as fetcher:
            ahead: Future[Page[dict[str, Any]] | None] = fetcher.submit(next, walk, None)
            try:
                while (page := ahead.result()) is not None:
                    if page.cursor.more:
                        ahead = fetcher.submit(next, walk, None)
                    yield SyncPage(page.items, page.cursor.to_json())
                    if not page.cursor.more:
                        return
            finally:
                # A consumer that stops early (an error in the target) lets the page in
                # flight arrive, then leaves the walk; nothing fetched ahead is delivered.
                wait([ahead])
                close = getattr(walk, "close", None)
                if close is not None:
                    close()

    return pages
