"""Zeek's JSON logs, both flavours: the default writer (epoch ``ts``) and json-streaming-logs
(ISO ``ts``, ``_path``, ``_write_ts``). Keys are flat dotted names (``"id.orig_h"``).

Zeek escapes unprintable and non-UTF-8 bytes in JSON the way it does in TSV, as the text
``\\xNN`` (and older versions write a backslash as ``\\\\``); strings are unescaped the same
way as TSV values, so the same record read from either format gives the same observables.
"""

from collections.abc import Iterable, Iterator
from typing import Any

from stixhub.sensor.events import Event
from stixhub.sensor.readers._context import ReadContext
from stixhub.sensor.readers._json import json_object
from stixhub.sensor.readers._values import zeek_unescape
from stixhub.sensor.readers._zeek import FIELDS, zeek_objects, zeek_time

__all__ = ["read_zeek_json"]


def _unescaped(value: Any) -> Any:
    if type(value) is str:
        return zeek_unescape(value)
    if type(value) is list:
        return [zeek_unescape(v) if type(v) is str else v for v in value]
    return value


def read_zeek_json(
    lines: Iterable[tuple[int, str]], ctx: ReadContext, log: str = ""
) -> Iterator[Event]:
    """The events of a Zeek JSON log; ``log`` names it when records carry no ``_path``."""
    stats = ctx.stats
    source = ctx.source
    for number, line in lines:
        stats.lines += 1
        if not line.strip() or line.startswith("#"):
            stats.skipped += 1
            continue
        parsed = json_object(line, number, stats)
        if parsed is None:
            continue
        record = {k: _unescaped(v) for k, v in parsed.items() if k in FIELDS}
        path = parsed.get("_path")
        path = path if type(path) is str else log
        time = ctx.fallback_time
        if "ts" in parsed:
            try:
                time = zeek_time(parsed["ts"])
                ctx.fallback_time = time
            except ValueError:
                time = ctx.untimed(number, f"ts {str(parsed['ts'])[:40]!r} is not a time")
        else:
            time = ctx.untimed(number, "no ts")
        objects = zeek_objects(record, path)
        if not objects:
            stats.skipped += 1
            continue
        stats.events += 1
        yield Event(time, objects, source, number, f"zeek.{path}" if path else "zeek")
