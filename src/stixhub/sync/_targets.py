"""Where a sync puts what it receives: a synced folder, or a collection of a local store.

A target takes one page of objects and returns one ``AddResult`` per object, in order:
stored, unchanged (that version is already there with the same content), or failed (with
why). When ``write`` returns, what it stored is durable, so the caller may save its
position past the page. Writing a page again stores nothing new: that is what makes a
killed sync safe to restart.
"""

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

from stixhub.stix import DoorFailure, PreparedObject, prepare_object
from stixhub.store import AddOutcome, AddResult, Collection, Store, add_objects
from stixhub.sync._atomic import flush_file_system, stage
from stixhub.sync._errors import FolderError
from stixhub.sync.folder import OBJECTS_DIR, object_file

__all__ = ["FolderTarget", "StoreTarget", "Target"]


class Target(Protocol):
    """One page in, one result per object out; durable when it returns."""

    def write(self, objects: Sequence[Any]) -> list[AddResult]:
        """Store one page of received objects."""

    def close(self) -> None:
        """Release what the target holds."""


_Entry = tuple[int, PreparedObject, Any]
"""One object of a page bound for a file: its index in the page, door result, and body."""


class FolderTarget:
    """A synced folder (layout in ``stixhub.sync.folder``).

    Only the door checks apply (``stixhub.stix.prepare_object``: a type, an id and version
    timestamps that make a safe path): a folder keeps what the server sent, and the full
    validator runs where the objects are used. A version already on disk with other content
    is refused and the first one kept, as the hub does (a version has one content); an
    object without ``created`` and ``modified`` has one file, which the newest copy replaces.

    A page is written as a batch (``_atomic``): every new file to its temporary name, one
    flush of the file system, every rename, a second flush. Killed before the renames, the
    page left only temporary files that the next write takes over; killed between them, the
    renamed files are whole, and writing the page again finds them "unchanged".
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            (root / OBJECTS_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FolderError(f"{root}: {exc.strerror or exc}") from None

    def close(self) -> None:
        """Nothing is held between pages."""

    def write(self, objects: Sequence[Any]) -> list[AddResult]:
        """Write one page; versions of the same file are decided in page order."""
        results: list[AddResult | None] = [None] * len(objects)
        by_file: dict[Path, list[_Entry]] = {}
        for index, obj in enumerate(objects):
            try:
                prepared = prepare_object(obj)
            except DoorFailure as failure:
                results[index] = AddResult(
                    failure.object_id, failure.version, AddOutcome.FAILED, failure.message
                )
                continue
            path = object_file(self.root, prepared.type, prepared.id, prepared.version)
            by_file.setdefault(path, []).append((index, prepared, obj))
        try:
            staged: list[tuple[Path, Path]] = []
            made: set[Path] = set()
            for path, entries in by_file.items():
                body = self._decide(path, entries, results)
                if body is not None:
                    if path.parent not in made:
                        path.parent.mkdir(parents=True, exist_ok=True)
                        made.add(path.parent)
                    staged.append((stage(path, body), path))
            if staged:
                # The bytes on disk before any name points at them, the names before the
                # caller saves a position past this page.
                flush_file_system(self.root)
                for temporary, path in staged:
                    os.replace(temporary, path)
                flush_file_system(self.root)
        except OSError as exc:
            raise FolderError(f"{self.root}: {exc.strerror or exc}") from None
        return [r for r in results if r is not None]

    @staticmethod
    def _decide(path: Path, entries: list[_Entry], results: list[AddResult | None]) -> bytes | None:
        """Each entry's outcome against what the file holds (on disk, then as this page
        leaves it); the bytes the file must end up with, or None when it stays as it is."""
        try:
            current: bytes | None = path.read_bytes()
        except FileNotFoundError:
            current = None
        new: bytes | None = None
        for index, prepared, obj in entries:
            version = prepared.version
            # The body as received: the door may add an SCO's implied spec_version.
            body = prepared.body if obj.get("spec_version") is not None else orjson.dumps(obj)
            if current is not None:
                if current == body or _same_json(path, current, body):
                    results[index] = AddResult(prepared.id, version, AddOutcome.UNCHANGED)
                    continue
                if version is not None:
                    results[index] = AddResult(
                        prepared.id,
                        version,
                        AddOutcome.FAILED,
                        f"a different object with id {prepared.id} and version "
                        f"{version} is already in the folder; the first one is kept",
                    )
                    continue
            current = new = body
            results[index] = AddResult(prepared.id, version, AddOutcome.STORED)
        return new


def _same_json(path: Path, current: bytes, body: bytes) -> bool:
    try:
        return bool(orjson.loads(current) == orjson.loads(body))
    except orjson.JSONDecodeError:
        raise FolderError(
            f"{path}: not valid JSON; remove it to let the sync write it again"
        ) from None


class StoreTarget:
    """A collection of a local stixhub store, each version recorded with its origin.

    Objects pass the same door as a TAXII POST (``stixhub.store.add_objects``, the local
    collection's validation policy), one page per transaction.
    """

    def __init__(
        self, store: Store, collection: Collection, origin: str, *, accept_stix20: bool = False
    ) -> None:
        self.store = store
        self.collection = collection
        self.origin = origin
        self.accept_stix20 = accept_stix20

    def close(self) -> None:
        """The store belongs to the caller, who closes it."""

    def write(self, objects: Sequence[Any]) -> list[AddResult]:
        """Store one page atomically; refused objects are reported, not raised."""
        return add_objects(
            self.store,
            self.collection,
            objects,
            accept_stix20=self.accept_stix20,
            origin=self.origin,
        )
