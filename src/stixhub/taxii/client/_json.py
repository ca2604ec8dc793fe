"""Parsing a response body from an untrusted server, at the speed of a paging loop.

The checks are those of ``stixhub.stix.loads_untrusted`` (a nesting limit, integers that
I-JSON cannot hold refused), with the same answers, but the walk after orjson's parse runs
level by level through C iterators (``map``, ``itertools.compress``, ``chain``) instead of
a Python loop over every value. A page of 1,000 indicators holds about 15,000 values in
3,000 containers: the Python walk cost three times orjson's own parse and made the client
slower than taxii2-client (docs/benchmarks.md, Sync); this one costs a fraction of it.
"""

import operator
import re
from itertools import chain, compress, repeat
from typing import Any

import orjson

from stixhub.stix import InvalidJSON

__all__ = ["loads_response"]

_CONTAINERS = frozenset({dict, list})
_is_container = _CONTAINERS.__contains__
# A float at least this large came from an integer literal that did not fit 64 bits (orjson
# reads those as floats), or from a float literal that large; the raw text tells which.
_FLOAT_AS_BIG_INT = 2.0**63
_BIG_INT_LITERAL = re.compile(rb'(?<![0-9.eE+"-])-?[0-9]{19,}(?![0-9.eE])')


def _too_deep_or_big(value: Any, max_depth: int) -> tuple[bool, bool]:
    """(nests deeper than ``max_depth``, holds a float of 2**63 or more), level by level."""
    level = [value] if type(value) in _CONTAINERS else []
    depth = 0
    big = False
    while level:
        depth += 1
        if depth > max_depth:
            return True, big
        kinds = list(map(type, level))
        dicts = compress(level, map(operator.is_, kinds, repeat(dict)))
        lists = compress(level, map(operator.is_, kinds, repeat(list)))
        values = list(
            chain(chain.from_iterable(map(dict.values, dicts)), chain.from_iterable(lists))
        )
        value_kinds = list(map(type, values))
        if not big and float in set(value_kinds):
            floats = compress(values, map(operator.is_, value_kinds, repeat(float)))
            big = any(abs(f) >= _FLOAT_AS_BIG_INT for f in floats)
        level = list(compress(values, map(_is_container, value_kinds)))
    return False, big


def loads_response(data: bytes, max_depth: int) -> Any:
    """Parse JSON refusing syntax errors, nesting deeper than ``max_depth`` and integers
    too large to represent exactly, as ``stixhub.stix.loads_untrusted`` does."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSON(f"not valid JSON: {exc}") from None
    too_deep, big = _too_deep_or_big(value, max_depth)
    if too_deep:
        raise InvalidJSON(f"JSON nests deeper than {max_depth} levels")
    if big and _BIG_INT_LITERAL.search(data):
        raise InvalidJSON("JSON holds an integer too large to represent exactly")
    return value
