"""Matching a pattern against observed-data (STIX 2.1 section 9.8).

Input is a bundle, a single observed-data object, or a list of either. An observed-data
object either embeds its objects (``objects``, the STIX 2.0 form) or names them in
``object_refs`` (STIX 2.1); referenced objects are looked up among all objects given.

Within ``[...]`` the comparisons bind to objects: AND keeps only the objects that satisfy both
sides, so ``[file:name = 'a' AND file:size = 1]`` needs one file with both properties. An
observed-data object with ``number_observed`` n counts as n observations. Observation
operators and qualifiers search for a *binding*: one distinct observation per observation
expression, whose ``first_observed``/``last_observed`` windows satisfy FOLLOWEDBY, WITHIN and
START/STOP. The search stops at the first binding, applies every time constraint while a
binding grows, and is bounded by ``MAX_STEPS``, so that a hostile pattern is refused with
``PatternLimitError`` in a fraction of a second instead of running for minutes.
"""

from abc import ABC, abstractmethod
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stixhub.stix.patterns._ast import (
    Comparison,
    ComparisonExpression,
    IndexStep,
    ObjectPath,
    Observation,
    ObservationExpression,
    Pattern,
    Qualified,
    Repeats,
    StartStop,
    Within,
)
from stixhub.stix.patterns._errors import PatternLimitError
from stixhub.stix.patterns._parser import parse_pattern
from stixhub.stix.patterns._predicates import (
    ObservationError,
    Predicate,
    build_predicate,
    timestamp_micros,
)

__all__ = [
    "MAX_STEPS",
    "CompiledPattern",
    "MatchResult",
    "ObservedData",
    "compile_pattern",
    "match",
    "observations_from",
    "observed_objects",
    "observed_window",
    "path_values",
]

# Upper bound of search steps (an observation examined, a partial binding extended) for one
# match call. A step costs about a microsecond, so a pattern that would need more is refused
# with PatternLimitError in a fraction of a second; real patterns need a few steps per
# observation.
MAX_STEPS = 200_000


