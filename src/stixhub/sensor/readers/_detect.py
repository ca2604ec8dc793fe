"""Which reader a file needs, from its first lines (never from its name alone)."""

from pathlib import Path

import orjson

from stixhub.sensor._errors import UnsupportedLog
from stixhub.sensor.readers._source import MAX_LINE_BYTES, peek_lines
from stixhub.sensor.readers.zeek_tsv import ZEEK_TSV_MAGIC

__all__ = ["FORMATS", "detect_format"]

FORMATS = ("auto", "zeek", "suricata", "jsonl", "csv")
"""The names ``--format`` takes; ``zeek`` covers Zeek TSV and Zeek JSON."""

_PEEK = 5


def detect_format(path: Path, wanted: str = "auto", *, max_line_bytes: int = MAX_LINE_BYTES) -> str:
    """``zeek-tsv``, ``zeek-json`` or ``suricata`` for a file; ``wanted`` narrows the choice.

    Raises UnsupportedLog when the file is of no known format (or empty), or not of the
    format asked for. JSON lines and CSV have no signature: they are read only with a
    mapping, so detection never picks them. Lines longer than ``max_line_bytes`` are passed
    over, as the reader will pass over them.
    """
    lines = [line for line in peek_lines(path, _PEEK, max_line_bytes) if line.strip()]
    lines = [line for line in lines if not line.startswith("### ")]  # Zeek test baselines
    if not lines:
        raise UnsupportedLog(f"{path} is empty: no format to detect")
    first = lines[0]
    found = None
    if first.startswith(ZEEK_TSV_MAGIC):
        found = "zeek-tsv"
    elif first.lstrip().startswith("{"):
        found = _json_flavour(first)
    if found is None:
        raise UnsupportedLog(
            f"{path} is not a Zeek or Suricata EVE log (first line starts {first[:40]!r}); "
            "give --format jsonl or csv with a mapping file for other logs"
        )
    if wanted not in ("auto", found.partition("-")[0]):
        raise UnsupportedLog(f"{path} is a {found} log, not {wanted}")
    return found


def _json_flavour(line: str) -> str | None:
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError:
        # Zeek's test baselines mask ts as a bare XXXXXXXXXX.XXXXXX, which is no JSON.
        return "zeek-json" if '"ts":' in line and '"uid":' in line else None
    if not isinstance(record, dict):
        return None
    if "event_type" in record and "timestamp" in record:
        return "suricata"
    if "ts" in record and ("_path" in record or "uid" in record or "id.orig_h" in record):
        return "zeek-json"
    return None
