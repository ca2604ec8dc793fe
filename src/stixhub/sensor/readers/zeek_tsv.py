"""Zeek's ASCII (TSV) logs: the header says how to read them, so it is read, never assumed.

``#separator`` (written escaped, ``\\x09``), ``#set_separator``, ``#empty_field``,
``#unset_field``, ``#path``, ``#fields`` and ``#types`` are taken from the file, and again
whenever a new header appears (a followed log that rotated). Columns are found by name, so
any Zeek version's schema works. A value equal to the unset or empty marker is no value;
sets and vectors are split on the set separator before their elements are unescaped, so an
escaped comma (``\\x2c``) stays inside its element.
"""

import re
from collections.abc import Iterable, Iterator
from typing import Any

from stixhub.sensor.events import Event
from stixhub.sensor.readers._context import ReadContext
from stixhub.sensor.readers._times import epoch_micros
from stixhub.sensor.readers._values import zeek_unescape
from stixhub.sensor.readers._zeek import FIELDS, zeek_objects
from stixhub.sensor.readers._zeek_fast import BlockReader, fast_reader

__all__ = ["ZEEK_TSV_MAGIC", "read_zeek_tsv"]

ZEEK_TSV_MAGIC = "#separator "
_HEX_ESCAPE = re.compile(r"\\x([0-9A-Fa-f]{2})")
_LISTS = frozenset(("answers", "tx_hosts", "rx_hosts", "cert_chain_fps", "san.dns"))
_LISTS |= frozenset(("san.email", "san.ip"))


def _header_value(text: str) -> str:
    return _HEX_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


class _Header:
    """The reading rules of the current header, and the columns observables come from."""

    def __init__(self) -> None:
        self.separator = "\t"
        self.set_separator = ","
        self.empty = "(empty)"
        self.unset = "-"
        self.path = ""
        self.fields: list[str] | None = None
        self.types: list[str] | None = None
        self.plan: list[tuple[str, int, bool]] | None = None
        self.ts = -1

    def read(self, line: str) -> None:
        if line.startswith(ZEEK_TSV_MAGIC):
            self.separator = _header_value(line[len(ZEEK_TSV_MAGIC) :]) or "\t"
            return
        name, _, rest = line.partition(self.separator)
        if name == "#set_separator":
            self.set_separator = _header_value(rest)
        elif name == "#empty_field":
            self.empty = _header_value(rest)
        elif name == "#unset_field":
            self.unset = _header_value(rest)
        elif name == "#path":
            self.path = _header_value(rest)
        elif name == "#fields":
            self.fields = rest.split(self.separator)
            self.types = None
            self.plan = None
        elif name == "#types":
            self.types = rest.split(self.separator)
            self.plan = None

    def kind(self) -> str:
        return f"zeek.{self.path}" if self.path else "zeek"

    def make_plan(self) -> list[tuple[str, int, bool]]:
        assert self.fields is not None
        types = self.types if self.types and len(self.types) == len(self.fields) else None
        plan = []
        for i, name in enumerate(self.fields):
            if name in FIELDS:
                if types is not None:
                    container = types[i].startswith(("set[", "vector[", "table["))
                else:
                    container = name in _LISTS
                plan.append((name, i, container))
        self.ts = self.fields.index("ts") if "ts" in self.fields else -1
        self.plan = plan
        return plan


def read_zeek_tsv(blocks: Iterable[tuple[int, list[str]]], ctx: ReadContext) -> Iterator[Event]:
    """The events of a Zeek TSV log; malformed lines are counted in ``ctx.stats``.

    ``blocks`` are (number of the first line, lines with or without their ends) as
    ``iter_blocks`` gives them. A block goes to the conn/dns block reader when the header
    has one; each line it hands back, and every line of other logs, is read here, by name.
    The counts of a block the block reader took are added before its events are given.
    """
    reader = _Reader(ctx)
    stats = ctx.stats
    events: list[Event] = []
    for first, lines in blocks:
        i, end = 0, len(lines)
        while i < end:
            fast = reader.fast
            if fast is not None:
                i = fast(lines, i, first, events)
                if events:
                    stats.lines += len(events)
                    stats.events += len(events)
                    ctx.fallback_time = events[-1].time
                    yield from events
                    events.clear()
                if i >= end:
                    break
            event = reader.line(lines[i].rstrip("\r\n"), first + i)
            i += 1
            if event is not None:
                yield event


class _Reader:
    """The general path, one line at a time, and the block reader of the current header."""

    def __init__(self, ctx: ReadContext) -> None:
        self.ctx = ctx
        self.header = _Header()
        self.plan: list[tuple[str, int, bool]] | None = None
        self.fast: BlockReader | None = None
        self.width = 0
        self.kind = "zeek"

    def line(self, line: str, number: int) -> Event | None:
        """The event of one line read by name; None for a header, skipped or bad line."""
        stats, header, ctx = self.ctx.stats, self.header, self.ctx
        stats.lines += 1
        if line.startswith("#"):
            header.read(line)
            self.plan = None
            self.fast = None
            return None
        if not line:
            stats.skipped += 1
            return None
        plan = self.plan
        if plan is None:
            if header.fields is None:
                stats.bad(number, "a data line before the #fields header")
                return None
            plan = self.plan = header.make_plan()
            self.width, self.kind = len(header.fields), header.kind()
            self.fast = _fast_reader(header, plan, ctx.source, self.kind)
        cols = line.split(header.separator)
        if len(cols) != self.width:
            stats.bad(number, f"{len(cols)} columns where #fields names {self.width}")
            return None
        escaped = "\\" in line
        objects = zeek_objects(_record(cols, plan, header, escaped), header.path)
        time = ctx.fallback_time
        if header.ts >= 0:
            try:
                time = epoch_micros(cols[header.ts])
                ctx.fallback_time = time
            except ValueError:
                time = ctx.untimed(number, f"ts {cols[header.ts][:40]!r} is not a time")
        if not objects:
            stats.skipped += 1
            return None
        stats.events += 1
        return Event(time, objects, ctx.source, number, self.kind)


def _fast_reader(
    header: _Header, plan: list[tuple[str, int, bool]], source: str, kind: str
) -> BlockReader | None:
    """The straight-line reader of a standard conn or dns header, if its columns allow one."""
    assert header.fields is not None
    containers = {name for name, _, container in plan if container}
    if header.path == "dns" and "answers" not in containers:
        return None  # answers not a vector: the general path reads it as one value
    if containers & {"service", "query"}:
        return None
    markers = (header.separator, header.set_separator, header.empty, header.unset)
    if not all(markers) or header.separator == header.set_separator:
        return None
    return fast_reader(header.path, header.fields, markers, source, kind)


def _record(
    cols: list[str], plan: list[tuple[str, int, bool]], header: _Header, escaped: bool
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    unset = header.unset
    for name, i, container in plan:
        value = cols[i]
        if value == unset:
            continue
        if container:
            if value == header.empty:
                record[name] = []
                continue
            items = value.split(header.set_separator)
            record[name] = [zeek_unescape(v) for v in items] if escaped else items
        else:
            record[name] = zeek_unescape(value) if escaped else value
    return record
