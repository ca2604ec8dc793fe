"""Errors of intelligence sources. They carry no exit codes: the CLI maps them (exit 2).

- ``SourceError``: base of every error raised by :mod:`stixhub.sources`.
    - ``SourceNotFound``: the string names nothing that exists (no such file, folder,
      collection).
    - ``BadSource``: the string names something that cannot be read as intelligence (an
      unreadable file, a URL that is no TAXII collection URL, a broken synced folder).
"""

__all__ = ["BadSource", "SourceAuthFailed", "SourceError", "SourceNotFound"]


class SourceError(Exception):
    """Base class: raised when a source cannot be opened or read."""


class SourceNotFound(SourceError):
    """Raised when a source names a file, folder or collection that does not exist."""


class BadSource(SourceError):
    """Raised when a source exists but cannot be read as STIX objects."""


class SourceAuthFailed(SourceError):
    """Raised when a TAXII source refuses the credentials given, or the server's pin fails."""
