"""Incremental, resumable sync of a TAXII 2.1 collection into a folder or a local store.

This layer sits beside ``sensor`` and ``export``: it uses the client (``stixhub.client``)
and the store, and the CLI's ``stixhub sync`` is a thin shell over it.
"""

from stixhub.sync._errors import FolderError, StateError, SyncBusy, SyncError
from stixhub.sync.folder import iter_objects, latest_objects

__all__ = [
    "FolderError",
    "StateError",
    "SyncBusy",
    "SyncError",
    "iter_objects",
    "latest_objects",
]
