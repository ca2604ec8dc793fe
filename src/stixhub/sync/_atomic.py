"""Writing files so that a reader, a crash or a kill never sees half of one.

The bytes go to a temporary file in the same directory (so the rename cannot cross file
systems), are flushed to disk, and the temporary file is renamed over the target with
``os.replace``, which POSIX makes atomic. The temporary name is derived from the target
(``.NAME.tmp``), not random: a writer killed half-way leaves at most that one file, and the
next write of the same target truncates and renames it away, so a resumed sync heals what
the killed one left. Two writers of one target at once are prevented by the sync's lock.

One file alone (the state file) is flushed with its own ``fsync``. A page of files is
flushed as a batch (``stage`` for each, ``flush_file_system``, the renames,
``flush_file_system`` again): what matters is that every file's bytes are on disk before
its name points at them, and every name before the state moves past the page, not that
each file is flushed by itself. An ``fsync`` per file costs a journal commit and a disk
cache flush each (0.25 to 0.35 ms per file measured on ext4 here, even four at a time); two
``syncfs`` calls per page of 1,000 files cost about as much as 200 of them.
"""

import ctypes
import os
import sys
from pathlib import Path

__all__ = [
    "flush_file_system",
    "fsync_directory",
    "stage",
    "temporary_name",
    "write_atomically",
]


def temporary_name(target: Path) -> Path:
    """Where the bytes of ``target`` wait before the rename; readers skip dot files."""
    return target.with_name(f".{target.name}.tmp")


def _write_all(path: Path, data: bytes, *, fsync: bool) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if fsync:
            os.fsync(fd)
    finally:
        os.close(fd)


def stage(target: Path, data: bytes) -> Path:
    """Write ``data`` to the temporary file of ``target``, unflushed; returns its path.

    The caller flushes (``flush_file_system``) before renaming it over ``target``.
    """
    temporary = temporary_name(target)
    _write_all(temporary, data, fsync=False)
    return temporary


def write_atomically(target: Path, data: bytes, *, sync_directory: bool = False) -> None:
    """Replace ``target`` with ``data`` atomically and durably.

    ``sync_directory`` also flushes the rename itself, which a file that records progress
    (the state file) needs: after a power cut it must not point past what it describes.
    """
    temporary = temporary_name(target)
    _write_all(temporary, data, fsync=True)
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


def _libc_syncfs() -> "ctypes._NamedFuncPointer | None":
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _libc_syncfs()


def flush_file_system(path: Path) -> None:
    """Flush everything written to the file system that holds ``path``: file contents,
    new directories and renames, and wait until the disk has them.

    Linux ``syncfs(2)`` flushes one file system and (since Linux 5.8) reports a failed
    write-back as an error, which is raised as ``OSError``; elsewhere ``os.sync()``
    flushes every file system.
    """
    if _SYNCFS is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno), str(path))
    finally:
        os.close(fd)
