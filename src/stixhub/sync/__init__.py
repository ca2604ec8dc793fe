"""Incremental, resumable sync of a TAXII 2.1 collection into a folder or a local store.

This layer sits beside ``sensor`` and ``export``: it uses the client (``stixhub.client``)
and the store, and the CLI's ``stixhub sync`` is a thin shell over ``run_sync``. Readers of
a synced folder use ``iter_objects`` and ``latest_objects`` (layout: ``stixhub.sync.folder``,
docs/sync.md).
"""

from stixhub.sync._engine import PageSource, Refusal, SyncPage, SyncReport, run_sync
from stixhub.sync._errors import FolderError, StateError, SyncBusy, SyncError
from stixhub.sync._source import client_source
from stixhub.sync._state import Counts, SyncState, load_state
from stixhub.sync._targets import FolderTarget, StoreTarget, Target
from stixhub.sync.folder import iter_objects, latest_objects

__all__ = [
    "Counts",
    "FolderError",
    "FolderTarget",
    "PageSource",
    "Refusal",
    "StateError",
    "StoreTarget",
    "SyncBusy",
    "SyncError",
    "SyncPage",
    "SyncReport",
    "SyncState",
    "Target",
    "client_source",
    "iter_objects",
    "latest_objects",
    "load_state",
    "run_sync",
]
