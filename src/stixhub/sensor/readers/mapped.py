"""Any JSON-lines or CSV log, read through a small field-mapping file (TOML or JSON).

The mapping says which field holds the time and in which format, and which fields hold
which observable; ``docs/sensor.md`` documents every key with examples for Squid and PAN-OS.
A mapping is checked completely when it is loaded, so a mistake in it is one clear
``InvalidMapping`` before any line is read, never a surprise on line 10,000.
"""

import csv
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from stixhub.sensor._errors import InvalidMapping
from stixhub.sensor.events import Event
from stixhub.sensor.readers._context import ReadContext
from stixhub.sensor.readers._json import json_object
from stixhub.sensor.readers._objects import ObjectsBuilder
from stixhub.sensor.readers._times import epoch_micros, iso_micros, strptime_micros

__all__ = ["FieldMapping", "load_mapping", "read_mapped"]

_TYPES = (
    "ip",
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "host",
    "url",
    "email-addr",
    "user-account",
    "file:hashes",
    "file:name",
    "x509-certificate:hashes",
)
_ROLES = ("src", "dst", "")
_PORTS = ("src_port", "dst_port", "protocol")


@dataclass(frozen=True, slots=True)
class _Observable:
    field: str
    type: str
    role: str
    after: str
    when_field: str
    when_equals: str


@dataclass(frozen=True, slots=True)
class FieldMapping:
    """A checked mapping: how to split a line, where the time is, what each field names."""

    format: str
    kind: str
    delimiter: str
    prefix: re.Pattern[str] | None
    header: bool
    time_field: str
    time: Callable[[str], int]
    observables: tuple[_Observable, ...]
    traffic: Mapping[str, str]


