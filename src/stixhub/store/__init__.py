"""Persistence: the Store interface and its SQL implementation (SQLite and PostgreSQL).

This layer knows STIX but not HTTP.
"""

from pathlib import Path

from sqlalchemy.engine import make_url

from stixhub.store._credentials import (
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from stixhub.store._errors import (
    AlreadyExists,
    AmbiguousName,
    DatabaseNotReady,
    InvalidName,
    NotFound,
    StoreError,
)
from stixhub.store._identities import bind_identity, check_identity
from stixhub.store._inbox import INBOX_TYPES
from stixhub.store._ingest import add_objects
from stixhub.store._interface import Store
from stixhub.store._model import (
    Account,
    AccountSummary,
    AddOutcome,
    AddResult,
    ApiRoot,
    BoundIdentity,
    Clock,
    Collection,
    IndicatorText,
    ManifestRecord,
    ObjectQuery,
    Page,
    Rights,
    SightingFacts,
    SightingSummary,
    StatusRecord,
    StoredObject,
    TokenRecord,
    VersionFilter,
)
from stixhub.store._resolve import resolve_collection
from stixhub.store._sql._engine import make_engine, migrate
from stixhub.store._sql._store import TOKEN_ID_LENGTH, SqlStore, system_clock
from stixhub.store._summary import sightings_summary

__all__ = [
    "INBOX_TYPES",
    "TOKEN_ID_LENGTH",
    "Account",
    "AccountSummary",
    "AddOutcome",
    "AddResult",
    "AlreadyExists",
    "AmbiguousName",
    "ApiRoot",
    "BoundIdentity",
    "Clock",
    "Collection",
    "DatabaseNotReady",
    "IndicatorText",
    "InvalidName",
    "ManifestRecord",
    "NotFound",
    "ObjectQuery",
    "Page",
    "Rights",
    "SightingFacts",
    "SightingSummary",
    "SqlStore",
    "StatusRecord",
    "Store",
    "StoreError",
    "StoredObject",
    "TokenRecord",
    "VersionFilter",
    "add_objects",
    "bind_identity",
    "check_identity",
    "hash_password",
    "hash_token",
    "make_engine",
    "migrate",
    "new_token",
    "open_store",
    "resolve_collection",
    "sightings_summary",
    "system_clock",
    "verify_password",
]


def open_store(url: str, clock: Clock = system_clock) -> SqlStore:
    """Open the store at a database URL (the schema must be current: see ``migrate``).

    A SQLite file that does not exist is an error here, not an empty file made as a side
    effect: only ``migrate`` (``stixhub init``) creates databases.
    """
    parsed = make_url(url)
    database = parsed.database or ""
    on_disk = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if on_disk and not Path(database).exists():
        raise DatabaseNotReady(f"there is no database {database}: run 'stixhub init' first")
    return SqlStore(make_engine(url), clock=clock)
