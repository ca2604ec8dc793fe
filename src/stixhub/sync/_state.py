"""The state file of a sync: where it stands in the source collection, and what it did.

It is rewritten atomically (``_atomic``) after every page, once that page is durable in the
target, so a sync killed at any instant restarts from the last page it finished: that page's
objects may be written again (which stores nothing new) but none is skipped. The file names
the source (server URL and collection id), the query (its filters) and the target it
belongs to: the position means nothing elsewhere, and continuing another feed or another
query from it would silently drop objects.
"""

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson

from stixhub.sync._atomic import write_atomically
from stixhub.sync._errors import StateError, SyncBusy

__all__ = ["STATE_FORMAT", "Counts", "SyncState", "load_state", "lock_state", "save_state"]

STATE_FORMAT = 1


@dataclass
class Counts:
    """What a sync did, object by object: received from the server, and each outcome."""

    pages: int = 0
    received: int = 0
    stored: int = 0
    unchanged: int = 0
    refused: int = 0

    def add(self, other: "Counts") -> None:
        """Add another tally to this one."""
        self.pages += other.pages
        self.received += other.received
        self.stored += other.stored
        self.unchanged += other.unchanged
        self.refused += other.refused


@dataclass
class SyncState:
    """One sync's position: source, target, the client's paging cursor and the totals."""

    server: str
    collection: str
    target: str
    cursor: dict[str, Any] | None = None
    totals: Counts = field(default_factory=Counts)
    query: dict[str, Any] | None = None

    def check_same(
        self, server: str, collection: str, target: str, query: dict[str, Any] | None = None
    ) -> None:
        """Refuse to continue another source, target or query from this position.

        The query matters as much as the source: a position reached with ``--type
        indicator`` is past the older objects of every other type, so continuing it
        without the filter would never fetch them. A state written before queries were
        recorded has none and takes the current one.
        """
        for what, mine, asked in (
            ("server", self.server, server),
            ("collection", self.collection, collection),
            ("target", self.target, target),
        ):
            if mine != asked:
                raise StateError(
                    f"the state file belongs to {what} {mine}, not {asked}: "
                    "use another --state file for another feed"
                )
        if self.query is None:
            self.query = query
        elif query is not None and self.query != query:
            raise StateError(
                f"the state file belongs to the query {_shown(self.query)}, not "
                f"{_shown(query)}: its position would skip objects of that query; use "
                "another --state file, or the same filters"
            )


def _shown(query: dict[str, Any]) -> str:
    return orjson.dumps(query, option=orjson.OPT_SORT_KEYS).decode()


def save_state(path: Path, state: SyncState) -> None:
    """Replace the state file atomically and durably."""
    document = {"format": STATE_FORMAT, **asdict(state)}
    try:
        write_atomically(
            path, orjson.dumps(document, option=orjson.OPT_INDENT_2), sync_directory=True
        )
    except OSError as exc:
        raise StateError(f"cannot write state file {path}: {exc.strerror or exc}") from None


def load_state(path: Path) -> SyncState | None:
    """The saved state, or None when the file does not exist yet (a first sync)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateError(f"cannot read state file {path}: {exc.strerror or exc}") from None
    try:
        document = orjson.loads(raw)
        if not isinstance(document, dict) or document.get("format") != STATE_FORMAT:
            raise TypeError("format")
        totals = document["totals"]
        counts = Counts(**{k: int(totals[k]) for k in asdict(Counts())})
        cursor = document["cursor"]
        if cursor is not None and not isinstance(cursor, dict):
            raise TypeError("cursor")
        server, collection, target = (document[k] for k in ("server", "collection", "target"))
        if not all(isinstance(v, str) for v in (server, collection, target)):
            raise TypeError("source")
        query = document.get("query")
        if query is not None and not isinstance(query, dict):
            raise TypeError("query")
        return SyncState(server, collection, target, cursor=cursor, totals=counts, query=query)
    except (orjson.JSONDecodeError, TypeError, KeyError, ValueError):
        raise StateError(f"{path} is not a stixhub sync state file") from None


@contextmanager
def lock_state(path: Path) -> Iterator[None]:
    """Hold ``PATH.lock`` for the whole sync: two syncs on one state would race each other.

    The lock is the kernel's (flock), so a killed sync never leaves it held.
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StateError(f"cannot open {lock_path}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncBusy(f"another sync is running with the state file {path}") from None
        yield
    finally:
        os.close(fd)
