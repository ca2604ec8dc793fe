"""Persistence: the Store interface and its SQL implementation (SQLite and PostgreSQL).

This layer knows STIX but not HTTP.
"""

from stixhub.store._credentials import (
    hash_password,
    hash_token,
    new_token,
    verify_password,
)
from stixhub.store._errors import (
    AlreadyExists,
    DatabaseNotReady,
    InvalidName,
    NotFound,
    StoreError,
)
from stixhub.store._ingest import add_objects
from stixhub.store._interface import Store
from stixhub.store._model import (
    Account,
    AddOutcome,
    AddResult,
    ApiRoot,
    Clock,
    Collection,
    ManifestRecord,
    ObjectQuery,
    Page,
    Rights,
    StatusRecord,
    StoredObject,
    VersionFilter,
)
from stixhub.store._sql._engine import make_engine, migrate
from stixhub.store._sql._store import SqlStore, system_clock

__all__ = [
    "Account",
    "AddOutcome",
    "AddResult",
    "AlreadyExists",
    "ApiRoot",
    "Clock",
    "Collection",
    "DatabaseNotReady",
    "InvalidName",
    "ManifestRecord",
    "NotFound",
    "ObjectQuery",
    "Page",
    "Rights",
    "SqlStore",
    "StatusRecord",
    "Store",
    "StoreError",
    "StoredObject",
    "VersionFilter",
    "add_objects",
    "hash_password",
    "hash_token",
    "make_engine",
    "migrate",
    "new_token",
    "open_store",
    "system_clock",
    "verify_password",
]


def open_store(url: str, clock: Clock = system_clock) -> SqlStore:
    """Open the store at a database URL (the schema must be current: see ``migrate``)."""
    return SqlStore(make_engine(url), clock=clock)
