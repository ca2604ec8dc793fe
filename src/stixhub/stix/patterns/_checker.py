"""Semantic checks of a parsed pattern: what the grammar alone cannot reject.

The grammar accepts ``t'2024-02-30T00:00:00Z'``, a 61-digit SHA-256 or ``WITHIN 0 SECONDS``;
STIX 2.1 does not (sections 9.3, 9.6 and the hashes type of section 2.7). Each problem is a
``PatternIssue`` with a 1-based column so that a caller can point at it.

Errors make the pattern invalid: besides the above, names of types and properties outside 3
to 250 characters (section 3.1), hashes keys and values of the wrong form (2.7, 10.7), IN lists
of mixed types and address ranges of the wrong family (9.6.1). Warnings mark what is legal but
probably a mistake or cannot be evaluated: object types and properties outside the STIX 2.1
vocabulary (custom ``x-`` content is allowed), hash algorithms outside hash-algorithm-ov, and
MATCHES expressions that are PCRE but beyond the linear-time engine (``UnsupportedRegex``).
"""

import ipaddress
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from stixhub.stix._errors import InvalidTimestamp
from stixhub.stix._timestamps import parse_rfc3339_micros
from stixhub.stix.patterns._ast import (
    BoolExpression,
    Comparison,
    ComparisonExpression,
    Constant,
    KeyStep,
    Observation,
    ObservationExpression,
    ObservationOperator,
    Pattern,
    Qualified,
    Repeats,
    SetConstant,
    StartStop,
    Within,
)
from stixhub.stix.patterns._errors import PatternError, UnsupportedRegex
from stixhub.stix.patterns._parser import parse_pattern
from stixhub.stix.patterns._predicates import mixed_item, value_type
from stixhub.stix.patterns._regex import compile_regex
from stixhub.stix.patterns._vocab import SCO_PROPERTIES, hash_rule, vocabulary_hash

__all__ = ["PatternIssue", "check_pattern", "check_tree"]

_TYPE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_HEX = re.compile(r"[0-9a-fA-F]*")
_MAC = re.compile(r"[0-9a-f]{2}(?::[0-9a-f]{2}){5}")
# Names of types and properties: 3 to 250 characters (STIX 2.1 section 3.1, a MUST).
_MIN_NAME, _MAX_NAME = 3, 250
# A hashes key (section 2.7): 3 to 250 characters of a-z, A-Z, 0-9, hyphen and underscore.
_HASH_KEY = re.compile(r"[A-Za-z0-9_-]{3,250}")
# SSDEEP: "blocksize:hash:hash", the hashes in base64 characters of at most 64 each.
_SSDEEP = re.compile(r"([0-9]{1,10}):[A-Za-z0-9+/]{0,64}:[A-Za-z0-9+/]{0,64}")
# TLSH: 35 bytes as 70 hex digits, which TLSH 4 and later write after a version prefix "T1".
_TLSH = re.compile(r"(?:[Tt]1)?[0-9a-fA-F]{70}")
# The lexical form of a STIX timestamp (section 3.2), as the t'...' literal requires it.
_STIX_TIMESTAMP = re.compile(
    r"[0-9]{4}-(?:0[1-9]|1[012])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?Z"
)


@dataclass(frozen=True, slots=True)
class PatternIssue:
    """One problem of a pattern; ``column`` is 1-based in the pattern text."""

    severity: Literal["error", "warning"]
    message: str
    column: int


def check_pattern(pattern: str, *, stix_version: str = "2.1") -> list[PatternIssue]:
    """Check a pattern against the grammar and STIX rules; an empty list means valid.

    Warnings alone leave a pattern valid: callers decide whether to show them.
    ``stix_version="2.0"`` also accepts the STIX 2.0 START/STOP form with plain strings
    (``START '2016-06-01T00:00:00Z'``), each of which must then be a real STIX timestamp;
    otherwise the 2.1 grammar, which 2.0 producers' other constructs fit, applies to both.
    """
    try:
        tree = parse_pattern(pattern, stix_version=stix_version)
    except PatternError as exc:
        return [PatternIssue("error", exc.message, max(exc.column, 1))]
    return check_tree(tree)


def check_tree(tree: Pattern) -> list[PatternIssue]:
    """Run the semantic checks on an already parsed pattern."""
    issues: list[PatternIssue] = []
    for node in _observation_nodes(tree.root):
        if isinstance(node, Qualified):
            issues.extend(_check_qualifier(node))
        else:
            for comparison in _comparisons(node.expression):
                issues.extend(_check_comparison(comparison))
    issues.sort(key=lambda issue: (issue.column, issue.severity != "error"))
    return issues


def _observation_nodes(node: ObservationExpression) -> Iterator[Observation | Qualified]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ObservationOperator):
            stack.extend(reversed(current.operands))
        elif isinstance(current, Qualified):
            yield current
            stack.append(current.expression)
        else:
            yield current


def _comparisons(node: ComparisonExpression) -> Iterator[Comparison]:
    if isinstance(node, BoolExpression):
        for operand in node.operands:
            yield from _comparisons(operand)
    else:
        yield node


