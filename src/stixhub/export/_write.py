"""Writing export files atomically: a temporary file, fsync, then ``os.replace``.

Zeek and Suricata re-read their files while running; a reader must see the old file or the
new one, never half of one. The temporary file is in the same directory (a rename is atomic
only within one file system) and starts with a dot, and the directory is fsynced after the
rename so the new name survives a crash.
"""

import contextlib
import os
import tempfile
from pathlib import Path

from stixhub.export._errors import OutputError

__all__ = ["write_atomic", "write_tree"]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; ``OutputError`` when it cannot."""
    directory = path.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as exc:
        raise OutputError(f"cannot write in {directory}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise OutputError(f"cannot write {path}: {exc.strerror}") from None
    _fsync_dir(directory)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_tree(root: Path, files: dict[str, bytes]) -> list[Path]:
    """Write each ``name -> bytes`` under ``root`` atomically; list files come before the
    rules that load them, so a reload between two writes finds every list a rule names."""
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} is not a directory")
    written = []
    for name in sorted(files, key=lambda n: (not n.startswith("datasets/"), n)):
        path = root / name
        write_atomic(path, files[name])
        written.append(path)
    return written
