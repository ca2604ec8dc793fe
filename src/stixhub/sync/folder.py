"""The synced folder: one file per object version, and the readers other tools use.

``stixhub sync URL COLLECTION --into DIR`` keeps every version it receives as

    DIR/objects/<type>/<id>/<version>.json

where ``<version>`` is the object's ``modified``, else its ``created``, else the literal
``unversioned``, with every ``:`` written as ``-`` (``2024-03-01T10-00-00.000Z.json``). A
file holds the object's JSON as received, UTF-8. Files are written atomically (see
``_atomic``); names starting with a dot are a writer's temporary files and never objects.

Exports and sensors read a folder through ``iter_objects`` (every version) and
``latest_objects`` (the newest version of each id, revoked or not: a revocation is a new
version, and a reader must see it to stop using the object). Layout and readers live in
this one module so the contract is written down once.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from stixhub.stix import InvalidTimestamp, parse_stix_timestamp_key
from stixhub.sync._errors import FolderError

__all__ = [
    "OBJECTS_DIR",
    "UNVERSIONED",
    "iter_objects",
    "latest_objects",
    "object_file",
    "version_file_name",
]

OBJECTS_DIR = "objects"
UNVERSIONED = "unversioned"
_SUFFIX = ".json"


def version_file_name(version: str | None) -> str:
    """The file name of one version: its timestamp with ``-`` for ``:``, or ``unversioned``."""
    return (UNVERSIONED if version is None else version.replace(":", "-")) + _SUFFIX


def object_file(root: Path, type_: str, object_id: str, version: str | None) -> Path:
    """Where a version lives. The caller has checked the parts (``stixhub.stix.prepare_object``):
    a type, an id of the form ``<type>--<UUID>`` and a STIX timestamp hold no path separator."""
    return root / OBJECTS_DIR / type_ / object_id / version_file_name(version)


def _objects_dir(root: Path) -> Path:
    objects = Path(root) / OBJECTS_DIR
    if not objects.is_dir():
        raise FolderError(f"{root} is not a synced folder (it has no {OBJECTS_DIR}/ folder)")
    return objects


def _entries(folder: Path, *, dirs: bool) -> list[os.DirEntry[str]]:
    """The visible entries of one kind, in name order (temporary files start with a dot)."""
    try:
        with os.scandir(folder) as scan:
            found = [
                e
                for e in scan
                if not e.name.startswith(".") and (e.is_dir() if dirs else e.is_file())
            ]
    except OSError as exc:
        raise FolderError(f"{folder}: {exc.strerror or exc}") from None
    return sorted(found, key=lambda e: e.name)


def _id_dirs(root: Path) -> Iterator[Path]:
    for type_dir in _entries(_objects_dir(root), dirs=True):
        for id_dir in _entries(Path(type_dir.path), dirs=True):
            yield Path(id_dir.path)


def _version_files(id_dir: Path) -> list[Path]:
    return [Path(e.path) for e in _entries(id_dir, dirs=False) if e.name.endswith(_SUFFIX)]


def _read(path: Path) -> dict[str, Any]:
    try:
        value = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise FolderError(f"{path}: {exc.strerror or exc}") from None
    except orjson.JSONDecodeError as exc:
        raise FolderError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise FolderError(f"{path}: not a STIX object (a JSON object was expected)")
    return value


def _version_key(path: Path) -> str:
    """The comparison key of a version file's name; ``unversioned`` sorts before any time."""
    stem = path.name[: -len(_SUFFIX)]
    if stem == UNVERSIONED:
        return ""
    timestamp = f"{stem[:13]}:{stem[14:16]}:{stem[17:]}" if len(stem) > 17 else stem
    try:
        return parse_stix_timestamp_key(timestamp)
    except InvalidTimestamp:
        raise FolderError(f"{path}: not a version file of a synced folder") from None


def iter_objects(root: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """Every stored version of every object, ordered by type, id and file name.

    Raises ``FolderError`` when ``root`` is not a synced folder or a file is not an object.
    """
    for id_dir in _id_dirs(Path(root)):
        for path in _version_files(id_dir):
            yield _read(path)


def latest_objects(root: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The newest version of each object by ``modified`` (else ``created``), revoked ones too.

    Two spellings of one instant (``...:00Z`` and ``...:00.000Z``) are the same version in
    STIX; the later file name is taken so the choice never depends on the directory order.
    """
    for id_dir in _id_dirs(Path(root)):
        files = _version_files(id_dir)
        if files:
            yield _read(max(files, key=lambda p: (_version_key(p), p.name)))
