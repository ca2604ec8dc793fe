"""Lines of a log file, one at a time: plain or gzip (by magic bytes), read once or followed.

Text is decoded as UTF-8; a byte that is not UTF-8 becomes the text ``\\xNN`` (the spelling
Zeek itself uses), so a broken byte never stops a reader and never reaches the STIX output
as a lone surrogate. Follow mode is ``tail -F``: at the end of the file it waits for more,
and when the path names a new file (rotation: another inode, or the file got shorter) it
finishes the old one and goes on with the new one from its first line.
"""

import gzip
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from stixhub.sensor._errors import UnsupportedLog

__all__ = ["GZIP_MAGIC", "iter_blocks", "iter_lines", "open_text", "peek_lines"]

GZIP_MAGIC = b"\x1f\x8b"
_POLL_SECONDS = 0.05
_BLOCK_CHARS = 1 << 14
"""About how much text ``iter_blocks`` reads at a time: about a hundred lines."""


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(2) == GZIP_MAGIC


def open_text(path: Path) -> IO[str]:
    """The file as text, decompressed when it starts with the gzip magic bytes."""
    try:
        if _is_gzip(path):
            return io.TextIOWrapper(
                gzip.open(path, "rb"), encoding="utf-8", errors="backslashreplace", newline=""
            )
        return path.open(encoding="utf-8", errors="backslashreplace", newline="")
    except OSError as error:
        raise UnsupportedLog(f"cannot read {path}: {error.strerror or error}") from error


def peek_lines(path: Path, count: int) -> list[str]:
    """The first ``count`` lines of the file (fewer if it is shorter), for format detection."""
    lines: list[str] = []
    with open_text(path) as text:
        try:
            for line in text:
                lines.append(line)
                if len(lines) >= count:
                    break
        except (OSError, EOFError) as error:  # a damaged gzip stream
            raise UnsupportedLog(f"cannot read {path}: {error}") from error
    return lines


def iter_lines(
    path: Path, *, follow: bool = False, stop: threading.Event | None = None
) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) for every line; followed until ``stop`` is set.

    Without ``follow`` the last line counts even without a newline. With it, a line is only
    given once its newline is written (a writer may be half-way through it), a gzip file is
    read once (compressed logs are rotated, finished files), and the iterator ends when
    ``stop`` is set and everything written so far has been given.
    """
    if not follow or _is_gzip(path):
        return _read_once(path)  # the reader's generator itself: a level less per line
    return _follow(path, stop or threading.Event())


def iter_blocks(
    path: Path, *, follow: bool = False, stop: threading.Event | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(number of the first line, lines) for the lines ``iter_lines`` gives, in blocks.

    Read once, a block is what ``readlines`` gives for about 16 KiB of text, each line with
    its end still on (a reader strips it, ``rstrip("\\r\\n")``, as ``iter_lines`` does);
    followed, each line is a block of its own, given as soon as it is complete.
    """
    if not follow or _is_gzip(path):
        return _blocks_once(path)
    return ((number, [line]) for number, line in _follow(path, stop or threading.Event()))


def _follow(path: Path, stop: threading.Event) -> Iterator[tuple[int, str]]:
    while True:
        text = open_text(path)
        with text:
            inode = os.fstat(text.fileno()).st_ino
            number = 0
            pending = ""
            while True:
                line = text.readline()
                if line.endswith("\n"):
                    number += 1
                    yield number, (pending + line).rstrip("\r\n")
                    pending = ""
                    continue
                pending += line
                if _replaced(path, inode, text.tell()):
                    if pending:
                        number += 1
                        yield number, pending.rstrip("\r")
                    break  # go on with the new file at the same path
                if stop.is_set():
                    return
                stop.wait(_POLL_SECONDS)


def _replaced(path: Path, inode: int, position: int) -> bool:
    """Whether the path now names another file, or the file was cut below what was read."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return False  # between the rename and the new file: wait for it
    return status.st_ino != inode or status.st_size < position


def _read_once(path: Path) -> Iterator[tuple[int, str]]:
    with open_text(path) as text:
        try:
            for number, line in enumerate(text, 1):
                yield number, line.rstrip("\r\n")
        except (OSError, EOFError) as error:  # a damaged or truncated gzip stream
            raise UnsupportedLog(f"cannot read {path}: {error}") from error


def _blocks_once(path: Path) -> Iterator[tuple[int, list[str]]]:
    with open_text(path) as text:
        number = 1
        try:
            while block := text.readlines(_BLOCK_CHARS):
                yield number, block
                number += len(block)
        except (OSError, EOFError) as error:  # a damaged or truncated gzip stream
            raise UnsupportedLog(f"cannot read {path}: {error}") from error
