"""Writing export files atomically: a temporary file, fsync, then ``os.replace``.

Zeek and Suricata re-read their files while running; a reader must see the old file or the
new one, never half of one. The temporary file is in the same directory (a rename is atomic
only within one file system) and starts with a dot, and the directory is fsynced after the
rename so the new name survives a crash.

The new file keeps the mode of the file it replaces (else ``0o644`` less the umask), so a
Zeek or Suricata running as its own user can still read it after a re-export.
``write_tree`` also removes the stale files of a format (``ExportOutput.owned``) after the
new ones are in place: a list that nothing exports any more must not go on blocking.
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
        os.fchmod(fd, _mode_for(path))
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


def _mode_for(path: Path) -> int:
    """The permission bits of the file being replaced, else 0o644 less the umask
    (``mkstemp`` creates 0o600, which the reading daemon's user could not open)."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o644 & ~umask


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


def write_tree(root: Path, files: dict[str, bytes], owned: tuple[str, ...] = ()) -> list[Path]:
    """Write each ``name -> bytes`` under ``root`` atomically; list files come before the
    rules that load them, so a reload between two writes finds every list a rule names.

    Then every file under ``root`` matching a glob of ``owned`` that is not among ``files``
    is removed: the rules naming it were just replaced, so no reload needs it.
    """
    if root.exists() and not root.is_dir():
        raise OutputError(f"{root} is not a directory")
    written = []
    for name in sorted(files, key=lambda n: (not n.startswith("datasets/"), n)):
        path = root / name
        write_atomic(path, files[name])
        written.append(path)
    keep = {root / name for name in files}
    for pattern in owned:
        for stale in sorted(root.glob(pattern)):
            if stale in keep or not stale.is_file():
                continue
            try:
                stale.unlink()
            except OSError as exc:
                raise OutputError(f"cannot remove stale {stale}: {exc.strerror}") from None
    return written
