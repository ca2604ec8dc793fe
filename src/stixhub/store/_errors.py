"""Errors of the storage layer. They carry no HTTP status: taxii/server maps them.

- ``StoreError``: base of every error raised by :mod:`stixhub.store`.
    - ``NotFound``: the named API root, collection, account, object or status does not exist.
    - ``AlreadyExists``: a create would duplicate a unique name, id, alias or title.
    - ``AmbiguousName``: a name given to find one thing fits several (an alias in two API
      roots, a token id prefix of two tokens).
    - ``InvalidName``: a name breaks the rules for its kind (API root names, account names).
    - ``DatabaseNotReady``: the database has no schema or an older one; run ``stixhub init``.
"""

__all__ = [
    "AlreadyExists",
    "AmbiguousName",
    "DatabaseNotReady",
    "InvalidName",
    "NotFound",
    "StoreError",
]


class StoreError(Exception):
    """Base class: raised when a storage operation cannot be carried out."""


class NotFound(StoreError):
    """Raised when the named API root, collection, account, object or status does not exist."""


class AlreadyExists(StoreError):
    """Raised when a create would duplicate a unique name, id, alias or title."""


class AmbiguousName(StoreError):
    """Raised when a name meant to pick one thing fits several; the message lists them."""


class InvalidName(StoreError):
    """Raised when a name breaks the rules for its kind."""


class DatabaseNotReady(StoreError):
    """Raised when the database schema is missing or older than this version of stixhub."""
