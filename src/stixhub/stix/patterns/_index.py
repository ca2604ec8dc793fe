"""A compiled index of many indicators: which of them match one event?

Evaluating every pattern for every event does not scale to 100,000 indicators. Most patterns
are satisfied only if some *anchor* holds: an equality or IN on one object path
(``file:hashes.'SHA-256' = '...'``), or an address inside a CIDR range. The index keeps those
anchors in hash maps per object path and in prefix tables per CIDR length, so an event only
reaches the patterns one of its values points at; the general matcher then confirms each
candidate. Patterns without an anchor (only LIKE, MATCHES, ordering, NOT ...) are always
confirmed by the general matcher, so the index never misses a match the matcher would find.

Indicators are versions: adding a newer ``modified`` of an id replaces the older one in place,
an older one is ignored, and a revoked version removes the id. ``valid_from`` / ``valid_until``
are compared with the event's observation window.
"""

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from stixhub.stix._errors import InvalidTimestamp
from stixhub.stix._timestamps import parse_rfc3339_micros
from stixhub.stix.patterns._ast import (
    Comparison,
    ComparisonExpression,
    Constant,
    ObjectPath,
    Observation,
    ObservationExpression,
    Qualified,
    SetConstant,
)
from stixhub.stix.patterns._errors import PatternError
from stixhub.stix.patterns._matcher import (
    CompiledPattern,
    ObservedData,
    compile_pattern,
    observations_from,
    path_values,
)

__all__ = ["PatternIndex"]

_PathKey = tuple[str, str]  # (object type, canonical path text)
_Anchor = tuple[str, _PathKey, Any]  # ("eq", path, value key) or ("cidr", path, network)
_Net = ipaddress.IPv4Network | ipaddress.IPv6Network
# Parsed object paths by canonical text, shared by every index (paths are immutable).
_PATHS: dict[str, ObjectPath] = {}


