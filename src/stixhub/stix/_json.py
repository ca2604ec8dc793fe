"""Parsing JSON that came from somebody else.

orjson parses quickly but accepts nesting up to 1024 levels, which lets a hostile document
make every later recursive walk (validation, pattern extraction, export) slow or crash. After
parsing, one iterative walk over the containers (not the scalars) measures the depth; on the
1,826-object ATT&CK for ICS bundle it costs about 9 ms, half of orjson's own parse.
"""

import re
from typing import Any

import orjson

from stixhub.stix._errors import InvalidJSON

__all__ = ["DEFAULT_MAX_DEPTH", "MAX_JSON_INTEGER", "json_depth", "loads_untrusted"]

DEFAULT_MAX_DEPTH = 64
# The largest integer STIX (section 2.10) and TAXII (section 2) allow: I-JSON's exact range.
MAX_JSON_INTEGER = 2**53 - 1

# orjson reads an integer beyond 64 bits as a float, silently losing digits. Such integers
# are never valid in STIX or TAXII (I-JSON: within 2**53), so they are refused. A run of 19
# digits is the cheap signal that one may be there; only then are the numbers walked.
_LONG_DIGITS = re.compile(rb"[0-9]{19,}")
_FLOAT_AS_BIG_INT = 2.0**63


def json_depth(value: Any, stop_above: int | None = None) -> int:
    """Return the deepest nesting of lists and dicts in a parsed JSON value (0 for a scalar).

    With ``stop_above``, the walk ends as soon as that depth is exceeded.
    """
    if not isinstance(value, dict | list):
        return 0
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if stop_above is not None and deepest > stop_above:
                break
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def loads_untrusted(data: bytes | str, max_depth: int = DEFAULT_MAX_DEPTH) -> Any:
    """Parse JSON from an untrusted source, refusing syntax errors and excessive nesting."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSON(f"not valid JSON: {exc}") from None
    if json_depth(value, stop_above=max_depth) > max_depth:
        raise InvalidJSON(f"JSON nests deeper than {max_depth} levels")
    raw = data.encode() if isinstance(data, str) else data
    if _LONG_DIGITS.search(raw) and _has_big_integer(value, raw):
        raise InvalidJSON("JSON holds an integer too large to represent exactly")
    return value


def _has_big_integer(value: Any, raw: bytes) -> bool:
    """Whether a float in the value came from an integer literal of 19 or more digits."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float) and abs(item) >= _FLOAT_AS_BIG_INT:
            literals = re.findall(rb'(?<![0-9.eE+"-])-?[0-9]{19,}(?![0-9.eE])', raw)
            return bool(literals)
    return False