def _text(table: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidMapping(f"{key!r} must be a string")
    return value


def _time_parser(table: Mapping[str, Any]) -> Callable[[str], int]:
    form = _text(table, "format", "iso8601")
    try:
        zone = ZoneInfo(_text(table, "timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise InvalidMapping(f"unknown time zone {table.get('timezone')!r}") from error
    if form == "epoch":
        return epoch_micros
    if form == "epoch_ms":
        return lambda text: epoch_micros(text) // 1000
    if form == "iso8601":
        return lambda text: _local_iso(text, zone)
    if "%" not in form:
        raise InvalidMapping(f"time format {form!r} is not epoch, epoch_ms, iso8601 or strptime")
    return lambda text: strptime_micros(text, form, zone)


_HAS_ZONE = re.compile(r"(?:[Zz]|[+-]\d\d:?\d\d)$")


def _local_iso(text: str, zone: ZoneInfo) -> int:
    """An ISO date-time; one without a zone is read in the mapping's time zone."""
    if _HAS_ZONE.search(text.strip()):
        return iso_micros(text)
    wall = iso_micros(text)  # the wall-clock reading, as if it were UTC
    offset = datetime.fromtimestamp(wall // 1_000_000, UTC).replace(tzinfo=zone).utcoffset()
    return wall - int(offset.total_seconds()) * 1_000_000 if offset else wall


def load_mapping(path: Path) -> FieldMapping:
    """Read and check a mapping file (``.toml`` or ``.json``)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InvalidMapping(f"cannot read mapping {path}: {error.strerror or error}") from error
    try:
        if path.suffix.lower() == ".json":
            table = json.loads(raw)
        else:
            table = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidMapping(f"mapping {path} is not valid TOML or JSON: {error}") from error
    if not isinstance(table, dict):
        raise InvalidMapping(f"mapping {path} must be a table of keys")
    try:
        return parse_mapping(table)
    except InvalidMapping as error:
        raise InvalidMapping(f"mapping {path}: {error}") from error


def parse_mapping(table: Mapping[str, Any]) -> FieldMapping:  # noqa: PLR0912  one check each
    """Check a mapping given as a table; raise InvalidMapping naming the first mistake."""
    known = {"format", "kind", "delimiter", "prefix", "header", "time", "observables"}
    unknown = set(table) - known - {"network_traffic"}
    if unknown:
        raise InvalidMapping(f"unknown key(s) {', '.join(sorted(unknown))}")
    form = _text(table, "format", "jsonl")
    if form not in ("jsonl", "csv"):
        raise InvalidMapping(f"format must be 'jsonl' or 'csv', not {form!r}")
    delimiter = _text(table, "delimiter", ",")
    if delimiter != "whitespace" and len(delimiter) != 1:
        raise InvalidMapping("delimiter must be one character or 'whitespace'")
    prefix_text = table.get("prefix")
    prefix = None
    if prefix_text is not None:
        try:
            prefix = re.compile(_text(table, "prefix"))
        except re.error as error:
            raise InvalidMapping(f"prefix is not a regular expression: {error}") from error
    header = table.get("header", False)
    if not isinstance(header, bool):
        raise InvalidMapping("header must be true or false")
    time_table = table.get("time")
    if not isinstance(time_table, dict) or "field" not in time_table:
        raise InvalidMapping("a [time] table with a field is required")
    entries = table.get("observables")
    if not isinstance(entries, list) or not entries:
        raise InvalidMapping("at least one [[observables]] entry is required")
    observables = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise InvalidMapping(f"observables entry {n} must be a table")
        kind = _text(entry, "type", "")
        if kind not in _TYPES:
            raise InvalidMapping(f"observables entry {n}: type must be one of {', '.join(_TYPES)}")
        role = _text(entry, "role", "")
        if role not in _ROLES:
            raise InvalidMapping(f"observables entry {n}: role must be 'src' or 'dst'")
        when = entry.get("when", {})
        if not isinstance(when, dict):
            raise InvalidMapping(f"observables entry {n}: when must be a table")
        observables.append(
            _Observable(
                field=_text(entry, "field", ""),
                type=kind,
                role=role,
                after=_text(entry, "after", ""),
                when_field=_text(when, "field", ""),
                when_equals=_text(when, "equals", ""),
            )
        )
    traffic_table = table.get("network_traffic", {})
    if not isinstance(traffic_table, dict) or set(traffic_table) - set(_PORTS):
        raise InvalidMapping(f"network_traffic takes only {', '.join(_PORTS)}")
    traffic = {key: _text(traffic_table, key) for key in traffic_table}
    return FieldMapping(
        format=form,
        kind=_text(table, "kind", form),
        delimiter=delimiter,
        prefix=prefix,
        header=header,
        time_field=_text(time_table, "field"),
        time=_time_parser(time_table),
        observables=tuple(observables),
        traffic=traffic,
    )


def _json_field(record: Mapping[str, Any], name: str) -> Any:
    if name in record:
        return record[name]
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _add(out: ObjectsBuilder, kind: str, value: str) -> str | None:  # noqa: PLR0911
    if kind in ("ip", "ipv4-addr", "ipv6-addr"):
        key = out.ip(value)
        if key is not None and kind != "ip" and out.objects[key]["type"] != kind:
            return None
        return key
    if kind == "domain-name":
        return out.domain(value)
    if kind == "host":
        return out.host(value)
    if kind == "url":
        return out.url(value) or out.host(value)  # a CONNECT target is host:port
    if kind == "email-addr":
        return out.email(value)
    if kind == "user-account":
        return out.user(value)
    if kind == "file:name":
        return out.add({"type": "file", "name": value})
    hashes = out.hashes(value)
    if not hashes:
        return None
    return out.add({"type": kind.partition(":")[0], "hashes": hashes})


def read_mapped(
    lines: Iterable[tuple[int, str]], ctx: ReadContext, mapping: FieldMapping
) -> Iterator[Event]:
    """The events of a JSON-lines or CSV log as the mapping describes them."""
    stats = ctx.stats
    columns: dict[str, int] | None = None
    for number, raw in lines:
        stats.lines += 1
        line = raw
        if mapping.prefix is not None:
            m = mapping.prefix.match(raw)
            if m is None:
                stats.bad(number, "the line does not start with the mapping's prefix")
                continue
            line = raw[m.end() :]
        if not line.strip():
            stats.skipped += 1
            continue
        get: Callable[[str], Any]
        if mapping.format == "jsonl":
            record = json_object(line, number, stats)
            if record is None:
                continue

            def get(name: str, record: dict[str, Any] = record) -> Any:
                return _json_field(record, name)

        else:
            if mapping.delimiter == "whitespace":
                cells = line.split()
            else:
                cells = next(csv.reader([line], delimiter=mapping.delimiter))
            if mapping.header and columns is None:
                columns = {name: i for i, name in enumerate(cells)}
                continue

            def get(name: str, cells: list[str] = cells, columns: Any = columns) -> Any:
                index = columns.get(name) if columns is not None else None
                if index is None:
                    if not name.isdigit():
                        return None
                    index = int(name)
                return cells[index] if index < len(cells) else None

        event = _event(get, number, ctx, mapping)
        if event is None:
            stats.skipped += 1
            continue
        stats.events += 1
        yield event


def _event(  # noqa: PLR0912
    get: Callable[[str], Any], number: int, ctx: ReadContext, mapping: FieldMapping
) -> Event | None:
    stamp = get(mapping.time_field)
    try:
        if stamp is None or isinstance(stamp, bool):
            raise ValueError("no time")
        time = mapping.time(str(stamp))
        ctx.fallback_time = time
    except (ValueError, OverflowError) as error:
        time = ctx.untimed(number, f"time field {mapping.time_field!r}: {error}")
    out = ObjectsBuilder()
    refs: dict[str, str] = {}
    for obs in mapping.observables:
        if obs.when_field and str(get(obs.when_field)) != obs.when_equals:
            continue
        value = get(obs.field)
        if value is None or isinstance(value, dict | list | bool):
            continue
        text = str(value).strip()
        if obs.after:
            text = text.rpartition(obs.after)[2]
        if not text or text == "-":
            continue
        key = _add(out, obs.type, text)
        if key is not None and obs.role and obs.role not in refs:
            refs[obs.role] = key
    if refs:
        traffic: dict[str, Any] = {"type": "network-traffic"}
        for role, key in refs.items():
            traffic[f"{role}_ref"] = key
        for prop in ("src_port", "dst_port"):
            field = mapping.traffic.get(prop)
            value = get(field) if field else None
            if value is not None and str(value).isdigit() and int(value) <= 65535:
                traffic[prop] = int(value)
        field = mapping.traffic.get("protocol")
        proto = get(field) if field else None
        traffic["protocols"] = [str(proto).lower()] if proto else ["ipv4"]
        out.add(traffic)
    if not out.objects:
        return None
    return Event(time, out.objects, ctx.source, number, mapping.kind)