def _value_key(value: Any) -> Any:
    """Equal values per section 9.7 share a key: 1 and 1.0 do, True and 1 do not."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("num", float(value))
    if isinstance(value, bytes):
        return ("bytes", value)
    if isinstance(value, str):
        return ("bytes", value.encode("latin-1")) if _is_latin1(value) else ("str", value)
    return None


def _is_latin1(text: str) -> bool:
    return all(ord(c) < 256 for c in text)


def _constant_anchor(path: _PathKey, constant: Constant) -> _Anchor | None:
    if constant.kind == "timestamp":
        return None
    return ("eq", path, _value_key(constant.value))


def _comparison_anchors(node: Comparison) -> list[_Anchor] | None:  # noqa: PLR0911  per operator
    if node.negated:
        return None
    path: _PathKey = (node.path.object_type, str(node.path))
    _PATHS.setdefault(path[1], node.path)
    if node.op == "=" and isinstance(node.value, Constant):
        anchor = _constant_anchor(path, node.value)
        return None if anchor is None else [anchor]
    if node.op == "IN" and isinstance(node.value, SetConstant):
        anchors = [_constant_anchor(path, c) for c in node.value.items]
        if any(a is None for a in anchors):
            return None
        return [a for a in anchors if a is not None]
    if node.op == "ISSUBSET" and isinstance(node.value, Constant):
        try:
            network = ipaddress.ip_network(str(node.value.value), strict=False)
        except ValueError:
            return None
        return [("cidr", path, network)]
    return None


def _expression_anchors(node: ComparisonExpression) -> list[_Anchor] | None:
    """Anchors of which at least one must hold for the expression to hold; None if unknown."""
    if isinstance(node, Comparison):
        return _comparison_anchors(node)
    parts = [_expression_anchors(operand) for operand in node.operands]
    if node.op == "AND":
        known = [p for p in parts if p is not None]
        return min(known, key=len) if known else None
    if any(p is None for p in parts):
        return None
    return [a for p in parts if p is not None for a in p]


def _pattern_anchors(node: ObservationExpression) -> list[_Anchor] | None:
    if isinstance(node, Observation):
        return _expression_anchors(node.expression)
    if isinstance(node, Qualified):
        return _pattern_anchors(node.expression)
    parts = [_pattern_anchors(operand) for operand in node.operands]
    if node.op != "OR":
        known = [p for p in parts if p is not None]
        return min(known, key=len) if known else None
    if any(p is None for p in parts):
        return None
    return [a for p in parts if p is not None for a in p]


def _micros(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_rfc3339_micros(value)
    except InvalidTimestamp:
        return None


@dataclass(slots=True)
class _Entry:
    indicator_id: str
    modified: str
    compiled: CompiledPattern
    anchors: list[_Anchor] | None
    valid_from: int | None
    valid_until: int | None


class PatternIndex:
    """Indicators compiled for matching events; update it with ``add`` and ``remove``."""

    def __init__(self, indicators: Iterable[Mapping[str, Any]] = ()) -> None:
        self._entries: dict[str, _Entry] = {}
        self._exact: dict[_PathKey, dict[Any, set[str]]] = {}
        self._cidr: dict[_PathKey, dict[tuple[int, int], dict[int, set[str]]]] = {}
        self._paths: dict[str, dict[_PathKey, ObjectPath]] = {}  # object type -> paths to read
        self._fallback: set[str] = set()
        for indicator in indicators:
            self.add(indicator)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, indicator_id: object) -> bool:
        return indicator_id in self._entries

    def add(self, indicator: Mapping[str, Any]) -> bool:
        """Add or replace one indicator version; return whether the index changed.

        Raises ``PatternError`` if the pattern does not parse; indicators of another
        ``pattern_type`` than ``stix`` are ignored.
        """
        indicator_id = str(indicator.get("id", ""))
        modified = str(indicator.get("modified") or indicator.get("created") or "")
        current = self._entries.get(indicator_id)
        if current is not None and _micros(modified) is not None:
            older = _micros(current.modified)
            if older is not None and _micros(modified) <= older:  # type: ignore[operator]
                return False
        if indicator.get("pattern_type", "stix") != "stix":
            return False
        if indicator.get("revoked") is True:
            return self.remove(indicator_id)
        compiled = compile_pattern(str(indicator.get("pattern", "")))
        entry = _Entry(
            indicator_id,
            modified,
            compiled,
            _pattern_anchors(compiled.pattern.root),
            _micros(indicator.get("valid_from")),
            _micros(indicator.get("valid_until")),
        )
        self.remove(indicator_id)
        self._entries[indicator_id] = entry
        self._register(entry)
        return True

    def remove(self, indicator_id: str) -> bool:
        """Forget an indicator (all its versions); return whether it was present."""
        entry = self._entries.pop(indicator_id, None)
        if entry is None:
            return False
        self._fallback.discard(indicator_id)
        for kind, path, value in entry.anchors or ():
            if kind == "eq":
                self._exact.get(path, {}).get(value, set()).discard(indicator_id)
            else:
                table = self._cidr.get(path, {}).get((value.version, value.prefixlen), {})
                table.get(int(value.network_address), set()).discard(indicator_id)
        return True

    def _register(self, entry: _Entry) -> None:
        if entry.anchors is None:
            self._fallback.add(entry.indicator_id)
            return
        for kind, path, value in entry.anchors:
            object_type = path[0]
            self._paths.setdefault(object_type, {})[path] = _PATHS[path[1]]
            if kind == "eq":
                self._exact.setdefault(path, {}).setdefault(value, set()).add(entry.indicator_id)
            else:
                net: _Net = value
                tables = self._cidr.setdefault(path, {})
                table = tables.setdefault((net.version, net.prefixlen), {})
                table.setdefault(int(net.network_address), set()).add(entry.indicator_id)

    def _candidates(self, observations: list[ObservedData]) -> set[str]:
        found = set(self._fallback)
        for obs in observations:
            for obj in obs.objects.values():
                object_type = obj.get("type")
                if not isinstance(object_type, str) or object_type not in self._paths:
                    continue
                for path, parsed in self._paths[object_type].items():
                    for value in path_values(parsed, obj, obs.objects):
                        found |= self._lookup(path, value)
        return found

    def _lookup(self, path: _PathKey, value: Any) -> set[str]:
        result: set[str] = set()
        exact = self._exact.get(path)
        if exact:
            result |= exact.get(_value_key(value), set())
        tables = self._cidr.get(path)
        if tables and isinstance(value, str):
            try:
                network = ipaddress.ip_network(value, strict=False)
            except ValueError:
                return result
            address = int(network.network_address)
            bits = network.max_prefixlen
            for (version, length), table in tables.items():
                if version != network.version or length > network.prefixlen:
                    continue
                masked = address >> (bits - length) << (bits - length) if length else 0
                result |= table.get(masked, set())
        return result

    def match(self, event: Any) -> list[str]:
        """Ids of the indicators that match an event (a bundle or observed-data), sorted.

        An indicator counts only while valid: its ``valid_from``/``valid_until`` window must
        overlap the event's observation window.
        """
        observations = observations_from(event)
        if not observations:
            return []
        start = min(o.first for o in observations)
        end = max(o.last for o in observations)
        matched = []
        for indicator_id in self._candidates(observations):
            entry = self._entries.get(indicator_id)
            if entry is None:
                continue
            if entry.valid_from is not None and end < entry.valid_from:
                continue
            if entry.valid_until is not None and start >= entry.valid_until:
                continue
            try:
                if entry.compiled.match_observations(observations).matched:
                    matched.append(indicator_id)
            except PatternError:
                continue  # malformed event data for this pattern: no match, never a crash
        return sorted(matched)
