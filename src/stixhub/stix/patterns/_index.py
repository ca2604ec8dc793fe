"""A compiled index of many indicators: which of them match one event?

Evaluating every pattern for every event does not scale to 100,000 indicators. Most patterns
hold only if some *anchor* holds: an equality or IN on one object path
(``file:hashes.'SHA-256' = '...'``), an address inside a CIDR range, or a LIKE whose literal
prefix or suffix is known (``'%.evil.example'``). The index keeps the anchors per object path
in hash maps (exact values), in per-prefix-length tables (CIDR ranges), and in per-length
tables of prefixes and suffixes (LIKE), so an event only reaches the indicators that one of
its values points at. Only the paths some indicator names are read from an event.

Most real indicators are *direct*: one observation of comparisons joined by OR (or an OR of
such observations), each an equality, IN, ISSUBSET or LIKE prefix/suffix/exact on a plain
property path. For them the table hit is exactly the verdict of the general matcher, so no
pattern is evaluated; every other anchored indicator is confirmed by the general matcher,
and indicators without any anchor (NOT, MATCHES, ordering ...) are tried on every event. The
index therefore returns exactly what ``match`` would, which the property tests check.

An event's observation windows are read (and the event validated as observed-data) only when
some indicator is a candidate: an event no indicator points at costs a few look-ups.

Indicators are versions: adding a newer ``modified`` of an id replaces the older one in place,
an older one is ignored, and a revoked version removes the id for good. Revoking is permanent
(STIX 2.1 section 3.2, ``revoked``: "future versions of the object with this id MUST NOT be
created", and section 3.6), so every later version of a revoked id, older or newer than the
revoked one, is refused; a revoked version that arrives after a newer one still revokes, which
makes the index the same whatever order the versions come in. ``valid_from`` / ``valid_until``
are compared with the event's observation window.

An indicator whose pattern does not compile is skipped by the constructor and ``extend`` and
listed in ``refused``; a pattern that hits the matcher's work limit on an event is counted in
``undecided`` (it is neither a match nor a non-match), see ``PatternIndex.match``.
"""

import ipaddress
import socket
import unicodedata
from bisect import insort
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from stixhub.stix._errors import InvalidTimestamp
from stixhub.stix._timestamps import format_taxii_timestamp, parse_rfc3339_micros
from stixhub.stix.patterns._ast import (
    BoolExpression,
    Comparison,
    ComparisonExpression,
    Constant,
    KeyStep,
    ObjectPath,
    Observation,
    ObservationExpression,
    ObservationOperator,
    Qualified,
    SetConstant,
)
from stixhub.stix.patterns._errors import PatternError, PatternLimitError
from stixhub.stix.patterns._matcher import (
    CompiledPattern,
    ObservedData,
    compile_pattern,
    observations_from,
    observed_objects,
    observed_window,
    path_values,
)
from stixhub.stix.patterns._parser import parse_pattern
from stixhub.stix.patterns._predicates import ObservationError, build_predicate

try:  # the inner loop in C, built when a compiler was there at install (see _speedups.c)
    from stixhub.stix.patterns import _speedups
except ImportError:  # pragma: no cover  depends on the install
    _speedups = None  # type: ignore[assignment]

__all__ = ["PatternIndex"]

_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
_AnchorKind = Literal["eq", "cidr", "prefix", "suffix", "like"]
# (kind, table, key): "eq" and "like" keys are value keys, "cidr" (version, length, bits),
# "prefix"/"suffix" the literal text.
_Anchor = tuple[_AnchorKind, "_PathTable", Any]
# Longest LIKE text handled by a table: its translation to RE2 must stay under the regex limit.
_MAX_LIKE = 900
# Suffixes that make a property binary or a reference (STIX 2.1 sections 2.2, 3.1): such a
# path's values are converted or followed, so it is read by the general path walker.
_SPECIAL_SUFFIXES = ("_ref", "_refs", "_hex", "_bin")


def _value_key(value: Any) -> Any:  # noqa: PLR0911  one return per kind of value
    """The hash key of a value: values equal under section 9.7 share a key.

    Strings are their own key; binary values are the string of the same code points (a
    string equals a binary value when its code points are the bytes); numbers are their own
    key (1 and 1.0 are equal and hash alike); booleans are tagged so that ``true`` never
    meets 1. Lists, objects and null have no key.
    """
    kind = type(value)
    if kind is str:
        return value
    if kind is bool:
        return ("bool", value)
    if kind is int or kind is float:
        return value
    if kind is bytes:
        return value.decode("latin-1")
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float):
        return ("bool", value) if isinstance(value, bool) else value
    return None


