"""Pages of a remote collection for the sync loop, from the TAXII client.

The client does the paging (``next``, or ``added_after`` with exact ties) and hands a
cursor after every page; the sync keeps that cursor as JSON in its state file. A finished
cursor asks for what was added since, which is what makes a later run incremental.
"""

from collections.abc import Iterator
from typing import Any

from stixhub.client import PageCursor, Query, TaxiiClient
from stixhub.sync._engine import PageSource, SyncPage

__all__ = ["client_source"]


def client_source(
    client: TaxiiClient, collection_id: str, query: Query, api_root: str
) -> PageSource:
    """The pages of Get Objects of one collection, resumable from a saved cursor.

    ``query`` should ask for every version (``versions=("all",)``): with the server's
    default (the last version only) a first sync would miss the history of each object.
    """

    def pages(saved: dict[str, Any] | None) -> Iterator[SyncPage]:
        cursor = PageCursor.from_json(saved) if saved is not None else None
        for page in client.objects_pages(collection_id, query, cursor, api_root):
            yield SyncPage(page.items, page.cursor.to_json())

    return pages
