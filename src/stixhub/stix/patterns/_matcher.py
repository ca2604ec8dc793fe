"""Matching a pattern against observed-data (STIX 2.1 section 9.8).

Input is a bundle, a single observed-data object, or a list of either. An observed-data
object either embeds its objects (``objects``, the STIX 2.0 form) or names them in
``object_refs`` (STIX 2.1); referenced objects are looked up among all objects given.

Within ``[...]`` the comparisons bind to objects: AND keeps only the objects that satisfy both
sides, so ``[file:name = 'a' AND file:size = 1]`` needs one file with both properties. An
observed-data object with ``number_observed`` n counts as n observations. Observation
operators and qualifiers search for a *binding*: one distinct observation per observation
expression, whose ``first_observed``/``last_observed`` windows satisfy FOLLOWEDBY, WITHIN and
START/STOP. The search is lazy and stops at the first binding; a work budget bounds it so that
a hostile pattern cannot run forever.
"""

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

# Upper bound of candidate combinations tried for one match call; far above any real use.
MAX_WORK = 2_000_000

Instance = tuple[int, int]  # (observation index, repetition index within number_observed)
Binding = tuple[Instance, ...]


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
class _Search:
    """State of one match call: the observations, the roots found, and the work budget."""

    __slots__ = ("cap", "observations", "roots", "work")

    def __init__(self, observations: list[ObservedData], cap: int) -> None:
        self.observations = observations
        self.cap = cap
        self.roots: dict[int, set[str]] = {}
        self.work = 0

    def spend(self, amount: int = 1) -> None:
        self.work += amount
        if self.work > MAX_WORK:
            raise PatternLimitError("pattern needs too many combinations to evaluate")

    def latest_first(self, binding: Binding) -> int:
        return max(self.observations[i].first for i, _ in binding)

    def earliest_last(self, binding: Binding) -> int:
        return min(self.observations[i].last for i, _ in binding)


Bindings = Callable[[_Search], Iterator[Binding]]


def _disjoint(a: Binding, b: Binding) -> bool:
    return not set(a).intersection(b)


def _leaf(node: Observation) -> Bindings:
    test = _compile_expression(node.expression)

    def bindings(search: _Search) -> Iterator[Binding]:
        for index, obs in enumerate(search.observations):
            roots = test(obs)
            if roots:
                search.roots.setdefault(index, set()).update(roots)
                for k in range(min(obs.count, search.cap)):
                    yield ((index, k),)

    return bindings


def _join(
    left: Bindings, right: Bindings, accept: Callable[[_Search, Binding, Binding], bool]
) -> Bindings:
    def bindings(search: _Search) -> Iterator[Binding]:
        rights: list[Binding] | None = None
        for lhs in left(search):
            if rights is None:
                rights = list(right(search))
                if not rights:
                    return
            for rhs in rights:
                search.spend()
                if _disjoint(lhs, rhs) and accept(search, lhs, rhs):
                    yield lhs + rhs

    return bindings


def _any_order(search: _Search, lhs: Binding, rhs: Binding) -> bool:
    del search, lhs, rhs
    return True


def _followed(search: _Search, lhs: Binding, rhs: Binding) -> bool:
    return search.latest_first(lhs) <= search.earliest_last(rhs)


def _union(parts: list[Bindings]) -> Bindings:
    def bindings(search: _Search) -> Iterator[Binding]:
        for part in parts:
            yield from part(search)

    return bindings


def _repeats(inner: Bindings, times: int) -> Bindings:
    def bindings(search: _Search) -> Iterator[Binding]:
        pool = list(inner(search))

        def extend(start: int, chosen: Binding, need: int) -> Iterator[Binding]:
            if need == 0:
                yield chosen
                return
            for i in range(start, len(pool) - need + 1):
                search.spend()
                if _disjoint(chosen, pool[i]):
                    yield from extend(i + 1, chosen + pool[i], need - 1)

        yield from extend(0, (), times)

    return bindings


def _within(inner: Bindings, micros: float) -> Bindings:
    def bindings(search: _Search) -> Iterator[Binding]:
        for binding in inner(search):
            if search.latest_first(binding) <= search.earliest_last(binding) + micros:
                yield binding

    return bindings


def _start_stop(inner: Bindings, start: int, stop: int) -> Bindings:
    def bindings(search: _Search) -> Iterator[Binding]:
        if start >= stop:
            return
        for binding in inner(search):
            if all(
                search.observations[i].first < stop and search.observations[i].last >= start
                for i, _ in binding
            ):
                yield binding

    return bindings


def _compile_observation(node: ObservationExpression) -> tuple[Bindings, int]:
    """The binding search for one node, and how many observations one binding holds."""
    if isinstance(node, Observation):
        return _leaf(node), 1
    if isinstance(node, Qualified):
        inner, size = _compile_observation(node.expression)
        qualifier = node.qualifier
        if isinstance(qualifier, Repeats):
            times = int(qualifier.times.value)
            if times < 1:
                raise PatternLimitError("REPEATS must be a positive number", qualifier.pos + 1)
            return _repeats(inner, times), size * times
        if isinstance(qualifier, Within):
            seconds = float(qualifier.seconds.value)
            if seconds <= 0:
                raise PatternLimitError("WITHIN must be positive", qualifier.pos + 1)
            return _within(inner, seconds * 1_000_000), size
        assert isinstance(qualifier, StartStop)
        start = timestamp_micros(str(qualifier.start.value))
        stop = timestamp_micros(str(qualifier.stop.value))
        return _start_stop(inner, start, stop), size
    compiled = [_compile_observation(operand) for operand in node.operands]
    if node.op == "OR":
        return _union([c[0] for c in compiled]), max(c[1] for c in compiled)
    accept = _followed if node.op == "FOLLOWEDBY" else _any_order
    result, size = compiled[0]
    for part, part_size in compiled[1:]:
        result = _join(result, part, accept)
        size += part_size
    return result, size


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    """A pattern ready to be matched many times."""

    pattern: Pattern
    search: Bindings
    size: int

    def match(self, observed: Any) -> MatchResult:
        """Match against a bundle, an observed-data object, or a list of either."""
        return self.match_observations(observations_from(observed))

    def match_observations(self, observations: list[ObservedData]) -> MatchResult:
        """Match against observed-data already prepared with ``observations_from``."""
        search = _Search(observations, max(self.size, 1))
        binding = next(self.search(search), None)
        if binding is None:
            return MatchResult(False)
        indexes = sorted({i for i, _ in binding})
        bound = tuple(observations[i].source for i in indexes)
        objects = tuple(
            (str(observations[i].source.get("id", i)), key)
            for i in indexes
            for key in sorted(search.roots.get(i, ()))
        )
        return MatchResult(True, bound, objects)


def compile_pattern(pattern: str | Pattern, *, stix_version: str = "2.1") -> CompiledPattern:
    """Compile a pattern (text or parsed) for matching.

    ``stix_version="2.0"`` accepts the 2.0 START/STOP form with plain strings, as
    ``parse_pattern`` does.
    """
    if isinstance(pattern, str):
        tree = parse_pattern(pattern, stix_version=stix_version)
    else:
        tree = pattern
    search, size = _compile_observation(tree.root)
    return CompiledPattern(tree, search, size)


def match(pattern: str | Pattern, observed: Any, *, stix_version: str = "2.1") -> MatchResult:
    """Match a pattern against a bundle, an observed-data object, or a list of either."""
    return compile_pattern(pattern, stix_version=stix_version).match(observed)
