"""The values of the selected indicators, for formats that take lists of values.

An indicator whose pattern is not exactly an OR of values (``Decomposition.reason``) is
skipped under that reason: a list of its values would match more than it does. Of a
listable indicator, each value of a kind no list can carry (``classify``) is counted and
left out; the indicator is exported when at least one value is left, since a list that
matches some of an OR matches nothing the OR does not.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stixhub.export._model import Selected, Selection
from stixhub.export._observables import Kind, Observable, classify

__all__ = ["Listed", "listed"]


@dataclass(frozen=True, slots=True)
class Listed:
    """One exported indicator and its values, in pattern order, without duplicates."""

    selected: Selected
    observables: tuple[Observable, ...]


def listed(
    selection: Selection,
    skipped: Counter[str],
    accept: Callable[[Observable], str | None] = lambda _: None,
) -> Iterator[Listed]:
    """The listable indicators; reasons for what is left out go into ``skipped``.

    ``accept`` lets a format refuse a value it cannot carry (it returns the reason).
    """
    for selected in selection.indicators:
        decomposition = selected.decomposition
        if decomposition.reason is not None:
            skipped[f"pattern needs {decomposition.reason}"] += 1
            continue
        values: list[Observable] = []
        refusals: list[str] = []
        for entry in decomposition.entries:
            if selection.types and entry.object_type not in selection.types:
                continue
            observable = classify(entry, selection.min_prefix4, selection.min_prefix6)
            if isinstance(observable, str):
                refusals.append(observable)
                continue
            refusal = accept(observable)
            if refusal is not None:
                refusals.append(refusal)
            elif observable not in values:
                values.append(observable)
        if not values:
            skipped[refusals[0] if refusals else "no value to list"] += 1
            continue
        for refusal in refusals:
            skipped[f"value left out: {refusal}"] += 1
        yield Listed(selected, tuple(values))


def kinds_in(items: list[Listed]) -> list[Kind]:
    """The kinds present, in first-seen order."""
    seen: dict[Kind, None] = {}
    for item in items:
        for observable in item.observables:
            seen.setdefault(observable.kind, None)
    return list(seen)
