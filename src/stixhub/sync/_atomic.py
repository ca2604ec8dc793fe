"""Writing a file so that a reader, a crash or a kill never sees half of it.

The bytes go to a temporary file in the same directory (so the rename cannot cross file
systems), are flushed to disk with fsync, and the temporary file is renamed over the target
with ``os.replace``, which POSIX makes atomic. The temporary name is derived from the target
(``.NAME.tmp``), not random: a writer killed half-way leaves at most that one file, and the
next write of the same target truncates and renames it away, so a resumed sync heals what
the killed one left. Two writers of one target at once are prevented by the sync's lock.
"""

import os
from pathlib import Path

__all__ = ["fsync_directory", "temporary_name", "write_atomically"]


def temporary_name(target: Path) -> Path:
    """Where the bytes of ``target`` wait before the rename; readers skip dot files."""
    return target.with_name(f".{target.name}.tmp")


def write_atomically(target: Path, data: bytes, *, sync_directory: bool = False) -> None:
    """Replace ``target`` with ``data`` atomically and durably.

    ``sync_directory`` also flushes the rename itself, which a file that records progress
    (the state file) needs: after a power cut it must not point past what it describes.
    """
    temporary = temporary_name(target)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, target)
    if sync_directory:
        fsync_directory(target.parent)


def fsync_directory(path: Path) -> None:
    """Flush a directory's entries (new names, renames) to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
