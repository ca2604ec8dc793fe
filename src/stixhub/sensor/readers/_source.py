"""Lines of a log file, a bounded piece at a time: plain or gzip (by magic bytes), read once
or followed.

Text is decoded as UTF-8; a byte that is not UTF-8 becomes the text ``\\xNN`` (the spelling
Zeek itself uses), so a broken byte never stops a reader and never reaches the STIX output
as a lone surrogate. A line ends at ``\\n`` (a ``\\r`` before it is dropped too). Follow
mode is ``tail -F``: at the end of the file it waits for more, and when the path names a new
file (rotation: another inode, or the file got shorter) it finishes the old one and goes on
with the new one from its first line.

A log is untrusted input and is never held whole, not even as one line: text is read in
pieces of about 16 KiB, and a line longer than ``max_line_bytes`` characters is counted as
malformed (its number and the reason in ``ReadStats``) and skipped up to its newline without
its text being kept, so one huge line, or a gzip stream expanding to gigabytes without a
newline, costs no more memory than a line of the limit.
"""

import gzip
import io
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from stixhub.sensor._errors import UnsupportedLog
from stixhub.sensor.readers._stats import ReadStats

__all__ = ["GZIP_MAGIC", "MAX_LINE_BYTES", "iter_blocks", "iter_lines", "open_text", "peek_lines"]

GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE_BYTES = 1 << 20
"""The longest line read (1 MiB), in characters of text: bytes, for the ASCII logs sensors
write (Zeek escapes what is not printable). Zeek and Suricata lines are well under 64 KiB."""
_POLL_SECONDS = 0.05
_BLOCK_CHARS = 1 << 14
"""About how much text is read at a time: about a hundred lines."""


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as raw:
        return raw.read(2) == GZIP_MAGIC


def open_text(path: Path) -> IO[str]:
    """The file as text, decompressed when it starts with the gzip magic bytes."""
    try:
        if _is_gzip(path):
            return io.TextIOWrapper(
                gzip.open(path, "rb"), encoding="utf-8", errors="backslashreplace", newline="\n"
            )
        return path.open(encoding="utf-8", errors="backslashreplace", newline="\n")
    except OSError as error:
        raise UnsupportedLog(f"cannot read {path}: {error.strerror or error}") from error


def peek_lines(path: Path, count: int, max_line_bytes: int = MAX_LINE_BYTES) -> list[str]:
    """The first ``count`` lines of the file that are not over-long, without their ends."""
    lines: list[str] = []
    with open_text(path) as text:
        try:
            for _, block in _scan(text, max_line_bytes, None):
                lines.extend(block[: count - len(lines)])
                if len(lines) >= count:
                    break
        except (OSError, EOFError) as error:  # a damaged gzip stream
            raise UnsupportedLog(f"cannot read {path}: {error}") from error
    return lines


def iter_lines(
    path: Path,
    *,
    follow: bool = False,
    stop: threading.Event | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) for every line; followed until ``stop`` is set.

    Without ``follow`` the last line counts even without a newline. With it, a line is only
    given once its newline is written (a writer may be half-way through it), a gzip file is
    read once (compressed logs are rotated, finished files), and the iterator ends when
    ``stop`` is set and everything written so far has been given. A line longer than
    ``max_line_bytes`` is not given: it is counted in ``stats`` (``lines`` and ``malformed``)
    and its number is skipped.
    """
    if not follow or _is_gzip(path):
        return _read_once(path, max_line_bytes, stats)  # a level less per line
    return _follow(path, stop or threading.Event(), max_line_bytes, stats)


def iter_blocks(
    path: Path,
    *,
    follow: bool = False,
    stop: threading.Event | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
    stats: ReadStats | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(number of the first line, lines) for the lines ``iter_lines`` gives, in blocks.

    Read once, a block is the whole lines of about 16 KiB of text, without their ends; an
    over-long line ends a block (the next one starts after its number). Followed, each line
    is a block of its own, given as soon as it is complete.
    """
    if not follow or _is_gzip(path):
        return _blocks_once(path, max_line_bytes, stats)
    lines = _follow(path, stop or threading.Event(), max_line_bytes, stats)
    return ((number, [line]) for number, line in lines)


def _too_long(stats: ReadStats | None, number: int, limit: int) -> None:
    if stats is not None:
        stats.lines += 1
        stats.bad(number, f"longer than {limit:,} characters: skipped up to its newline")