@dataclass(frozen=True, slots=True)
class ObservedData:
    """One observed-data object prepared for matching: its window and its objects by key."""

    first: int
    last: int
    count: int
    objects: Mapping[str, Mapping[str, Any]]
    source: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The verdict and, when it matched, the first binding found.

    ``observed_data`` lists the bound observed-data objects; ``objects`` the (observed-data
    id, object key) pairs whose properties satisfied the comparisons.
    """

    matched: bool
    observed_data: tuple[Mapping[str, Any], ...] = ()
    objects: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return self.matched


# -- input -------------------------------------------------------------------------------------
def _collect(data: Any, out: list[Mapping[str, Any]]) -> None:
    if isinstance(data, Mapping):
        if data.get("type") == "bundle":
            objects = data.get("objects")
            if isinstance(objects, list):
                out.extend(obj for obj in objects if isinstance(obj, Mapping))
        else:
            out.append(data)
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        for item in data:
            _collect(item, out)


def observed_objects(data: Any) -> list[tuple[Mapping[str, Any], dict[str, Mapping[str, Any]]]]:
    """Each observed-data object in the input with its objects by key, nothing validated yet.

    The objects are the embedded ``objects`` (STIX 2.0) or those named by ``object_refs``
    among all objects given (STIX 2.1). The index reads these before deciding whether the
    observation windows need to be read at all.
    """
    objects: list[Mapping[str, Any]] = []
    _collect(data, objects)
    pool: dict[str, Mapping[str, Any]] | None = None
    result = []
    for obj in objects:
        if obj.get("type") != "observed-data":
            continue
        embedded = obj.get("objects")
        scos: dict[str, Mapping[str, Any]] = {}
        if isinstance(embedded, Mapping) and embedded:
            scos = {str(k): v for k, v in embedded.items() if isinstance(v, Mapping)}
        else:
            if pool is None:
                pool = {o["id"]: o for o in objects if isinstance(o.get("id"), str)}
            for ref in obj.get("object_refs") or ():
                if isinstance(ref, str) and ref in pool:
                    scos[ref] = pool[ref]
        result.append((obj, scos))
    return result


def observed_window(obj: Mapping[str, Any]) -> tuple[int, int, int]:
    """(first, last, count) of one observed-data object, checked: raise ObservationError."""
    try:
        first_text, last_text = obj["first_observed"], obj["last_observed"]
        first = timestamp_micros(first_text)
        last = first if last_text == first_text else timestamp_micros(last_text)
        count = obj["number_observed"]
    except (KeyError, TypeError):
        raise ObservationError(
            "observed-data needs first_observed, last_observed and number_observed"
        ) from None
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ObservationError(f"number_observed must be a positive integer, got {count!r}")
    if first > last:
        raise ObservationError("first_observed is later than last_observed")
    return first, last, count


def observations_from(data: Any) -> list[ObservedData]:
    """Prepare observed-data for matching from a bundle, an observed-data object or a list."""
    result = []
    for obj, scos in observed_objects(data):
        first, last, count = observed_window(obj)
        result.append(ObservedData(first, last, count, scos, obj))
    return result


# -- comparison layer --------------------------------------------------------------------------
def _suffix(key: str, value: Any) -> Any:
    """Values of ``*_hex`` and ``*_bin`` properties are binary (STIX 2.1 section 2.2)."""
    if isinstance(value, str):
        try:
            if key.endswith("_hex"):
                return bytes.fromhex(value)
            if key.endswith("_bin"):
                import base64  # noqa: PLC0415  rarely needed

                return base64.b64decode(value, validate=True)
        except ValueError:
            raise ObservationError(f"property {key} does not hold valid {key[-3:]}") from None
    return value


def _dereference(
    key: str,
    value: Any,
    objects: Mapping[str, Mapping[str, Any]],
) -> list[Any]:
    if key.endswith("_ref"):
        if not isinstance(value, str):
            raise ObservationError(f"reference {key} is not a string")
        target = objects.get(value)
        return [] if target is None else [target]
    if key.endswith("_refs"):
        if not isinstance(value, list):
            raise ObservationError(f"reference list {key} is not a list")
        found = []
        for ref in value:
            if not isinstance(ref, str):
                raise ObservationError(f"a value of reference list {key} is not a string")
            if ref in objects:
                found.append(objects[ref])
        return [found] if found else []
    return [value]


def path_values(
    path: ObjectPath, obj: Mapping[str, Any], objects: Mapping[str, Mapping[str, Any]]
) -> list[Any]:
    """Every value the path selects in one object, following references and ``[*]``."""
    values: list[Any] = [obj]
    for step in path.steps:
        stepped: list[Any] = []
        if isinstance(step, IndexStep):
            for value in values:
                if not isinstance(value, list):
                    continue
                if step.index is None:
                    stepped.extend(value)
                elif 0 <= step.index < len(value):
                    stepped.append(value[step.index])
        else:
            key = step.key
            for value in values:
                if isinstance(value, Mapping) and key in value:
                    stepped.extend(_dereference(key, _suffix(key, value[key]), objects))
        if not stepped:
            return stepped
        values = stepped
    return values


RootTest = Callable[[ObservedData], set[str]]


def _compile_comparison(comparison: Comparison) -> RootTest:
    path = comparison.path
    object_type = path.object_type
    if comparison.op == "EXISTS":
        want = not comparison.negated

        def exists(obs: ObservedData) -> set[str]:
            return {
                key
                for key, obj in obs.objects.items()
                if obj.get("type") == object_type
                and bool(path_values(path, obj, obs.objects)) == want
            }

        return exists
    predicate: Predicate = build_predicate(comparison)

    def test(obs: ObservedData) -> set[str]:
        roots = set()
        for key, obj in obs.objects.items():
            if obj.get("type") != object_type:
                continue
            for value in path_values(path, obj, obs.objects):
                if predicate(value):
                    roots.add(key)
                    break
        return roots

    return test


def _compile_expression(node: ComparisonExpression) -> RootTest:
    if isinstance(node, Comparison):
        return _compile_comparison(node)
    parts = [_compile_expression(operand) for operand in node.operands]
    if node.op == "AND":

        def both(obs: ObservedData) -> set[str]:
            roots = parts[0](obs)
            for part in parts[1:]:
                if not roots:
                    break
                roots &= part(obs)
            return roots

        return both

    def either(obs: ObservedData) -> set[str]:
        roots: set[str] = set()
        for part in parts:
            roots |= part(obs)
        return roots

    return either


# -- observation layer -------------------------------------------------------------------------
# The binding search is a backtracking search over observations in time order. Every
# constraint is applied while a binding grows, not after it is complete:
#
# * START/STOP bounds each observation (first_observed < STOP, last_observed >= START);
# * WITHIN keeps the latest first_observed and earliest last_observed of the partial binding,
#   which bound the next observation on both sides (at most the earliest last + the window,
#   at least the latest first - the window);
# * FOLLOWEDBY bounds the right side from below by the left side's latest first_observed,
#   and the left side from above by the latest last_observed the right side could reach.
#
# Observations are sorted by first_observed, so an upper bound on first_observed and a lower
# bound on last_observed (through the running maximum of last_observed) become index ranges
# found by bisection. Equivalent combinations are not enumerated: the copies of a REPEATS and
# identical operands of AND take their observations in non-decreasing time order, and the
# ``number_observed`` instances of one observed-data object are used first to last. A REPEATS
# of one [...] stops as soon as fewer usable observations remain than copies are missing.
Slot = tuple[int, int]  # (number of the [...] leaf, observation position in time order)
Binding = tuple[Slot, ...]

_NEG = float("-inf")
_POS = float("inf")


@dataclass(slots=True)
class _Candidates:
    """The observations one ``[...]`` matches, in time order, prepared for bisection."""

    positions: list[int]  # observation positions, ascending (so first_observed ascending)
    firsts: list[int]  # first_observed of each
    max_lasts: list[int]  # running maximum of last_observed
    capacity: list[int]  # capacity[k]: usable instances of positions[:k]
    index: dict[int, int]  # position -> index in positions
    roots: dict[int, set[str]]  # position -> keys of the objects that satisfied [...]


class _Search:
    """State of one match call: observations in time order, leaf results, the step count."""

    __slots__ = ("avail", "candidates", "firsts", "lasts", "observations", "order", "steps")

    def __init__(self, observations: list[ObservedData], cap: int) -> None:
        order = sorted(
            range(len(observations)),
            key=lambda i: (observations[i].first, observations[i].last, i),
        )
        self.observations = observations
        self.order = order  # position -> index in ``observations``
        self.firsts = [observations[i].first for i in order]
        self.lasts = [observations[i].last for i in order]
        # One observed-data object stands for number_observed observations; a binding never
        # needs more of them than it has observation expressions.
        self.avail = [min(observations[i].count, cap) for i in order]
        self.candidates: dict[int, _Candidates] = {}
        self.steps = 0

    def spend(self, amount: int = 1) -> None:
        self.steps += amount
        if self.steps > MAX_STEPS:
            raise PatternLimitError(
                f"pattern needs more than {MAX_STEPS} search steps to evaluate on this data"
            )


class _Context:
    """What the next observation of a partial binding must satisfy.

    ``used`` counts the instances already bound per position; ``windows`` holds, for each
    enclosing WITHIN, its width and the latest first / earliest last observation time bound
    so far; ``limit_first`` and ``limit_last`` come from START/STOP and FOLLOWEDBY.
    ``first_max`` and ``last_min`` combine them all.
    """

    __slots__ = ("first_max", "last_min", "limit_first", "limit_last", "used", "windows")

    def __init__(
        self,
        used: dict[int, int],
        windows: tuple[tuple[float, float, float], ...],
        limit_first: float,
        limit_last: float,
    ) -> None:
        self.used = used
        self.windows = windows
        self.limit_first = limit_first
        self.limit_last = limit_last
        first_max, last_min = limit_first, limit_last
        for width, latest_first, earliest_last in windows:
            first_max = min(first_max, earliest_last + width)
            last_min = max(last_min, latest_first - width)
        self.first_max = first_max
        self.last_min = last_min

    def extend(self, search: _Search, binding: Binding) -> "_Context":
        """The context after ``binding`` joined the partial binding."""
        used = dict(self.used)
        search.spend(len(used) >> 4)  # copying the counts is the cost of a long binding
        for _, position in binding:
            used[position] = used.get(position, 0) + 1
        windows = self.windows
        if windows:
            latest = max(search.firsts[p] for _, p in binding)
            earliest = min(search.lasts[p] for _, p in binding)
            windows = tuple(
                (width, max(first, latest), min(last, earliest)) for width, first, last in windows
            )
        return _Context(used, windows, self.limit_first, self.limit_last)

    def within(self, width: float) -> "_Context":
        return _Context(
            self.used, (*self.windows, (width, _NEG, _POS)), self.limit_first, self.limit_last
        )

    def bounded(self, first_max: float, last_min: float) -> "_Context":
        if first_max >= self.limit_first and last_min <= self.limit_last:
            return self
        return _Context(
            self.used,
            self.windows,
            min(self.limit_first, first_max),
            max(self.limit_last, last_min),
        )


def _latest_first(search: _Search, binding: Binding) -> int:
    return max(search.firsts[p] for _, p in binding)


class _Node(ABC):
    """One observation expression compiled for the binding search."""

    size = 1  # observations in one binding

    @abstractmethod
    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        """Bindings consistent with ``ctx`` whose first slot is at position ``floor`` or later."""

    @abstractmethod
    def feasible(self, search: _Search, ctx: _Context) -> bool:
        """False when no binding can satisfy ``ctx`` (True proves nothing)."""

    @abstractmethod
    def latest_last(self, search: _Search, ctx: _Context) -> float:
        """An upper bound of the earliest last_observed of any binding under ``ctx``."""


class _Leaf(_Node):
    """``[...]``: one observation whose objects satisfy the comparisons."""

    def __init__(self, number: int, test: RootTest) -> None:
        self.number = number
        self.test = test

    def candidates(self, search: _Search) -> _Candidates:
        found = search.candidates.get(self.number)
        if found is None:
            positions: list[int] = []
            roots: dict[int, set[str]] = {}
            for position, index in enumerate(search.order):
                keys = self.test(search.observations[index])
                if keys:
                    positions.append(position)
                    roots[position] = keys
            max_lasts: list[int] = []
            capacity = [0]
            running = -1 << 62
            for position in positions:
                running = max(running, search.lasts[position])
                max_lasts.append(running)
                capacity.append(capacity[-1] + search.avail[position])
            found = _Candidates(
                positions,
                [search.firsts[p] for p in positions],
                max_lasts,
                capacity,
                {p: k for k, p in enumerate(positions)},
                roots,
            )
            search.candidates[self.number] = found
        return found

    def _range(
        self, search: _Search, ctx: _Context, floor: int | None
    ) -> tuple[_Candidates, int, int]:
        found = self.candidates(search)
        low = bisect_left(found.max_lasts, ctx.last_min)
        if floor is not None:
            low = max(low, bisect_left(found.positions, floor))
        return found, low, bisect_right(found.firsts, ctx.first_max)

    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        found, low, high = self._range(search, ctx, floor)
        positions, lasts, avail = found.positions, search.lasts, search.avail
        used, last_min, number = ctx.used, ctx.last_min, self.number
        for k in range(low, high):
            search.spend()
            position = positions[k]
            if lasts[position] >= last_min and used.get(position, 0) < avail[position]:
                yield ((number, position),)

    def feasible(self, search: _Search, ctx: _Context) -> bool:
        _, low, high = self._range(search, ctx, None)
        return low < high

    def latest_last(self, search: _Search, ctx: _Context) -> float:
        found, low, high = self._range(search, ctx, None)
        return found.max_lasts[high - 1] if low < high else _NEG

    def capacity(self, search: _Search, ctx: _Context, floor: int | None) -> int:
        """An upper bound of the instances still usable under ``ctx`` from ``floor`` on."""
        found, low, high = self._range(search, ctx, floor)
        if low >= high:
            return 0
        total = found.capacity[high] - found.capacity[low]
        used = ctx.used
        if len(used) <= high - low:
            search.spend(len(used) >> 3)
            for position, count in used.items():
                k = found.index.get(position)
                if k is not None and low <= k < high:
                    total -= count
        else:
            search.spend((high - low) >> 3)
            for position in found.positions[low:high]:
                total -= used.get(position, 0)
        return total


class _Union(_Node):
    """OR: a binding of any operand."""

    def __init__(self, parts: list[_Node]) -> None:
        self.parts = parts
        self.size = max(part.size for part in parts)

    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        for part in self.parts:
            yield from part.bindings(search, ctx, floor)

    def feasible(self, search: _Search, ctx: _Context) -> bool:
        return any(part.feasible(search, ctx) for part in self.parts)

    def latest_last(self, search: _Search, ctx: _Context) -> float:
        return max(part.latest_last(search, ctx) for part in self.parts)


class _Join(_Node):
    """AND or FOLLOWEDBY: one binding per operand, on distinct observations.

    ``same[k]`` marks an AND operand identical to the one before it: such operands are
    interchangeable, so the search takes their bindings in time order only.
    """

    def __init__(self, parts: list[_Node], same: list[bool], *, followed: bool) -> None:
        self.parts = parts
        self.same = same
        self.followed = followed
        self.size = sum(part.size for part in parts)

    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        parts, same, followed = self.parts, self.same, self.followed
        count = len(parts)
        search.spend(count)
        if not all(part.feasible(search, ctx) for part in parts):
            return
        # FOLLOWEDBY: operand k must start before every later operand can end.
        first_caps = [_POS] * count
        if followed:
            cap = _POS
            for k in range(count - 1, 0, -1):
                cap = min(cap, parts[k].latest_last(search, ctx))
                first_caps[k - 1] = cap

        def start(k: int, base: _Context, latest: float, key: int | None) -> Iterator[Binding]:
            bounded = base.bounded(first_caps[k], latest) if followed else base
            if k == 0:
                return parts[0].bindings(search, bounded, floor)
            return parts[k].bindings(search, bounded, key if same[k] else None)

        stack: list[tuple[Iterator[Binding], _Context, float]] = [
            (start(0, ctx, _NEG, None), ctx, _NEG)
        ]
        chosen: list[Binding] = []
        while stack:
            generator, base, latest = stack[-1]
            binding = next(generator, None)
            if binding is None:
                stack.pop()
                if chosen:
                    chosen.pop()
                continue
            search.spend()
            k = len(stack) - 1
            if k == count - 1:
                yield tuple(slot for part in chosen for slot in part) + binding
                continue
            extended = base.extend(search, binding)
            if followed:
                latest = max(latest, _latest_first(search, binding))
            if extended.windows or followed:
                check = extended.bounded(_POS, latest)
                search.spend(count - k - 1)
                if not all(parts[j].feasible(search, check) for j in range(k + 1, count)):
                    continue
            chosen.append(binding)
            stack.append((start(k + 1, extended, latest, binding[0][1]), extended, latest))

    def feasible(self, search: _Search, ctx: _Context) -> bool:
        return all(part.feasible(search, ctx) for part in self.parts)

    def latest_last(self, search: _Search, ctx: _Context) -> float:
        return min(part.latest_last(search, ctx) for part in self.parts)


class _Repeats(_Node):
    """REPEATS n TIMES: n bindings of the operand on distinct observations, in time order."""

    def __init__(self, inner: _Node, times: int) -> None:
        self.inner = inner
        self.times = times
        self.size = inner.size * times

    def _hopeless(self, search: _Search, ctx: _Context, floor: int | None, need: int) -> bool:
        inner = self.inner
        if isinstance(inner, _Leaf):
            return inner.capacity(search, ctx, floor) < need
        return not inner.feasible(search, ctx)

    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        inner, times = self.inner, self.times
        if self._hopeless(search, ctx, floor, times):
            return
        stack: list[tuple[Iterator[Binding], _Context]] = [
            (inner.bindings(search, ctx, floor), ctx)
        ]
        chosen: list[Binding] = []
        while stack:
            generator, base = stack[-1]
            binding = next(generator, None)
            if binding is None:
                stack.pop()
                if chosen:
                    chosen.pop()
                continue
            search.spend()
            if len(chosen) + 1 == times:
                yield tuple(slot for part in chosen for slot in part) + binding
                continue
            extended = base.extend(search, binding)
            key = binding[0][1]
            if self._hopeless(search, extended, key, times - len(chosen) - 1):
                continue
            chosen.append(binding)
            stack.append((inner.bindings(search, extended, key), extended))

    def feasible(self, search: _Search, ctx: _Context) -> bool:
        return not self._hopeless(search, ctx, None, self.times)

    def latest_last(self, search: _Search, ctx: _Context) -> float:
        return self.inner.latest_last(search, ctx)


class _Within(_Node):
    """WITHIN n SECONDS: the binding's latest first and earliest last are n seconds apart."""

    def __init__(self, inner: _Node, width: float) -> None:
        self.inner = inner
        self.width = width
        self.size = inner.size

    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        return self.inner.bindings(search, ctx.within(self.width), floor)

    def feasible(self, search: _Search, ctx: _Context) -> bool:
        return self.inner.feasible(search, ctx)

    def latest_last(self, search: _Search, ctx: _Context) -> float:
        return self.inner.latest_last(search, ctx)