def _like_text(value: Any) -> str | None:
    """The text LIKE compares: NFC-normalised, binary values read as UTF-8 (as the matcher)."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    return value if value.isascii() else unicodedata.normalize("NFC", value)


def _network_bits(value: Any) -> tuple[int, int, int] | None:
    """(IP version, address as an integer, prefix length) of an address or CIDR value.

    ``inet_pton`` reads the plain forms fast; anything it refuses (scoped IPv6 addresses,
    netmask notation) goes to ``ipaddress``, whose reading the matcher uses, so both agree.
    """
    if not isinstance(value, str):
        return None
    address, slash, length = value.partition("/")
    try:
        if ":" in address:
            bits = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
            version, width = 6, 128
        else:
            bits = int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
            version, width = 4, 32
        if not slash:
            return version, bits, width
        if length.isascii() and length.isdigit() and int(length) <= width:
            return version, bits, int(length)
    except (OSError, ValueError):
        pass
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return network.version, int(network.network_address), network.prefixlen


class _Lengths:
    """The distinct lengths of the prefixes (or suffixes) of one group, sorted, with counts."""

    __slots__ = ("counts", "sorted")

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.sorted: list[int] = []

    def add(self, length: int) -> None:
        count = self.counts.get(length, 0)
        self.counts[length] = count + 1
        if count == 0:
            insort(self.sorted, length)

    def discard(self, length: int) -> None:
        count = self.counts.get(length, 0) - 1
        if count > 0:
            self.counts[length] = count
        elif count == 0:
            del self.counts[length]
            self.sorted.remove(length)


_Ids = set[str]
_NO_IDS: frozenset[str] = frozenset()
# CIDR tables to probe as (shift of an address to the table's prefix length, table).
_Nets = list[tuple[int, dict[int, _Ids]]]
# The CIDR probe of one IP version: (coarse map or None, its keys, shift of an address to
# the coarse length, tables probed directly). The coarse map holds, per coarse prefix, the
# tables that have a range under it, so an address outside every range costs one look-up.
_VersionProbe = tuple["dict[int, _Nets] | None", "set[int]", int, _Nets]
# (first key and second key of a short plain path or None, keys of the exact table or None,
# table if it has LIKE anchors, table if it has CIDR anchors, the IPv4 and IPv6 CIDR probes,
# the table itself)
_Probe = tuple[
    "str | None",
    "str | None",
    "set[Any] | None",
    "_PathTable | None",
    "_PathTable | None",
    _VersionProbe,
    _VersionProbe,
    "_PathTable",
]
# The coarse prefix length of each IP version: ranges at least this long are found through
# the coarse map of their table; shorter ones are probed on every address.
_COARSE = {4: 16, 6: 32}
_WIDTH = {4: 32, 6: 128}
_MISSING = object()
_AF_INET = socket.AF_INET
_AF_INET6 = socket.AF_INET6
_inet_pton = socket.inet_pton
_from_bytes = int.from_bytes


class _PathTable:
    """Every anchor on one object path, and how to read that path from an object.

    LIKE prefixes are grouped by their last character and suffixes by their first: a value
    can only end a prefix where it holds that character, so a URL is probed at its few
    slashes and a domain at its dots, instead of at every length some prefix has. When a
    character is frequent in the value, the group's lengths are probed instead; both ways
    find exactly the prefixes (suffixes) the value has.
    """

    __slots__ = (
        "cidr",
        "cidr_tables",
        "coarse",
        "coarse_counts",
        "coarse_keys",
        "exact",
        "exact_keys",
        "key",
        "key2",
        "keys",
        "like",
        "path",
        "prefix",
        "prefix_ends",
        "suffix",
        "suffix_starts",
        "text",
    )

    def __init__(self, path: ObjectPath, text: str) -> None:
        self.path = path
        self.text = text
        steps = path.steps
        plain = all(
            isinstance(step, KeyStep) and not step.key.endswith(_SPECIAL_SUFFIXES) for step in steps
        )
        # A plain path is read with dictionary look-ups; None means "use path_values".
        self.keys: tuple[str, ...] | None = (
            tuple(step.key for step in steps if isinstance(step, KeyStep)) if plain else None
        )
        # The keys of a plain path of one or two steps (``value``, ``hashes.MD5``): the fast
        # path of the event loop reads those with dict look-ups.
        short = self.keys is not None and len(self.keys) <= 2
        self.key: str | None = self.keys[0] if short and self.keys else None
        self.key2: str | None = self.keys[1] if short and self.keys and len(self.keys) > 1 else None
        self.exact: dict[Any, _Ids] = {}
        # The keys of ``exact`` again: a set answers "no such value" with fewer memory reads
        # than a dict, and nearly every value of an event is no indicator's.
        self.exact_keys: set[Any] = set()
        self.like: dict[str, _Ids] = {}
        self.prefix: dict[str, _Ids] = {}
        self.suffix: dict[str, _Ids] = {}
        self.prefix_ends: dict[str, _Lengths] = {}  # last character -> lengths
        self.suffix_starts: dict[str, _Lengths] = {}  # first character -> lengths
        # (version, prefix length) -> network bits shifted right to that length -> ids
        self.cidr: dict[tuple[int, int], dict[int, _Ids]] = {}
        # (version, length, shift to that length, table), sorted: the tables to probe
        self.cidr_tables: list[tuple[int, int, int, dict[int, _Ids]]] = []
        # version -> coarse prefix -> (shift, table) of each table with a range under it,
        # and (version, coarse prefix, length) -> how many ranges of the table are under it
        self.coarse: dict[int, dict[int, _Nets]] = {4: {}, 6: {}}
        self.coarse_keys: dict[int, set[int]] = {4: set(), 6: set()}  # the keys of coarse
        self.coarse_counts: dict[tuple[int, int, int], int] = {}

    def is_empty(self) -> bool:
        return not (self.exact or self.like or self.prefix or self.suffix or self.cidr)

    def probe(self) -> "_Probe":
        """What the event loop needs, unpacked once: see ``PatternIndex._candidates``."""
        return (
            self.key,
            self.key2,
            self.exact_keys or None,
            self if (self.like or self.prefix or self.suffix) else None,
            self if self.cidr else None,
            self.version_probe(4),
            self.version_probe(6),
            self,
        )

    def version_probe(self, version: int) -> _VersionProbe:
        """The CIDR tables of one IP version as the event loop probes them.

        With two or more tables of ranges at least the coarse length long, one look-up in the
        coarse map finds the few of them that can hold an address; with one, probing that
        table directly is as cheap.
        """
        tables = [(length, shift, t) for v, length, shift, t in self.cidr_tables if v == version]
        coarse = _COARSE[version]
        if sum(length >= coarse for length, _, _ in tables) <= 1:
            return None, self.coarse_keys[version], 0, [(shift, t) for _, shift, t in tables]
        wide = [(shift, t) for length, shift, t in tables if length < coarse]
        return self.coarse[version], self.coarse_keys[version], _WIDTH[version] - coarse, wide

    def values(self, obj: Mapping[str, Any], scos: Mapping[Any, Any]) -> list[Any]:
        """The values of this path in one object, as the general matcher reads them."""
        keys = self.keys
        if keys is None:
            if not all(type(key) is str for key in scos):  # as observations_from keys them
                scos = {str(k): v for k, v in scos.items() if isinstance(v, Mapping)}
            return path_values(self.path, obj, scos)
        value: Any = obj
        for key in keys:
            if not isinstance(value, Mapping) or key not in value:
                return []
            value = value[key]
        return [value]

    def lookup(self, value: Any, found: _Ids) -> bool:
        """Add the ids this value points at to ``found``; False if a CIDR value is unreadable."""
        if self.exact:
            key = _value_key(value)
            if key is not None:
                hit = self.exact.get(key)
                if hit:
                    found |= hit
        if self.like or self.prefix or self.suffix:
            text = _like_text(value)
            if text is not None:
                self.lookup_like(text, found)
        if self.cidr:
            return self.lookup_cidr(value, found)
        return True

    def lookup_cidr(self, value: Any, found: _Ids) -> bool:
        network = _network_bits(value)
        if network is None:
            return False
        version, bits, length = network
        for table_version, table_length, shift, table in self.cidr_tables:
            if table_version == version and table_length <= length:
                hit = table.get(bits >> shift)
                if hit:
                    found |= hit
        return True

    def lookup_like(self, text: str, found: _Ids) -> None:  # noqa: PLR0912, PLR0915  two mirrors
        """LIKE tables: the exact text, then every prefix and suffix the text has.

        A prefix of a group ends at an occurrence of its character whose offset is within the
        group's shortest and longest lengths, so only that window of the text is searched
        (a suffix likewise starts at one); when the character is frequent there, the group's
        lengths are probed instead.
        """
        like = self.like
        if like:
            hit = like.get(text)
            if hit:
                found |= hit
        size = len(text)
        if self.prefix_ends:
            table = self.prefix
            for char, lengths in self.prefix_ends.items():
                if not char:  # the empty prefix: LIKE '%' holds for every text
                    found |= table[""]
                    continue
                ordered = lengths.sorted
                low = ordered[0] - 1
                if low >= size:
                    continue
                high = ordered[-1]  # offsets low .. high - 1 end a prefix of a group length
                counts = lengths.counts
                if text.count(char, low, high) <= len(counts):
                    i = text.find(char, low, high)
                    while i >= 0:
                        if i + 1 in counts:
                            hit = table.get(text[: i + 1])
                            if hit:
                                found |= hit
                        i = text.find(char, i + 1, high)
                else:
                    for length in ordered:
                        if length > size:
                            break
                        if text[length - 1] == char:
                            hit = table.get(text[:length])
                            if hit:
                                found |= hit
        if self.suffix_starts:
            table = self.suffix
            for char, lengths in self.suffix_starts.items():
                if not char:
                    found |= table[""]
                    continue
                ordered = lengths.sorted
                high = size - ordered[0] + 1
                if high <= 0:
                    continue
                low = max(0, size - ordered[-1])  # offsets low .. high - 1 start a suffix
                counts = lengths.counts
                if text.count(char, low, high) <= len(counts):
                    i = text.find(char, low, high)
                    while i >= 0:
                        if size - i in counts:
                            hit = table.get(text[i:])
                            if hit:
                                found |= hit
                        i = text.find(char, i + 1, high)
                else:
                    for length in ordered:
                        if length > size:
                            break
                        if text[size - length] == char:
                            hit = table.get(text[size - length :])
                            if hit:
                                found |= hit

    def add(self, kind: _AnchorKind, key: Any, indicator_id: str) -> None:
        if kind == "eq":
            ids = self.exact.get(key)
            if ids is None:
                ids = self.exact[key] = set()
                self.exact_keys.add(key)
            ids.add(indicator_id)
        elif kind == "like":
            self.like.setdefault(key, set()).add(indicator_id)
        elif kind in ("prefix", "suffix"):
            table = self.prefix if kind == "prefix" else self.suffix
            ids = table.setdefault(key, set())
            if not ids:
                groups = self.prefix_ends if kind == "prefix" else self.suffix_starts
                char = "" if not key else key[-1] if kind == "prefix" else key[0]
                groups.setdefault(char, _Lengths()).add(len(key))
            ids.add(indicator_id)
        else:
            version, length, bits = key
            table_ = self.cidr.get((version, length))
            if table_ is None:
                table_ = self.cidr[version, length] = {}
                self.cidr_tables.append((version, length, _WIDTH[version] - length, table_))
                self.cidr_tables.sort(key=lambda c: c[:2])
            nets = table_.get(bits)
            if nets is None:
                nets = table_[bits] = set()
                self._count_coarse(version, length, bits, table_, 1)
            nets.add(indicator_id)

    def discard(self, kind: _AnchorKind, key: Any, indicator_id: str) -> None:
        if kind == "cidr":
            version, length, bits = key
            table = self.cidr.get((version, length), {})
            if _discard(table, bits, indicator_id):
                self._count_coarse(version, length, bits, table, -1)
            if not table and (version, length) in self.cidr:
                del self.cidr[version, length]
                self.cidr_tables = [c for c in self.cidr_tables if c[:2] != (version, length)]
            return
        tables = {"eq": self.exact, "like": self.like, "prefix": self.prefix}
        gone = _discard(tables.get(kind, self.suffix), key, indicator_id)
        if gone and kind == "eq":
            self.exact_keys.discard(key)
        elif gone and kind in ("prefix", "suffix"):
            groups = self.prefix_ends if kind == "prefix" else self.suffix_starts
            char = "" if not key else key[-1] if kind == "prefix" else key[0]
            lengths = groups[char]
            lengths.discard(len(key))
            if not lengths.counts:
                del groups[char]

    def _count_coarse(
        self, version: int, length: int, bits: int, table: dict[int, _Ids], delta: int
    ) -> None:
        """Count a range in (or out of) the coarse map; ``bits`` is shifted to ``length``."""
        coarse = _COARSE[version]
        if length < coarse:
            return
        prefix = bits >> (length - coarse)
        key = (version, prefix, length)
        count = self.coarse_counts.get(key, 0) + delta
        by_prefix = self.coarse[version]
        if count > 0:
            self.coarse_counts[key] = count
            if count == 1 and delta > 0:
                by_prefix.setdefault(prefix, []).append((_WIDTH[version] - length, table))
                self.coarse_keys[version].add(prefix)
            return
        self.coarse_counts.pop(key, None)
        nets = [net for net in by_prefix.get(prefix, []) if net[1] is not table]
        if nets:
            by_prefix[prefix] = nets
        else:
            by_prefix.pop(prefix, None)
            self.coarse_keys[version].discard(prefix)


def _discard(table: dict[Any, set[str]], key: Any, indicator_id: str) -> bool:
    """Remove one id under a key; True when the key is gone from the table."""
    ids = table.get(key)
    if ids is None:
        return False
    ids.discard(indicator_id)
    if ids:
        return False
    del table[key]
    return True


# -- anchors of a pattern ----------------------------------------------------------------------
@dataclass(slots=True)
class _Plan:
    """What a pattern needs from the tables: anchors, and whether a hit is already a match."""

    anchors: list[tuple[_AnchorKind, ObjectPath, Any]] | None
    direct: bool = False
    cidr_paths: list[str] = field(default_factory=list)


def _constant_key(constant: Constant) -> Any:
    if constant.kind == "timestamp":
        return None  # compared as an instant, not as text: no hash key
    return _value_key(constant.value)


def _like_anchor(  # noqa: PLR0911  one return per shape of LIKE pattern
    path: ObjectPath, like: str
) -> tuple[tuple[_AnchorKind, ObjectPath, Any] | None, bool]:
    """The anchor of a LIKE pattern, and whether a hit is the match.

    ``'abc'`` (no wildcard) is an exact text, ``'abc%'`` a prefix, ``'%abc'`` a suffix: all
    three are decided by the table. Otherwise the longer literal end (before the first or
    after the last wildcard) is an anchor to be confirmed, if there is one.
    """
    if len(like) > _MAX_LIKE:
        return None, False
    like = unicodedata.normalize("NFC", like)
    wild = [i for i, char in enumerate(like) if char in "%_"]
    if not wild:
        return ("like", path, like), True
    head, tail = like[: wild[0]], like[wild[-1] + 1 :]
    if len(wild) == 1 and like[wild[0]] == "%":
        if not tail:
            return ("prefix", path, head), True
        if not head:
            return ("suffix", path, tail), True
    if len(head) >= len(tail) and head:
        return ("prefix", path, head), False
    if tail:
        return ("suffix", path, tail), False
    return None, False


def _comparison_plan(node: Comparison) -> _Plan:  # noqa: PLR0911  one branch per operator
    """Anchors of one comparison; ``direct`` when the table hit is exactly its verdict."""
    if node.negated:
        return _Plan(None)
    path = node.path
    plain = all(
        isinstance(step, KeyStep) and not step.key.endswith(_SPECIAL_SUFFIXES)
        for step in path.steps
    )
    value = node.value
    if node.op == "=" and isinstance(value, Constant):
        key = _constant_key(value)
        if key is None:
            return _Plan(None)
        # On a plain path the data is JSON (str, number, bool): equality is key equality.
        # A binary constant compares with a string by code points, as the key does, but the
        # matcher's rule has edge cases of its own: leave those to it.
        direct = plain and value.kind in ("string", "int", "float", "bool")
        return _Plan([("eq", path, key)], direct)
    if node.op == "IN" and isinstance(value, SetConstant):
        anchors: list[tuple[_AnchorKind, ObjectPath, Any]] = []
        for item in value.items:
            key = _constant_key(item)
            if key is None:
                return _Plan(None)
            anchors.append(("eq", path, key))
        # IN holds exactly when = holds for one of the items (the matcher's reading of
        # section 9.6.1), so the hit is the verdict wherever = of each item would be direct.
        kinds = {item.kind for item in value.items}
        direct = plain and bool(kinds) and kinds <= {"string", "int", "float", "bool"}
        return _Plan(anchors, direct)
    if node.op == "ISSUBSET" and isinstance(value, Constant):
        try:
            network = ipaddress.ip_network(str(value.value), strict=False)
        except ValueError:
            return _Plan(None)
        width = network.max_prefixlen
        length = network.prefixlen
        bits = int(network.network_address) >> (width - length)
        key = (network.version, length, bits)
        return _Plan([("cidr", path, key)], plain, [str(path)] if plain else [])
    if node.op == "LIKE" and isinstance(value, Constant):
        anchor, exact = _like_anchor(path, str(value.value))
        if anchor is None:
            return _Plan(None)
        return _Plan([anchor], plain and exact)
    return _Plan(None)


def _merge_or(parts: list[_Plan]) -> _Plan:
    """OR: every operand must be anchored; the union of the anchors; direct if all are."""
    if any(p.anchors is None for p in parts):
        return _Plan(None)
    anchors = [a for p in parts for a in p.anchors or ()]
    cidr = [c for p in parts for c in p.cidr_paths]
    return _Plan(anchors, all(p.direct for p in parts), cidr)


def _merge_and(parts: list[_Plan]) -> _Plan:
    """AND: one operand's anchors suffice (the fewest); a hit must be confirmed."""
    known = [p for p in parts if p.anchors is not None]
    if not known:
        return _Plan(None)
    return _Plan(min(known, key=lambda p: len(p.anchors or ())).anchors)