class _Partial:
    """A line read in pieces: kept while within the limit, past it only measured."""

    __slots__ = ("limit", "pieces", "size")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pieces: list[str] = []
        self.size = 0
        """Characters so far; -1 once over the limit (the pieces are dropped)."""

    def __bool__(self) -> bool:
        return self.size != 0

    def room(self) -> int:
        """How much more text can be read into the line: 0 once it is over-long."""
        return max(self.limit - self.size, 0) if self.size >= 0 else 0

    def add(self, piece: str) -> None:
        if self.size >= 0:
            self.size += len(piece)
            if self.size > self.limit:
                self.size, self.pieces = -1, []
            else:
                self.pieces.append(piece)

    def end(self, piece: str) -> str | None:
        """The whole line with its last piece, or None if it is over-long; a new one starts."""
        self.add(piece)
        line = "".join(self.pieces) if self.size >= 0 else None
        self.size, self.pieces = 0, []
        return line


def _scan(text: IO[str], limit: int, stats: ReadStats | None) -> Iterator[tuple[int, list[str]]]:
    """Whole lines of ``text`` in blocks, holding at most ``limit`` + 16 KiB characters.

    A line not ended in the piece read is kept in pieces until its newline; once it is
    longer than ``limit`` its pieces are dropped and the rest is read past, unkept.
    """
    read = text.read
    number = 1  # of the next line to give
    partial = _Partial(limit)  # the line whose newline is not read yet
    while chunk := read(_BLOCK_CHARS):
        lines = chunk.split("\n")
        rest = lines.pop()  # after the last newline: the start of the next line
        if not lines:  # no newline: the same line goes on
            partial.add(rest)
            continue
        first = partial.end(lines[0])
        if first is None:
            _too_long(stats, number, limit)
            number += 1
            del lines[0]
        else:
            lines[0] = first
        if limit < _BLOCK_CHARS and any(len(line) > limit for line in lines):
            yield from _without_long(lines, number, limit, stats)
        elif lines:  # a \r before the first newline may have ended the piece before
            if "\r" in chunk or lines[0].endswith("\r"):
                lines = [line.rstrip("\r") for line in lines]
            yield number, lines
        number += len(lines)
        partial.add(rest)
    if partial:
        last = partial.end("")
        if last is None:
            _too_long(stats, number, limit)
        else:
            yield number, [last.rstrip("\r")]


def _without_long(
    lines: list[str], number: int, limit: int, stats: ReadStats | None
) -> Iterator[tuple[int, list[str]]]:
    """The blocks of ``lines`` between the ones longer than ``limit`` (a limit under 16 KiB)."""
    start = 0
    for i, line in enumerate(lines):
        if len(line) > limit:
            if i > start:
                yield number + start, [line.rstrip("\r") for line in lines[start:i]]
            _too_long(stats, number + i, limit)
            start = i + 1
    if start < len(lines):
        yield number + start, [line.rstrip("\r") for line in lines[start:]]


def _follow(
    path: Path, stop: threading.Event, limit: int, stats: ReadStats | None
) -> Iterator[tuple[int, str]]:
    while True:
        text = open_text(path)
        with text:
            inode = os.fstat(text.fileno()).st_ino
            number = 0
            partial = _Partial(limit)  # what is written of a line without its newline yet
            while True:
                line = text.readline((partial.room() or _BLOCK_CHARS) + 1)
                if line.endswith("\n"):
                    number += 1
                    whole = partial.end(line[:-1])
                    if whole is None:
                        _too_long(stats, number, limit)
                    else:
                        yield number, whole.rstrip("\r")
                    continue
                if line:  # a piece: the limit reached, or the end of what is written so far
                    partial.add(line)
                    continue
                if _replaced(path, inode, text.tell()):
                    if partial:  # the old file's last line, without a newline
                        number += 1
                        whole = partial.end("")
                        if whole is None:
                            _too_long(stats, number, limit)
                        else:
                            yield number, whole.rstrip("\r")
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


def _read_once(path: Path, limit: int, stats: ReadStats | None) -> Iterator[tuple[int, str]]:
    with open_text(path) as text:
        try:
            for first, block in _scan(text, limit, stats):
                yield from enumerate(block, first)
        except (OSError, EOFError) as error:  # a damaged or truncated gzip stream
            raise UnsupportedLog(f"cannot read {path}: {error}") from error


def _blocks_once(
    path: Path, limit: int, stats: ReadStats | None
) -> Iterator[tuple[int, list[str]]]:
    with open_text(path) as text:
        try:
            yield from _scan(text, limit, stats)
        except (OSError, EOFError) as error:  # a damaged or truncated gzip stream
            raise UnsupportedLog(f"cannot read {path}: {error}") from error
