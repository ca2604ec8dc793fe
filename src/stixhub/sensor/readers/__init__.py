"""Log readers: a file in, a stream of events out, never the whole file in memory.

``read_log(path)`` picks the reader by the file's content (``format="auto"``) or the one
named (``zeek``, ``suricata``, ``jsonl``/``csv`` with a mapping), reads gzip by its magic
bytes, and with ``follow=True`` keeps reading what is appended, across rotation, until
``stop`` is set. Counts and the first problems are in the ``ReadStats`` it fills; a line
longer than ``max_line_bytes`` is one of them, never held whole.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

from stixhub.sensor._errors import UnsupportedLog
from stixhub.sensor.events import Event
from stixhub.sensor.readers._context import ReadContext
from stixhub.sensor.readers._detect import FORMATS, detect_format
from stixhub.sensor.readers._source import MAX_LINE_BYTES, iter_blocks, iter_lines
from stixhub.sensor.readers._stats import MAX_REASONS, Malformed, ReadStats
from stixhub.sensor.readers.mapped import FieldMapping, load_mapping, parse_mapping, read_mapped
from stixhub.sensor.readers.suricata import read_suricata
from stixhub.sensor.readers.zeek_json import read_zeek_json
from stixhub.sensor.readers.zeek_tsv import read_zeek_tsv

__all__ = [
    "FORMATS",
    "MAX_LINE_BYTES",
    "MAX_REASONS",
    "FieldMapping",
    "Malformed",
    "ReadStats",
    "detect_format",
    "load_mapping",
    "parse_mapping",
    "read_log",
]

_ZEEK_LOGS = ("conn", "dns", "http", "ssl", "files", "x509", "notice", "intel", "smtp", "ssh")


def read_log(
    path: Path | str,
    format: str = "auto",
    *,
    mapping: FieldMapping | Path | None = None,
    follow: bool = False,
    stop: threading.Event | None = None,
    stats: ReadStats | None = None,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[Event]:
    """The events of one log file, in file order.

    The format is checked before the first event is made (``UnsupportedLog`` for a file of
    no known format, ``InvalidMapping`` for a bad mapping), so an error comes from the call,
    not from the middle of a stream; malformed lines are only counted in ``stats``, and so is
    a line longer than ``max_line_bytes`` characters, which is read past without being kept.
    """
    if max_line_bytes < 1:
        raise ValueError(f"max_line_bytes must be at least 1, not {max_line_bytes}")
    path = Path(path)
    if format not in FORMATS:
        raise UnsupportedLog(f"unknown log format {format!r}: use one of {', '.join(FORMATS)}")
    if not path.is_file():
        raise UnsupportedLog(f"{path} is not a file")
    if isinstance(mapping, Path):
        mapping = load_mapping(mapping)
    if format in ("jsonl", "csv"):
        if mapping is None:
            raise UnsupportedLog(f"--format {format} needs a mapping file")
        if mapping.format != format:
            raise UnsupportedLog(f"the mapping is for {mapping.format}, not {format}")
        found = format
    elif format == "auto" and mapping is not None:
        found = mapping.format
    else:
        found = detect_format(path, format, max_line_bytes=max_line_bytes)
    stats = stats if stats is not None else ReadStats(str(path))
    stats.format = found
    ctx = ReadContext(str(path), stats, os.stat(path).st_mtime_ns // 1000)
    return _events(path, found, ctx, mapping, follow, stop, max_line_bytes)


def _events(
    path: Path,
    found: str,
    ctx: ReadContext,
    mapping: FieldMapping | None,
    follow: bool,
    stop: threading.Event | None,
    max_line_bytes: int,
) -> Iterator[Event]:
    """The reader's own generator, not one wrapped around it: a level less per event."""
    stats = ctx.stats
    if found == "zeek-tsv":
        blocks = iter_blocks(
            path, follow=follow, stop=stop, max_line_bytes=max_line_bytes, stats=stats
        )
        return read_zeek_tsv(blocks, ctx)
    lines = iter_lines(path, follow=follow, stop=stop, max_line_bytes=max_line_bytes, stats=stats)
    if found == "zeek-json":
        stem = path.name.partition(".")[0]
        return read_zeek_json(lines, ctx, stem if stem in _ZEEK_LOGS else "")
    if found == "suricata":
        return read_suricata(lines, ctx)
    assert mapping is not None
    return read_mapped(lines, ctx, mapping)