def _expression_plan(node: ComparisonExpression) -> _Plan:
    if isinstance(node, Comparison):
        return _comparison_plan(node)
    parts = [_expression_plan(operand) for operand in node.operands]
    return _merge_or(parts) if node.op == "OR" else _merge_and(parts)


def _pattern_plan(node: ObservationExpression) -> _Plan:
    """Anchors of the whole pattern; direct only for observations joined by OR."""
    if isinstance(node, Observation):
        return _expression_plan(node.expression)
    if isinstance(node, Qualified):
        inner = _pattern_plan(node.expression)
        return _Plan(inner.anchors)  # qualifiers need the observation windows: confirm
    assert isinstance(node, ObservationOperator)
    parts = [_pattern_plan(operand) for operand in node.operands]
    return _merge_or(parts) if node.op == "OR" else _merge_and(parts)


def _direct_comparisons(node: ObservationExpression) -> list[Comparison]:
    """The comparisons of a direct pattern (an OR of observations of OR-ed comparisons)."""
    found: list[Comparison] = []
    stack: list[ObservationExpression | ComparisonExpression] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ObservationOperator | BoolExpression):
            stack.extend(current.operands)
        elif isinstance(current, Observation):
            stack.append(current.expression)
        elif isinstance(current, Comparison):
            found.append(current)
    return found


