"""The syntax tree of a STIX pattern, and its canonical printing.

Nodes are frozen so a parsed pattern can be shared between threads and cached in an index.
Every node records ``pos`` and ``end`` (0-based offsets into the source text) so that checks
can point at the exact column; positions are left out of equality, which makes "print, then
parse again" give an equal tree.

Boolean operators are n-ary: ``a AND b AND c`` is one node with three operands. Because AND
and OR are associative in both the comparison and the observation layer (STIX 2.1 section
9.5/9.6), flattening changes no meaning and makes canonical printing unambiguous.
"""

import base64
import re
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Literal, TypeAlias, TypeVar

__all__ = [
    "BoolExpression",
    "Comparison",
    "ComparisonExpression",
    "Constant",
    "ConstantKind",
    "IndexStep",
    "KeyStep",
    "ObjectPath",
    "Observation",
    "ObservationExpression",
    "ObservationOperator",
    "Pattern",
    "Qualified",
    "Qualifier",
    "Repeats",
    "SetConstant",
    "StartStop",
    "Within",
]

ConstantKind: TypeAlias = Literal["string", "int", "float", "bool", "timestamp", "binary", "hex"]

KEYWORDS = frozenset(
    {
        "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET",
        "EXISTS", "LAST", "IN", "START", "STOP", "SECONDS", "true", "false", "WITHIN",
        "REPEATS", "TIMES",
    }
)  # fmt: skip
_BARE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_Node = TypeVar("_Node")


