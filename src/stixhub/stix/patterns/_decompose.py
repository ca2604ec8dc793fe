"""A pattern taken apart into the atomic observables it names, for tools that take lists.

Firewalls, Zeek's intel framework and Suricata datasets take *values*, not logic. A pattern
can become such a list only when it says "any of these": an OR (in the comparison or the
observation layer) of positive ``=``, ``IN`` or ``ISSUBSET`` tests with string constants and
no qualifier. ``decompose`` lists every comparison of a pattern as ``Entry`` objects (IN
expanded to one ``=`` entry per item) and says whether the pattern is exactly their OR; when
it is not, ``reason`` names the first construct that needs more than a list (AND,
FOLLOWEDBY, a qualifier, another operator, a negation), so exports can count why they skipped
an indicator.

``compose_pattern`` is the inverse for building indicators from values: it quotes with
``quote_string`` (STIX 2.1 section 9.3), so an apostrophe or a backslash in a value can never
end the constant early.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from stixhub.stix.patterns._ast import (
    BoolExpression,
    Comparison,
    ComparisonExpression,
    Constant,
    IndexStep,
    Observation,
    ObservationExpression,
    ObservationOperator,
    Pattern,
    Qualified,
    SetConstant,
    quote_string,
)
from stixhub.stix.patterns._parser import parse_pattern

__all__ = ["Decomposition", "Entry", "compose_pattern", "decompose", "entries_of"]

_LIST_OPERATORS = frozenset({"=", "IN", "ISSUBSET"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One atomic test: ``object_type:prop <operator> value``.

    ``prop`` is the canonical path text after the colon (``value``, ``hashes.'SHA-256'``);
    ``value`` is the decoded constant (None for EXISTS); IN lists are expanded to ``=``.
    """

    object_type: str
    prop: str
    operator: str
    value: str | int | float | bool | bytes | None
    negated: bool = False
    indexed: bool = False  # the path steps through a list ([0], [*])

    @property
    def path(self) -> str:
        """The full object path text, ``type:prop``."""
        return f"{self.object_type}:{self.prop}"


@dataclass(frozen=True, slots=True)
class Decomposition:
    """All entries of a pattern, and whether the pattern is exactly their OR."""

    entries: tuple[Entry, ...]
    reason: str | None  # None when the pattern is an OR of list entries

    @property
    def listable(self) -> bool:
        """True when a list of the entries' values means what the pattern means."""
        return self.reason is None


def entries_of(comparison: Comparison) -> list[Entry]:
    """The entries of one comparison: one per IN item, else one."""
    path = comparison.path
    text = str(path)
    prop = text[len(path.object_type) + 1 :]
    indexed = any(isinstance(step, IndexStep) for step in path.steps)
    value = comparison.value
    if isinstance(value, SetConstant):
        return [
            Entry(path.object_type, prop, "=", item.value, comparison.negated, indexed)
            for item in value.items
        ]
    constant = value.value if isinstance(value, Constant) else None
    return [Entry(path.object_type, prop, comparison.op, constant, comparison.negated, indexed)]


def decompose(pattern: Pattern | str) -> Decomposition:
    """Take a pattern (parsed or text) apart; raises ``PatternError`` for text that is none."""
    tree = parse_pattern(pattern) if isinstance(pattern, str) else pattern
    entries: list[Entry] = []
    reasons: list[str] = []
    for comparison in _comparisons(tree.root, reasons):
        entries.extend(entries_of(comparison))
        reason = _comparison_reason(comparison)
        if reason is not None:
            reasons.append(reason)
    return Decomposition(tuple(entries), reasons[0] if reasons else None)


def _comparison_reason(comparison: Comparison) -> str | None:
    if comparison.negated:
        return f"negated {comparison.op}"
    if comparison.op not in _LIST_OPERATORS:
        return f"operator {comparison.op}"
    value = comparison.value
    items = value.items if isinstance(value, SetConstant) else (value,)
    if not items:
        return "empty IN list"
    if any(not isinstance(item, Constant) or item.kind != "string" for item in items):
        return "constant that is not a string"
    return None


def _comparisons(node: ObservationExpression, reasons: list[str]) -> Iterator[Comparison]:
    """Every comparison under ``node``, noting the observation-layer constructs on the way."""
    if isinstance(node, Observation):
        yield from _in_expression(node.expression, reasons)
    elif isinstance(node, Qualified):
        reasons.append(f"qualifier {type(node.qualifier).__name__.upper()}")
        yield from _comparisons(node.expression, reasons)
    else:
        assert isinstance(node, ObservationOperator)
        if node.op != "OR":
            reasons.append(f"{node.op} between observations")
        for operand in node.operands:
            yield from _comparisons(operand, reasons)


def _in_expression(node: ComparisonExpression, reasons: list[str]) -> Iterator[Comparison]:
    if isinstance(node, Comparison):
        yield node
        return
    assert isinstance(node, BoolExpression)
    if node.op != "OR":
        reasons.append("AND between comparisons")
    for operand in node.operands:
        yield from _in_expression(operand, reasons)


def compose_pattern(entries: Iterable[tuple[str, str, str]]) -> str:
    """Write ``[a:p = 'v' OR ...]`` from (object type, property path, value) triples.

    The property path is written as given (``hashes.'SHA-256'``, ``key``); values are quoted,
    so any text survives. An empty input is an error: a pattern names at least one test.
    """
    parts = [f"{kind}:{prop} = {quote_string(value)}" for kind, prop, value in entries]
    if not parts:
        raise ValueError("a pattern needs at least one comparison")
    return "[" + " OR ".join(parts) + "]"