def _error(message: str, pos: int) -> PatternIssue:
    return PatternIssue("error", message, pos + 1)


def _warning(message: str, pos: int) -> PatternIssue:
    return PatternIssue("warning", message, pos + 1)


_QUALIFIER_WORDS = {Within: "WITHIN", Repeats: "REPEATS", StartStop: "START/STOP"}


def _repeated_qualifier(node: Qualified) -> bool:
    """True when a bare ``[...]`` carries this qualifier's kind again further in.

    Mirrors the reference validator: ``[a] WITHIN 5 SECONDS WITHIN 6 SECONDS`` is refused,
    while a parenthesised expression may be qualified once more.
    """
    kind = type(node.qualifier)
    current: ObservationExpression = node
    seen_again = False
    while isinstance(current, Qualified):
        if current.grouped:
            return False
        if current is not node and type(current.qualifier) is kind:
            seen_again = True
        current = current.expression
    return seen_again and isinstance(current, Observation)


def _check_qualifier(node: Qualified) -> Iterator[PatternIssue]:
    qualifier = node.qualifier
    if _repeated_qualifier(node):
        word = _QUALIFIER_WORDS[type(qualifier)]
        yield _error(f"duplicate qualifier: {word} is applied twice", qualifier.pos)
    if isinstance(qualifier, Within):
        if qualifier.seconds.value == 0:
            yield _error("WITHIN must be a positive number of seconds", qualifier.seconds.pos)
    elif isinstance(qualifier, Repeats):
        if qualifier.times.value == 0:
            yield _error("REPEATS must be a positive number of times", qualifier.times.pos)
    elif isinstance(qualifier, StartStop):
        for word, bound in (("START", qualifier.start), ("STOP", qualifier.stop)):
            if bound.kind == "string" and not _STIX_TIMESTAMP.fullmatch(str(bound.value)):
                yield _error(
                    f"{word} must be a timestamp 'YYYY-MM-DDTHH:MM:SS[.s]Z' in UTC", bound.pos
                )
            elif _timestamp_micros(bound) is None:
                yield _error(f"{bound.text} is not a real date and time", bound.pos)
        start = _timestamp_micros(qualifier.start)
        stop = _timestamp_micros(qualifier.stop)
        if start is not None and stop is not None and stop <= start:
            yield _error("STOP must be later than START", qualifier.stop.pos)


def _timestamp_micros(constant: Constant) -> int | None:
    try:
        return parse_rfc3339_micros(str(constant.value))
    except InvalidTimestamp:
        return None


def _constants(comparison: Comparison) -> list[Constant]:
    value = comparison.value
    if value is None:
        return []
    if isinstance(value, SetConstant):
        return list(value.items)
    return [value]


def _check_comparison(comparison: Comparison) -> Iterator[PatternIssue]:
    path = comparison.path
    yield from _check_path(comparison)
    yield from _check_hash_name(comparison)
    for constant in _constants(comparison):
        if constant.kind == "timestamp" and _timestamp_micros(constant) is None:
            yield _error(f"{constant.text} is not a real date and time", constant.pos)
    op = comparison.op
    if isinstance(comparison.value, SetConstant):
        odd = mixed_item(comparison.value)
        if odd is not None:
            first = value_type(comparison.value.items[0])
            yield _error(
                f"the IN list mixes constants of different types ({first} and "
                f"{value_type(odd)}): its values must all be of one type",
                odd.pos,
            )
    if op in ("=", "!=", "IN"):
        yield from _check_hashes(comparison)
        yield from _check_addresses(comparison)
    elif op in ("ISSUBSET", "ISSUPERSET"):
        assert isinstance(comparison.value, Constant)
        network = _network(str(comparison.value.value))
        version = _address_family(comparison)
        if network is None:
            yield _error(f"{op} needs an IPv4 or IPv6 address or CIDR range", comparison.value.pos)
        elif version is not None and network.version != version:
            # Section 9.6.1: b MUST be a valid string representation of a's object type.
            yield _error(
                f"{path.object_type}:value {op} needs an IPv{version} address or CIDR range",
                comparison.value.pos,
            )
    elif op == "MATCHES":
        assert isinstance(comparison.value, Constant)
        try:
            compile_regex(unicodedata.normalize("NFC", str(comparison.value.value)))
        except UnsupportedRegex as exc:
            # Valid PCRE (section 9.6.1), so valid STIX: only stixhub cannot evaluate it.
            yield _warning(exc.message, comparison.value.pos)
        except PatternError as exc:
            yield _error(exc.message, comparison.value.pos)
    del path


def _name_length(what: str, name: str, pos: int) -> Iterator[PatternIssue]:
    if not _MIN_NAME <= len(name) <= _MAX_NAME:
        yield _error(
            f"{what} {name!r} must be {_MIN_NAME} to {_MAX_NAME} characters long "
            "(STIX 2.1 section 3.1)",
            pos,
        )