def _micros(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_rfc3339_micros(value)
    except InvalidTimestamp:
        return None


@dataclass(slots=True)
class _Entry:
    """One indicator version as the index keeps it.

    ``compiled`` is None for a direct indicator: its table hits are its matches, so only the
    pattern text is kept (to compile it in the rare case an event's data needs the general
    matcher's verdict, see ``PatternIndex.match``).
    """

    indicator_id: str
    modified: str
    pattern: str
    stix_version: str
    compiled: CompiledPattern | None
    anchors: list[_Anchor]
    valid_from: int | None
    valid_until: int | None
    cidr_paths: frozenset[str] = frozenset()

    def valid_during(self, start: int, end: int) -> bool:
        """Whether the indicator's validity window overlaps the observations' window."""
        if self.valid_from is not None and end < self.valid_from:
            return False
        return self.valid_until is None or start < self.valid_until

    def matcher(self) -> CompiledPattern:
        if self.compiled is not None:
            return self.compiled
        return compile_pattern(self.pattern, stix_version=self.stix_version)


def _event_window(event: Any) -> tuple[int, int, list[ObservedData] | None] | None:
    """The event's first and last observation times (microseconds); None when it has none.

    One observed-data object needs no full read: its window is all the direct hits need,
    so its observations are left for the general matcher to build if it is consulted.
    """
    if type(event) is dict and event.get("type") == "observed-data":
        start, end, _ = observed_window(event)
        return start, end, None
    observations = observations_from(event)
    if not observations:
        return None
    return min(o.first for o in observations), max(o.last for o in observations), observations


def _like_info(table: "_PathTable | None") -> tuple[Any, ...] | None:
    """A LIKE table as the C loop reads it: its dicts, and its groups as tuples."""
    if table is None:
        return None

    def groups(by_char: dict[str, _Lengths]) -> tuple[tuple[str, dict[int, int], list[int]], ...]:
        return tuple((char, lengths.counts, lengths.sorted) for char, lengths in by_char.items())

    return (
        table.like,
        table.prefix,
        groups(table.prefix_ends),
        table.suffix,
        groups(table.suffix_starts),
    )


def _cprobe(probe: _Probe) -> tuple[Any, ...]:
    """A probe as the C loop reads it (``_speedups.c``, ``run_probe``), the probe at its end."""
    key, key2, exact, like, cidr, cidr4, cidr6, table = probe
    return (key, key2, exact, table.exact, _like_info(like), cidr, cidr4, cidr6, probe)


def _slow_probe(probe: _Probe, obj: Any, scos: Mapping[Any, Any], found: _Ids) -> str | None:
    """One probe on one object through the general reading; the C loop calls it for what it
    does not read itself (another Mapping, a long or special path, a value that is no str).

    Returns the path's text when a CIDR value is unreadable, else None.
    """
    key, key2, _, _, _, _, _, table = probe
    values: list[Any]
    if key is not None and type(obj) is dict:
        value = obj.get(key, _MISSING)
        if key2 is not None:
            if not isinstance(value, Mapping):
                return None  # nothing to step into: the path selects nothing
            value = value.get(key2, _MISSING)
        if value is _MISSING:
            return None
        values = [value]
    else:
        try:
            values = table.values(obj, scos)
        except ObservationError:
            return None  # malformed data: no match for an indicator needing it, as below
    unreadable = None
    for value in values:
        if not table.lookup(value, found) and table.cidr:
            unreadable = table.text
    return unreadable


def _slow_object(
    cprobes: Mapping[str, tuple[tuple[Any, ...], ...]],
    obj: Any,
    scos: Mapping[Any, Any],
    found: _Ids,
) -> set[str] | None:
    """An object that is not a dict, for the C loop: every probe of its type, in Python."""
    if not isinstance(obj, Mapping):
        return None
    object_type = obj.get("type")
    probes = cprobes.get(object_type) if type(object_type) is str else None
    if probes is None:
        return None
    unreadable = None
    for cprobe in probes:
        text = _slow_probe(cprobe[8], obj, scos, found)
        if text is not None:
            unreadable = unreadable or set()
            unreadable.add(text)
    return unreadable


class PatternIndex:
    """Indicators compiled for matching events; update it with ``add``, ``extend``, ``remove``.

    Three attributes report what the index did not take or could not decide:

    - ``refused``: indicator id -> why its pattern was refused (``"PatternSyntaxError at
      column 7: ..."``), for the indicators the constructor or ``extend`` skipped; an id
      leaves it when a later version of it is accepted.
    - ``revoked``: indicator id -> ``modified`` of the revoked version seen; those ids take no
      version any more.
    - ``undecided``: indicator id -> number of events on which its pattern hit the matcher's
      work limit (``PatternLimitError``); ``match`` leaves such an indicator out of its
      answer, so a caller that needs to tell "no match" from "undecided" reads this counter.
    """

    def __init__(self, indicators: Iterable[Mapping[str, Any]] = ()) -> None:
        self._entries: dict[str, _Entry] = {}
        self._tables: dict[tuple[str, str], _PathTable] = {}  # (type, path text) -> table
        self._by_type: dict[str, list[_PathTable]] = {}  # object type -> its tables
        self._probes: dict[str, tuple[_Probe, ...]] = {}  # built from _by_type when needed
        self._cprobes: dict[str, tuple[tuple[Any, ...], ...]] = {}  # the same for _speedups
        # The C loop, or None for the pure-Python one (tests run both).
        self._fast = None if _speedups is None else _speedups.candidates
        self._stale = True
        self._fallback: set[str] = set()
        self.refused: dict[str, str] = {}
        self.revoked: dict[str, str] = {}
        self.undecided: Counter[str] = Counter()
        self.extend(indicators)

    def extend(self, indicators: Iterable[Mapping[str, Any]]) -> dict[str, str]:
        """Add many indicator versions; skip those whose pattern is refused and return them.

        The result maps each skipped id to the reason (the ``PatternError`` with its column);
        ``refused`` collects them too. One bad pattern in a feed never stops the others.
        """
        refused: dict[str, str] = {}
        for indicator in indicators:
            try:
                self.add(indicator)
            except PatternError as error:
                where = f" at column {error.column}" if error.column else ""
                reason = f"{type(error).__name__}{where}: {error.message}"
                refused[str(indicator.get("id", ""))] = reason
        self.refused.update(refused)
        return refused

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._entries

    def add(self, indicator: Mapping[str, Any]) -> bool:
        """Add or replace one indicator version; return whether the index changed.

        Raises ``PatternError`` if the pattern does not parse or compile (``extend`` skips
        such an indicator instead); indicators of another ``pattern_type`` than ``stix`` are
        ignored. A revoked version removes the id for good: any version of a revoked id
        returns False. An indicator without ``spec_version`` is STIX 2.0, whose START/STOP
        may use plain strings.
        """
        indicator_id = str(indicator.get("id", ""))
        if indicator_id in self.revoked:
            return False  # revoking is permanent (STIX 2.1 section 3.2, revoked)
        modified = str(indicator.get("modified") or indicator.get("created") or "")
        if indicator.get("revoked") is True:
            self.revoked[indicator_id] = modified
            self.refused.pop(indicator_id, None)
            return self.remove(indicator_id)
        current = self._entries.get(indicator_id)
        if current is not None:
            newer = _micros(modified)
            older = _micros(current.modified)
            if newer is not None and older is not None and newer <= older:
                return False
        if indicator.get("pattern_type", "stix") != "stix":
            return False
        text = str(indicator.get("pattern", ""))
        version = "2.0" if indicator.get("spec_version", "2.0") == "2.0" else "2.1"
        tree = parse_pattern(text, stix_version=version)
        plan = _pattern_plan(tree.root)
        compiled: CompiledPattern | None = None
        if plan.direct:
            # The general matcher is not needed, but its compile-time errors must still be
            # raised here: build the predicates of the comparisons the tables stand for.
            for comparison in _direct_comparisons(tree.root):
                if comparison.op in ("=", "IN"):
                    build_predicate(comparison)
        else:
            compiled = compile_pattern(tree)
        entry = _Entry(
            indicator_id,
            modified,
            text,
            version,
            compiled,
            [],
            _micros(indicator.get("valid_from")),
            _micros(indicator.get("valid_until")),
            frozenset(plan.cidr_paths),
        )
        self.remove(indicator_id)
        self.refused.pop(indicator_id, None)
        self._stale = True
        self._entries[indicator_id] = entry
        if plan.anchors is None:
            self._fallback.add(indicator_id)
            return True
        for kind, path, key in plan.anchors:
            table = self._table(path)
            table.add(kind, key, indicator_id)
            entry.anchors.append((kind, table, key))
        return True

    def _table(self, path: ObjectPath) -> _PathTable:
        text = str(path)
        table = self._tables.get((path.object_type, text))
        if table is None:
            table = _PathTable(path, text)
            self._tables[path.object_type, text] = table
            self._by_type.setdefault(path.object_type, []).append(table)
        return table

    def remove(self, indicator_id: str) -> bool:
        """Forget an indicator (all its versions); return whether it was present."""
        entry = self._entries.pop(indicator_id, None)
        if entry is None:
            return False
        self._fallback.discard(indicator_id)
        self._stale = True
        for kind, table, key in entry.anchors:
            table.discard(kind, key, indicator_id)
            if table.is_empty():
                object_type = table.path.object_type
                self._tables.pop((object_type, table.text), None)
                tables = self._by_type.get(object_type, [])
                if table in tables:
                    tables.remove(table)
                if not tables:
                    self._by_type.pop(object_type, None)
        return True

    def _candidates(self, event: Any) -> tuple[_Ids, "_Ids | frozenset[str]"]:
        """Ids an event's values point at, and the CIDR paths holding an unreadable value."""
        groups: Iterable[tuple[Any, Mapping[Any, Any]]]
        embedded = event.get("objects") if type(event) is dict else None
        if type(embedded) is dict and embedded and event.get("type") == "observed-data":
            groups = ((event, embedded),)  # the common STIX 2.0 form: no copy needed
        else:
            groups = observed_objects(event)
        return self._candidates_in(groups)

    def _candidates_in(  # noqa: PLR0912, PLR0915
        self, groups: Iterable[tuple[Any, Mapping[Any, Any]]]
    ) -> tuple[_Ids, "_Ids | frozenset[str]"]:
        """Ids the values of these objects point at, and the CIDR paths holding an unreadable
        value; ``groups`` pairs each observed-data object with its objects by key.

        This is the loop every event runs, written for speed: a one-key path (``value``) on a
        dict holding a string takes the inline branch, with the probes of each object type
        unpacked in advance; anything else goes through ``_PathTable.lookup``, which reads
        values exactly as the general matcher does.
        """
        found: _Ids = set()
        unreadable: _Ids | None = None
        if self._stale:
            self._probes = {
                object_type: tuple(table.probe() for table in tables)
                for object_type, tables in self._by_type.items()
            }
            self._cprobes = {
                object_type: tuple(_cprobe(probe) for probe in probes)
                for object_type, probes in self._probes.items()
            }
            self._stale = False
        probes_by_type = self._probes
        if not probes_by_type:
            return found, _NO_IDS
        fast = self._fast
        for _, scos in groups:
            if fast is not None and type(scos) is dict:
                unreadable = fast(
                    self._cprobes, scos, found, unreadable, _slow_probe, _slow_object, _like_text
                )
                continue
            for obj in scos.values():
                is_dict = type(obj) is dict
                if not is_dict and not isinstance(obj, Mapping):
                    continue
                object_type = obj.get("type")
                probes = probes_by_type.get(object_type) if type(object_type) is str else None
                if probes is None:
                    continue
                for key, key2, exact, like, cidr, cidr4, cidr6, table in probes:
                    if key is not None and is_dict:
                        value = obj.get(key, _MISSING)
                        if key2 is not None:
                            if type(value) is dict:
                                value = value.get(key2, _MISSING)
                            elif not isinstance(value, Mapping):
                                continue  # nothing to step into: the path selects nothing
                            else:
                                value = value.get(key2, _MISSING)
                        if type(value) is str:
                            if exact is not None and value in exact:
                                found |= table.exact[value]
                            if like is not None:
                                text = value if value.isascii() else _like_text(value)
                                if text is not None:
                                    like.lookup_like(text, found)
                            if cidr is None:
                                continue
                            try:  # the plain address forms, read as the general matcher does
                                if ":" in value:
                                    bits = _from_bytes(_inet_pton(_AF_INET6, value), "big")
                                    coarse, coarse_keys, coarse_shift, nets = cidr6
                                else:
                                    bits = _from_bytes(_inet_pton(_AF_INET, value), "big")
                                    coarse, coarse_keys, coarse_shift, nets = cidr4
                            except (OSError, ValueError):
                                if not cidr.lookup_cidr(value, found):
                                    if unreadable is None:
                                        unreadable = set()
                                    unreadable.add(cidr.text)
                                continue
                            if coarse is not None and bits >> coarse_shift in coarse_keys:
                                for shift, nets_table in coarse[bits >> coarse_shift]:
                                    hit = nets_table.get(bits >> shift)
                                    if hit:
                                        found |= hit
                            for shift, nets_table in nets:
                                hit = nets_table.get(bits >> shift)
                                if hit:
                                    found |= hit
                            continue
                        if value is _MISSING:
                            continue
                        values: list[Any] = [value]
                    else:
                        try:
                            values = table.values(obj, scos)
                        except ObservationError:
                            # Malformed data (a bad reference or *_hex value): an indicator
                            # that needs this path gets the general matcher's error, i.e. no
                            # match, so looking nothing up here loses no match.
                            continue
                    for value in values:
                        if not table.lookup(value, found) and table.cidr:
                            if unreadable is None:
                                unreadable = set()
                            unreadable.add(table.text)
        return found, _NO_IDS if unreadable is None else unreadable

    def match(self, event: Any) -> list[str]:
        """Ids of the indicators that match an event (a bundle or observed-data), sorted.

        An indicator counts only while valid: its ``valid_from``/``valid_until`` window must
        overlap the event's observation window. The event is validated as observed-data
        only when some indicator is a candidate, so a malformed event that no indicator
        points at gives an empty list instead of ``ObservationError``; event data a pattern
        cannot read (an address that is none) is no match for it.

        A pattern that needs more work on this event than the matcher allows
        (``PatternLimitError``) is left out of the list and counted in ``undecided``: one
        hostile indicator must not stop the matching of an event stream, and it must not
        pass for a plain "no match" either.
        """
        found, unreadable = self._candidates(event)
        if self._fallback:
            found |= self._fallback
        if not found:
            return []
        window = _event_window(event)
        if window is None:
            return []
        start, end, observations = window
        return self._decide(found, unreadable, start, end, observations, lambda: event)

    def match_objects(
        self, objects: dict[Any, Any], first: int, last: int | None = None
    ) -> list[str]:
        """``match`` for one observation held as its objects and its time in microseconds.

        The answer is ``match`` on the observed-data object with these embedded ``objects``,
        ``first_observed`` ``first``, ``last_observed`` ``last`` (default ``first``) and
        ``number_observed`` 1. A log sensor knows each event's time as an integer: this saves
        writing two timestamps per event for the index to read them back.
        """
        end = first if last is None else last
        if end < first:
            raise ObservationError("first_observed is later than last_observed")
        found, unreadable = self._candidates_in(((None, objects),))
        if self._fallback:
            found |= self._fallback
        if not found:
            return []

        def event() -> dict[str, Any]:  # only for the general matcher, which is rarely needed
            return {
                "type": "observed-data",
                "first_observed": format_taxii_timestamp(first),
                "last_observed": format_taxii_timestamp(end),
                "number_observed": 1,
                "objects": objects,
            }

        return self._decide(found, unreadable, first, end, None, event)

    def _decide(
        self,
        found: _Ids,
        unreadable: "_Ids | frozenset[str]",
        start: int,
        end: int,
        observations: list[ObservedData] | None,
        event: Callable[[], Any],
    ) -> list[str]:
        """The candidates that match: valid during the window, then direct or confirmed."""
        matched = []
        for indicator_id in found:
            entry = self._entries.get(indicator_id)
            if entry is None or not entry.valid_during(start, end):
                continue
            if entry.compiled is None and not entry.cidr_paths & unreadable:
                matched.append(indicator_id)  # a direct hit is the match
                continue
            # The general matcher decides; for a direct indicator this happens only when an
            # address it compares is unreadable, where the matcher reports an error.
            if observations is None:
                observations = observations_from(event())
            try:
                if entry.matcher().match_observations(observations).matched:
                    matched.append(indicator_id)
            except PatternLimitError:
                self.undecided[indicator_id] += 1  # neither a match nor a non-match
            except PatternError:
                continue  # malformed event data for this pattern: no match, never a crash
        return sorted(matched)
