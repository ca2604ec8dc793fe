"""What a reader did with one file: lines read, events made, lines it could not read."""

from dataclasses import dataclass, field

__all__ = ["MAX_REASONS", "Malformed", "ReadStats"]

MAX_REASONS = 10
"""How many malformed lines keep their line number and reason; the rest are only counted."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """One line a reader could not read, and why."""

    line: int
    reason: str


@dataclass(slots=True)
class ReadStats:
    """Counts of one file, updated while it is read, so a follower can report them live.

    ``lines`` counts every line, header and comment lines too; ``events`` the events made;
    ``malformed`` the lines that could not be read, of which the first ``MAX_REASONS`` are
    kept in ``first_malformed`` with their reasons. A line that is read but names no
    observable (a Suricata ``stats`` record) is neither an event nor malformed: it is
    counted in ``skipped``.
    """

    source: str
    format: str = ""
    lines: int = 0
    events: int = 0
    skipped: int = 0
    malformed: int = 0
    first_malformed: list[Malformed] = field(default_factory=list)

    def bad(self, line: int, reason: str) -> None:
        """Count a malformed line; keep its number and reason while there is room."""
        self.malformed += 1
        if len(self.first_malformed) < MAX_REASONS:
            self.first_malformed.append(Malformed(line, reason))