class _StartStop(_Node):
    """START x STOP y: every observation of the binding lies in [x, y)."""

    def __init__(self, inner: _Node, start: int, stop: int) -> None:
        self.inner = inner
        self.start = start
        self.stop = stop
        self.size = inner.size

    def _bounded(self, ctx: _Context) -> _Context:
        return ctx.bounded(self.stop - 1, self.start)

    def bindings(self, search: _Search, ctx: _Context, floor: int | None) -> Iterator[Binding]:
        if self.start >= self.stop:
            return iter(())
        return self.inner.bindings(search, self._bounded(ctx), floor)

    def feasible(self, search: _Search, ctx: _Context) -> bool:
        return self.start < self.stop and self.inner.feasible(search, self._bounded(ctx))

    def latest_last(self, search: _Search, ctx: _Context) -> float:
        return self.inner.latest_last(search, self._bounded(ctx))


def _grouped(operands: Sequence[ObservationExpression]) -> list[ObservationExpression]:
    """AND operands with identical ones next to each other (AND is commutative, 9.5)."""
    groups: dict[ObservationExpression, list[ObservationExpression]] = {}
    for operand in operands:
        groups.setdefault(operand, []).append(operand)
    return [operand for group in groups.values() for operand in group]


def _compile_observation(node: ObservationExpression, leaves: dict[Observation, _Leaf]) -> _Node:
    """The binding search for one node; identical [...] share one leaf (and its results)."""
    if isinstance(node, Observation):
        leaf = leaves.get(node)
        if leaf is None:
            leaf = leaves[node] = _Leaf(len(leaves), _compile_expression(node.expression))
        return leaf
    if isinstance(node, Qualified):
        inner = _compile_observation(node.expression, leaves)
        qualifier = node.qualifier
        if isinstance(qualifier, Repeats):
            times = int(qualifier.times.value)
            if times < 1:
                raise PatternLimitError("REPEATS must be a positive number", qualifier.pos + 1)
            return _Repeats(inner, times)
        if isinstance(qualifier, Within):
            seconds = float(qualifier.seconds.value)
            if seconds <= 0:
                raise PatternLimitError("WITHIN must be positive", qualifier.pos + 1)
            return _Within(inner, seconds * 1_000_000)
        assert isinstance(qualifier, StartStop)
        start = timestamp_micros(str(qualifier.start.value))
        stop = timestamp_micros(str(qualifier.stop.value))
        return _StartStop(inner, start, stop)
    if node.op == "OR":
        unique = list(dict.fromkeys(node.operands))
        return _Union([_compile_observation(operand, leaves) for operand in unique])
    operands = list(node.operands) if node.op == "FOLLOWEDBY" else _grouped(node.operands)
    same = [k > 0 and operands[k] == operands[k - 1] for k in range(len(operands))]
    parts = [_compile_observation(operand, leaves) for operand in operands]
    return _Join(parts, same, followed=node.op == "FOLLOWEDBY")


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A pattern ready to be matched many times."""

    pattern: Pattern
    root: _Node

    @property
    def size(self) -> int:
        """How many observations one binding of the pattern holds."""
        return self.root.size

    def match(self, observed: Any) -> MatchResult:
        """Match against a bundle, an observed-data object, or a list of either."""
        return self.match_observations(observations_from(observed))

    def match_observations(self, observations: list[ObservedData]) -> MatchResult:
        """Match against observed-data already prepared with ``observations_from``.

        Raises ``PatternLimitError`` when the search needs more than ``MAX_STEPS`` steps.
        """
        return self.search(observations)[0]

    def search(self, observations: list[ObservedData]) -> tuple[MatchResult, int]:
        """The match result and the number of search steps it took."""
        search = _Search(observations, max(self.root.size, 1))
        start = _Context({}, (), _POS, _NEG)
        binding = next(self.root.bindings(search, start, None), None)
        if binding is None:
            return MatchResult(False), search.steps
        roots: dict[int, set[str]] = {}
        for number, position in binding:
            keys = search.candidates[number].roots[position]
            roots.setdefault(search.order[position], set()).update(keys)
        indexes = sorted(roots)
        bound = tuple(observations[i].source for i in indexes)
        objects = tuple(
            (str(observations[i].source.get("id", i)), key)
            for i in indexes
            for key in sorted(roots[i])
        )
        return MatchResult(True, bound, objects), search.steps


def compile_pattern(pattern: str | Pattern, *, stix_version: str = "2.1") -> CompiledPattern:
    """Compile a pattern (text or parsed) for matching.

    ``stix_version="2.0"`` accepts the 2.0 START/STOP form with plain strings, as
    ``parse_pattern`` does.
    """
    if isinstance(pattern, str):
        tree = parse_pattern(pattern, stix_version=stix_version)
    else:
        tree = pattern
    return CompiledPattern(tree, _compile_observation(tree.root, {}))


def match(pattern: str | Pattern, observed: Any, *, stix_version: str = "2.1") -> MatchResult:
    """Match a pattern against a bundle, an observed-data object, or a list of either."""
    return compile_pattern(pattern, stix_version=stix_version).match(observed)
