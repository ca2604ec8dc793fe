"""One comparison of a pattern turned into a test on one property value.

The value rules follow STIX 2.1 section 9.7 and agree with the reference matcher where the
specification leaves room: numbers compare across int and float but never with booleans;
strings compare with binary values only when every code point fits in a byte; a timestamp
constant compares with a JSON string by reading the string as a timestamp; values of
properties ending in ``_hex`` or ``_bin`` are binary. A comparison of values that cannot be
compared is false (and so true under ``!=`` or NOT).
"""

import ipaddress
import unicodedata
from collections.abc import Callable
from typing import Any

from stixhub.stix._errors import InvalidTimestamp
from stixhub.stix._timestamps import parse_rfc3339_micros
from stixhub.stix.patterns._ast import Comparison, Constant, SetConstant
from stixhub.stix.patterns._errors import PatternError, UnsupportedRegex
from stixhub.stix.patterns._regex import compile_regex

__all__ = [
    "ObservationError",
    "Predicate",
    "build_predicate",
    "mixed_item",
    "timestamp_micros",
    "value_type",
]

Predicate = Callable[[Any], bool]
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ObservationError(PatternError):
    """Raised when observed data cannot be matched: a malformed timestamp, reference or address."""


def timestamp_micros(text: str) -> int:
    """Read a STIX timestamp (UTC, upper-case ``T`` and ``Z``) as microseconds since the epoch."""
    if not text.endswith("Z") or "t" in text:
        raise ObservationError(f"{text!r} is not a STIX timestamp")
    try:
        return parse_rfc3339_micros(text)
    except InvalidTimestamp:
        raise ObservationError(f"{text!r} is not a STIX timestamp") from None


def _latin1(text: str) -> bytes | None:
    """A string as bytes when every code point fits in one byte (section 9.7, binary)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _equal(value: Any, constant: Constant) -> bool:  # noqa: PLR0911  one rule per kind
    kind, expected = constant.kind, constant.value
    if kind == "timestamp":
        return isinstance(value, str) and timestamp_micros(value) == _const_micros(constant)
    if kind == "bool":
        return isinstance(value, bool) and value == expected
    if kind in ("int", "float"):
        return _is_number(value) and value == expected
    if isinstance(expected, str):
        if isinstance(value, bytes):
            return _latin1(expected) == value
        return isinstance(value, str) and value == expected
    assert isinstance(expected, bytes)
    if isinstance(value, str):
        return _latin1(value) == expected
    return isinstance(value, bytes) and value == expected


def _order(value: Any, constant: Constant) -> int | None:
    """-1, 0 or 1 comparing ``value`` with the constant; None when they cannot be ordered."""
    kind, expected = constant.kind, constant.value
    left: Any
    right: Any
    if kind == "timestamp":
        if not isinstance(value, str):
            return None
        left, right = timestamp_micros(value), _const_micros(constant)
    elif kind in ("int", "float"):
        if not _is_number(value):
            return None
        left, right = value, expected
    elif isinstance(value, str | bytes) and type(value) is type(expected):
        left, right = value, expected
    elif isinstance(value, bytes) and isinstance(expected, str):
        left, right = value, _latin1(expected)
    elif isinstance(value, str) and isinstance(expected, bytes):
        left, right = _latin1(value), expected
    else:
        return None
    if left is None or right is None:
        return None
    return int(left > right) - int(left < right)


def _const_micros(constant: Constant) -> int:
    try:
        return parse_rfc3339_micros(str(constant.value))
    except InvalidTimestamp:
        raise PatternError(
            f"{constant.text} is not a real date and time", constant.pos + 1
        ) from None


_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def _network(text: str, *, where: str) -> _Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ObservationError(f"{text!r} in {where} is not an IP address or CIDR range") from None


def _contains(outer: _Network, inner: _Network) -> bool:
    if outer.version != inner.version:
        return False
    return inner.subnet_of(outer)  # type: ignore[arg-type]


# The data type each kind of constant stands for (STIX 2.1 section 9.6.1: the values of an IN
# list are "of homogeneous data type"): integers and floats are both numbers, h'' and b''
# both binary data (section 9.6.1 compares hex and binary by their bytes).
_VALUE_TYPES: dict[str, str] = {
    "int": "number",
    "float": "number",
    "hex": "binary",
    "binary": "binary",
    "string": "string",
    "bool": "boolean",
    "timestamp": "timestamp",
}


def value_type(constant: Constant) -> str:
    """The data type a constant stands for: ``number``, ``binary``, ``string`` ... ."""
    return _VALUE_TYPES[constant.kind]


def mixed_item(values: SetConstant) -> Constant | None:
    """The first item of an IN list whose data type differs from the first item's, if any."""
    if not values.items:
        return None
    first = value_type(values.items[0])
    return next((c for c in values.items[1:] if value_type(c) != first), None)