def _check_path(comparison: Comparison) -> Iterator[PatternIssue]:
    path = comparison.path
    object_type = path.object_type
    properties = SCO_PROPERTIES.get(object_type)
    first = path.steps[0]
    name = first.key if isinstance(first, KeyStep) else None
    if properties is None:
        if not _MIN_NAME <= len(object_type) <= _MAX_NAME:
            yield from _name_length("object type", object_type, path.pos)
        elif not _TYPE_NAME.fullmatch(object_type):
            yield _warning(
                f"object type {object_type!r} breaks the STIX naming rule "
                "(lower-case letters, digits and single hyphens)",
                path.pos,
            )
        elif object_type.startswith("x-"):
            yield _warning(f"custom object type {object_type!r}", path.pos)
        else:
            yield _warning(f"{object_type!r} is not a STIX 2.1 cyber-observable type", path.pos)
        if name is not None:
            yield from _name_length("property", name, first.pos)
        return
    if name is None or name in properties:
        return
    if not _MIN_NAME <= len(name) <= _MAX_NAME:
        yield from _name_length("property", name, first.pos)
    elif name.startswith("x_"):
        yield _warning(f"custom property {name!r} of {object_type}", first.pos)
    else:
        yield _warning(f"{object_type} has no property {name!r} in STIX 2.1", first.pos)


def _hash_key(comparison: Comparison) -> KeyStep | None:
    """The last step of a ``...hashes.'X'`` path: the hash algorithm's key."""
    steps = comparison.path.steps
    if len(steps) < 2:
        return None
    last, parent = steps[-1], steps[-2]
    if isinstance(last, KeyStep) and isinstance(parent, KeyStep) and parent.key == "hashes":
        return last
    return None


def _check_hash_name(comparison: Comparison) -> Iterator[PatternIssue]:
    """Hashes keys (section 2.7): of the right form (a MUST), and from hash-algorithm-ov."""
    key = _hash_key(comparison)
    if key is None:
        return
    if not _HASH_KEY.fullmatch(key.key):
        yield _error(
            f"hash algorithm name {key.key!r} must be 3 to 250 characters of a-z, A-Z, 0-9, "
            "'-' and '_' (STIX 2.1 section 2.7)",
            key.pos,
        )
    elif vocabulary_hash(key.key) is None:
        yield _warning(
            f"hash algorithm {key.key!r} is not in the STIX 2.1 hash-algorithm-ov "
            "(MD5, SHA-1, SHA-256, SHA-512, SHA3-256, SHA3-512, SSDEEP, TLSH)",
            key.pos,
        )


def _ssdeep(value: str) -> bool:
    found = _SSDEEP.fullmatch(value)
    if found is None:
        return False
    block = int(found.group(1))
    return block >= 3 and block % 3 == 0 and (block // 3) & (block // 3 - 1) == 0


def _check_hashes(comparison: Comparison) -> Iterator[PatternIssue]:
    """Hash values in the format of their algorithm (section 10.7: "MUST be a valid ...")."""
    key = _hash_key(comparison)
    if key is None:
        return
    algorithm = vocabulary_hash(key.key)
    for constant in _constants(comparison):
        value = constant.value
        if algorithm == "SSDEEP":
            if not (isinstance(value, str) and _ssdeep(value)):
                yield _error(
                    "SSDEEP value must be a piecewise hash 'blocksize:hash:hash' "
                    "(block size 3 x 2^n, base64 hashes of at most 64 characters)",
                    constant.pos,
                )
        elif algorithm == "TLSH":
            if not (isinstance(value, str) and _TLSH.fullmatch(value)):
                yield _error(
                    "TLSH value must be 70 hex digits (35 bytes), optionally after 'T1'",
                    constant.pos,
                )
        else:
            rule = hash_rule(key.key)
            if rule is None:
                continue
            name, lengths = rule
            digits = " or ".join(str(n) for n in lengths)
            if not (isinstance(value, str) and len(value) in lengths and _HEX.fullmatch(value)):
                yield _error(f"{name} value must be {digits} hex digits", constant.pos)


def _network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def _address_family(comparison: Comparison) -> int | None:
    """4 or 6 for a path ``ipv4-addr:value`` or ``ipv6-addr:value``, else None."""
    steps = comparison.path.steps
    if len(steps) == 1 and isinstance(steps[0], KeyStep) and steps[0].key == "value":
        return {"ipv4-addr": 4, "ipv6-addr": 6}.get(comparison.path.object_type)
    return None


def _check_addresses(comparison: Comparison) -> Iterator[PatternIssue]:
    path = comparison.path
    if len(path.steps) != 1 or not isinstance(path.steps[0], KeyStep):
        return
    if path.steps[0].key != "value":
        return
    kind = path.object_type
    for constant in _constants(comparison):
        if not isinstance(constant.value, str):
            continue
        if kind in ("ipv4-addr", "ipv6-addr"):
            network = _network(constant.value)
            version = 4 if kind == "ipv4-addr" else 6
            if network is None or network.version != version:
                yield _error(
                    f"{kind} value must be an IPv{version} address or CIDR range",
                    constant.pos,
                )
        elif kind == "mac-addr" and not _MAC.fullmatch(constant.value):
            yield _warning(
                "mac-addr value should be six lower-case hex pairs separated by colons",
                constant.pos,
            )
