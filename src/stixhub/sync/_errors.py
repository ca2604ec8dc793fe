"""Errors of the sync engine. They carry no exit codes: cli/_errors.py maps them.

- ``SyncError``: base of every error raised by :mod:`stixhub.sync`.
    - ``FolderError``: a synced folder cannot be read or written (not a synced folder, a
      file that is not JSON, a disk error).
    - ``StateError``: the state file cannot be read, or it belongs to another server URL or
      collection than the one asked for.
    - ``SyncBusy``: another sync holds the lock of the same state file or target.
"""

__all__ = ["FolderError", "StateError", "SyncBusy", "SyncError"]


class SyncError(Exception):
    """Base class: raised when a sync or a synced folder cannot be carried on."""


class FolderError(SyncError):
    """Raised when a synced folder cannot be read or written."""


class StateError(SyncError):
    """Raised when the state file is unreadable or names another server or collection."""


class SyncBusy(SyncError):
    """Raised when another sync is running on the same state file or target right now."""
