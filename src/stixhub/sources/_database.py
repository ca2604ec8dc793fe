"""A database source: one collection of a stixhub database, read through the Store interface.

The source string is the database URL and the collection after ``#``:
``sqlite:///hub.db#indicators`` or ``postgresql+psycopg://host/db#<collection id>``. The
collection is named as every admin command names one (``stixhub.store.resolve_collection``:
id, alias, title or ``API_ROOT/NAME``), so a consumer can use the name it sees in
``stixhub collection list``. Only the latest version of each object is read
(``match[version]=last``, the store's default), page by page in ``date_added`` order.
"""

from collections.abc import Iterator
from typing import Any

import orjson
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from stixhub.sources._errors import BadSource, SourceNotFound
from stixhub.sources._redact import redact
from stixhub.store import (
    AmbiguousName,
    DatabaseNotReady,
    NotFound,
    ObjectQuery,
    Store,
    StoreError,
    open_store,
    resolve_collection,
)

__all__ = ["database_objects"]

_PAGE = 1000


def database_objects(url: str, collection: str) -> list[dict[str, Any]]:
    """The latest version of every object in the collection; typed errors for bad names."""
    if not collection:
        raise BadSource("a database source names its collection after '#': URL#COLLECTION")
    try:
        store = open_store(url)
    except DatabaseNotReady as exc:
        raise SourceNotFound(str(exc)) from None
    except (ArgumentError, SQLAlchemyError, StoreError) as exc:
        raise BadSource(f"cannot open database {redact(url)}: {redact(_first_line(exc))}") from None
    try:
        return list(_read(store, collection))
    except (SQLAlchemyError, StoreError) as exc:
        if isinstance(exc, NotFound):
            raise SourceNotFound(str(exc)) from None
        if isinstance(exc, AmbiguousName):
            raise BadSource(str(exc)) from None
        raise BadSource(f"cannot read database {redact(url)}: {redact(_first_line(exc))}") from None
    finally:
        store.close()


def _read(store: Store, key: str) -> Iterator[dict[str, Any]]:
    collection_id = resolve_collection(store, key).id
    after: int | None = None
    while True:
        page = store.get_objects(collection_id, ObjectQuery(limit=_PAGE, after=after))
        for record in page.records:
            obj = orjson.loads(record.body)
            if isinstance(obj, dict):
                yield obj
        if not page.more or not page.records:
            return
        after = page.records[-1].date_added


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