def _set_test(values: SetConstant) -> Predicate:
    """IN: true iff ``=`` would be true for one of the items (section 9.6.1), so the same
    value rules apply: ``1 IN (true)`` is false as ``1 = true`` is, and a binary property
    value is in a list of strings whose code points are its bytes."""
    odd = mixed_item(values)
    if odd is not None:
        raise PatternError("the IN list mixes constants of different types", odd.pos + 1)
    if not values.items:
        return lambda value: False
    kind = value_type(values.items[0])
    if kind == "timestamp":
        stamps = frozenset(_const_micros(c) for c in values.items)
        return lambda v: isinstance(v, str) and timestamp_micros(v) in stamps
    if kind == "number":
        numbers = frozenset(c.value for c in values.items)
        return lambda v: _is_number(v) and v in numbers
    if kind == "boolean":
        flags = frozenset(c.value for c in values.items)
        return lambda v: isinstance(v, bool) and v in flags
    if kind == "string":
        texts = frozenset(str(c.value) for c in values.items)
        raw = frozenset(b for b in (_latin1(text) for text in texts) if b is not None)

        def in_texts(value: Any) -> bool:
            if isinstance(value, str):
                return value in texts
            return isinstance(value, bytes) and value in raw

        return in_texts
    octets = frozenset(c.value for c in values.items if isinstance(c.value, bytes))

    def in_octets(value: Any) -> bool:
        if isinstance(value, str):
            return _latin1(value) in octets
        return isinstance(value, bytes) and value in octets

    return in_octets


def _like_test(like: str) -> Predicate:
    """LIKE: ``%`` any run of characters, ``_`` exactly one, the rest literal; whole value."""
    like = unicodedata.normalize("NFC", like)
    parts = []
    for char in like:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        elif char.isalnum():
            parts.append(char)
        else:
            parts.append(f"\\x{{{ord(char):x}}}")
    search = compile_regex("(?s)^" + "".join(parts) + "$")
    byte_ok = _latin1(like) is not None

    def test(value: Any) -> bool:
        if isinstance(value, bytes) and byte_ok:
            try:
                value = value.decode("utf-8")
            except UnicodeDecodeError:
                return False
        if not isinstance(value, str):
            return False
        return search(unicodedata.normalize("NFC", value))

    return test


def _regex_test(expression: str, column: int) -> Predicate:
    """MATCHES. An expression that is PCRE but beyond RE2 compiles to a test that raises
    ``UnsupportedRegex`` whenever a value has to be tested: stixhub cannot say whether such a
    comparison is true, and says so rather than answering false. An invalid expression raises
    ``InvalidRegex`` here, when the pattern is compiled."""
    expression = unicodedata.normalize("NFC", expression)
    try:
        search = compile_regex(expression)
    except UnsupportedRegex as exc:
        return _unsupported(exc.message, column)
    byte_ok = _latin1(expression) is not None

    def test(value: Any) -> bool:
        if isinstance(value, str):
            return search(unicodedata.normalize("NFC", value))
        if isinstance(value, bytes) and byte_ok:
            return search(value.decode("latin-1"))
        return False

    return test


def _unsupported(message: str, column: int) -> Predicate:
    def refuse(value: Any) -> bool:
        if isinstance(value, str | bytes):
            raise UnsupportedRegex(message, column)
        return False  # MATCHES is false on a value that is not a string (9.6.1)

    return refuse


def _positive(comparison: Comparison) -> Predicate:  # noqa: PLR0911  one branch per operator
    op, operand = comparison.op, comparison.value
    if isinstance(operand, SetConstant):
        return _set_test(operand)
    assert operand is not None
    if op == "=":
        return lambda v: _equal(v, operand)
    if op == "!=":
        return lambda v: not _equal(v, operand)
    if op in _ORDER_TESTS:
        accept = _ORDER_TESTS[op]

        def order(value: Any) -> bool:
            result = _order(value, operand)
            return result is not None and accept(result)

        return order
    text = str(operand.value)
    if op == "LIKE":
        return _like_test(text)
    if op == "MATCHES":
        return _regex_test(text, operand.pos + 1)
    if op == "ISSUBSET":
        outer = _network(text, where="the pattern")
        return lambda v: isinstance(v, str) and _contains(outer, _network(v, where="the data"))
    inner = _network(text, where="the pattern")
    return lambda v: isinstance(v, str) and _contains(_network(v, where="the data"), inner)


def build_predicate(comparison: Comparison) -> Predicate:
    """Compile the test one property value must pass; NOT is applied per value (9.7)."""
    test = _positive(comparison)
    if comparison.negated:
        return lambda value: not test(value)
    return test
