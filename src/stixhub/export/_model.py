"""What an export selects and what it produces; shared by every format."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from stixhub.export._observables import MIN_PREFIX4, MIN_PREFIX6
from stixhub.stix.markings import TlpLevel
from stixhub.stix.patterns import Decomposition, Pattern

__all__ = ["UNSELECTED_TYPE", "ExportOptions", "ExportOutput", "Filters", "Selected", "Selection"]


@dataclass(frozen=True, slots=True)
class Filters:
    """Which active indicators to export.

    ``types`` names observable (SCO) types: an indicator is kept when its pattern names one
    of them, and list formats write only the values of those types. ``at`` is the moment
    indicators must be active at (None: now). ``min_prefix4`` / ``min_prefix6`` are the
    widest CIDR networks a list may carry (``_observables.network_refusal``).
    """

    types: tuple[str, ...] = ()
    min_confidence: int | None = None
    max_tlp: TlpLevel | None = None
    labels: tuple[str, ...] = ()
    since: datetime | str | None = None
    at: datetime | str | None = None
    min_prefix4: int = MIN_PREFIX4
    min_prefix6: int = MIN_PREFIX6


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """How the output names its origin (Zeek ``meta.source``, the CSV ``collection`` column),
    and whether CSV cells that a spreadsheet would run as formulas are defused (``_csv``)."""

    source_label: str = "stixhub"
    csv_formula_guard: bool = True


@dataclass(frozen=True, slots=True)
class Selected:
    """One indicator chosen for export, with its parsed pattern taken apart."""

    indicator: Mapping[str, Any]
    pattern: Pattern
    decomposition: Decomposition
    tlp: TlpLevel | None

    @property
    def id(self) -> str:
        """The indicator's id."""
        return str(self.indicator["id"])

    @property
    def name(self) -> str:
        """The indicator's name, else its id: what a rule message or description shows."""
        name = self.indicator.get("name")
        return name if isinstance(name, str) and name.strip() else self.id


@dataclass
class Selection:
    """The indicators chosen, the marking-definitions of the source, and what was skipped."""

    indicators: list[Selected]
    markings: dict[str, Mapping[str, Any]]
    skipped: Counter[str] = field(default_factory=Counter)
    types: tuple[str, ...] = ()
    min_prefix4: int = MIN_PREFIX4
    min_prefix6: int = MIN_PREFIX6

    def types_cover(self, selected: Selected) -> bool:
        """Whether ``types`` lets the whole pattern through: a rule or bundled indicator
        stands for all of its pattern, so one naming an unselected type is skipped whole
        (list formats instead drop just the values of the other types)."""
        return not self.types or all(
            e.object_type in self.types for e in selected.decomposition.entries
        )


UNSELECTED_TYPE = "pattern names an observable type not selected"
"""The skip reason of an indicator left out whole by ``Selection.types_cover``."""


@dataclass
class ExportOutput:
    """The files of an export (name -> bytes) and its counts.

    ``exported`` counts indicators of which something was written; ``skipped`` counts the
    others (and values left out) by reason. ``single`` says the format is one file, which
    may go to standard output. ``owned`` are glob patterns (relative to the output
    directory) of files this format writes under names that change from run to run: a file
    matching them that this run did not produce is stale and is removed after writing.
    """

    files: dict[str, bytes]
    exported: int
    skipped: Counter[str]
    single: bool = True
    owned: tuple[str, ...] = ()