def _fast_init(cls: type[_Node]) -> type[_Node]:
    """Give a frozen slotted dataclass an ``__init__`` that writes its slots directly.

    A frozen dataclass sets every field through ``object.__setattr__``, which made building
    the nodes most of the cost of parsing. Writing the slot descriptors does the same thing
    (same signature, same defaults, still frozen afterwards) in under half the time.
    """
    params = []
    lines = []
    setters: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        default = "" if f.default is MISSING else f"={f.default!r}"
        params.append(f"{f.name}{default}")
        setters[f"_set_{f.name}"] = getattr(cls, f.name).__set__
        lines.append(f"    _set_{f.name}(self, {f.name})")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(lines)
    namespace: dict[str, Any] = {}
    exec(source, setters, namespace)  # noqa: S102  the source is built above from field names
    namespace["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = namespace["__init__"]  # type: ignore[method-assign]
    return cls


def quote_string(value: str) -> str:
    """Write a string constant; only the apostrophe and the backslash need escaping (9.3)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@_fast_init
@dataclass(frozen=True, slots=True)
class Constant:
    """A literal value: ``value`` is decoded (str, int, float, bool, or bytes for b''/h'')."""

    kind: ConstantKind
    value: str | int | float | bool | bytes
    text: str = field(compare=False, default="")
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:  # noqa: PLR0911  one return per literal kind reads best
        value = self.value
        if isinstance(value, bytes):
            if self.kind == "hex":
                return f"h'{value.hex()}'"
            return f"b'{base64.b64encode(value).decode('ascii')}'"
        if isinstance(value, bool):
            return "true" if value else "false"
        if self.kind == "timestamp":
            return f"t'{value}'"
        if isinstance(value, str):
            return quote_string(value)
        if isinstance(value, float):
            return _float_text(self.text) or repr(value)
        return str(value)


def _float_text(text: str) -> str:
    """Canonical float: the source digits without '+' and with a leading zero (``.5``)."""
    text = text.lstrip("+")
    if text.startswith("."):
        return "0" + text
    if text.startswith("-."):
        return "-0" + text[1:]
    return text


@_fast_init
@dataclass(frozen=True, slots=True)
class SetConstant:
    """The parenthesised list on the right of IN."""

    items: tuple[Constant, ...]
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        return "(" + ", ".join(str(item) for item in self.items) + ")"


@_fast_init
@dataclass(frozen=True, slots=True)
class KeyStep:
    """A dictionary key in an object path (``.name`` or ``.'SHA-256'``)."""

    key: str
    pos: int = field(compare=False, default=0)

    def __str__(self) -> str:
        if _BARE_KEY.fullmatch(self.key) and self.key not in KEYWORDS:
            return self.key
        return quote_string(self.key)


@_fast_init
@dataclass(frozen=True, slots=True)
class IndexStep:
    """A list index in an object path; ``index`` None means ``[*]`` (any element)."""

    index: int | None
    pos: int = field(compare=False, default=0)

    def __str__(self) -> str:
        return "[*]" if self.index is None else f"[{self.index}]"


@_fast_init
@dataclass(frozen=True, slots=True)
class ObjectPath:
    """``type:property.key[0]``: the object type and the steps into the object."""

    object_type: str
    steps: tuple[KeyStep | IndexStep, ...]
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        out = [self.object_type, ":"]
        for i, step in enumerate(self.steps):
            if isinstance(step, KeyStep) and i > 0:
                out.append(".")
            out.append(str(step))
        return "".join(out)


@_fast_init
@dataclass(frozen=True, slots=True)
class Comparison:
    """One property test; ``op`` is the operator word or symbol, ``value`` None for EXISTS."""

    path: ObjectPath
    op: str
    value: Constant | SetConstant | None
    negated: bool = False
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        neg = "NOT " if self.negated else ""
        if self.op == "EXISTS":
            return f"{neg}EXISTS {self.path}"
        return f"{self.path} {neg}{self.op} {self.value}"


@_fast_init
@dataclass(frozen=True, slots=True)
class BoolExpression:
    """AND / OR of comparisons inside one observation expression."""

    op: Literal["AND", "OR"]
    operands: tuple["ComparisonExpression", ...]
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        parts = []
        for operand in self.operands:
            text = str(operand)
            if isinstance(operand, BoolExpression) and operand.op == "OR" and self.op == "AND":
                text = f"({text})"
            parts.append(text)
        return f" {self.op} ".join(parts)


ComparisonExpression: TypeAlias = Comparison | BoolExpression


@_fast_init
@dataclass(frozen=True, slots=True)
class Observation:
    """``[ ... ]``: comparisons that one observed object set must satisfy together."""

    expression: ComparisonExpression
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        return f"[{self.expression}]"


@_fast_init
@dataclass(frozen=True, slots=True)
class Within:
    """``WITHIN n SECONDS``."""

    seconds: Constant
    pos: int = field(compare=False, default=0)

    def __str__(self) -> str:
        return f"WITHIN {self.seconds} SECONDS"


@_fast_init
@dataclass(frozen=True, slots=True)
class Repeats:
    """``REPEATS n TIMES``."""

    times: Constant
    pos: int = field(compare=False, default=0)

    def __str__(self) -> str:
        return f"REPEATS {self.times} TIMES"


@_fast_init
@dataclass(frozen=True, slots=True)
class StartStop:
    """``START t'...' STOP t'...'``."""

    start: Constant
    stop: Constant
    pos: int = field(compare=False, default=0)

    def __str__(self) -> str:
        return f"START {self.start} STOP {self.stop}"


Qualifier: TypeAlias = Within | Repeats | StartStop

_OBS_PRECEDENCE = {"FOLLOWEDBY": 0, "OR": 1, "AND": 2}


@_fast_init
@dataclass(frozen=True, slots=True)
class ObservationOperator:
    """AND / OR / FOLLOWEDBY between observation expressions."""

    op: Literal["AND", "OR", "FOLLOWEDBY"]
    operands: tuple["ObservationExpression", ...]
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        parts = []
        for operand in self.operands:
            text = str(operand)
            if (
                isinstance(operand, ObservationOperator)
                and _OBS_PRECEDENCE[operand.op] < _OBS_PRECEDENCE[self.op]
            ):
                text = f"({text})"
            parts.append(text)
        return f" {self.op} ".join(parts)


@_fast_init
@dataclass(frozen=True, slots=True)
class Qualified:
    """An observation expression with one qualifier applied to it.

    ``grouped`` records that the qualified expression was written in parentheses.
    """

    expression: "ObservationExpression"
    qualifier: Qualifier
    grouped: bool = False
    pos: int = field(compare=False, default=0)
    end: int = field(compare=False, default=0)

    def __str__(self) -> str:
        inner = str(self.expression)
        if self.grouped or isinstance(self.expression, ObservationOperator):
            inner = f"({inner})"
        return f"{inner} {self.qualifier}"


ObservationExpression: TypeAlias = Observation | ObservationOperator | Qualified


@_fast_init
@dataclass(frozen=True, slots=True)
class Pattern:
    """A parsed pattern: the root expression and the text it came from."""

    root: ObservationExpression
    text: str = field(compare=False, default="")

    def __str__(self) -> str:
        return str(self.root)
