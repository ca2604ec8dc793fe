"""A JSON log line as its object, for the readers of JSON lines (EVE, Zeek JSON, mappings).

Each of them counts a line that is no JSON object as malformed with the same reasons, so a
report reads the same whatever the log.
"""

from typing import Any

import orjson

from stixhub.sensor.readers._stats import ReadStats

__all__ = ["json_object"]


def json_object(line: str, number: int, stats: ReadStats) -> dict[str, Any] | None:
    """The object on the line; None, counted in ``stats``, for anything else."""
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        stats.bad(number, f"not JSON: {error}")
        return None
    if type(parsed) is not dict:
        stats.bad(number, "not a JSON object")
        return None
    return parsed
