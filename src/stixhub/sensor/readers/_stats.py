"""What a reader did with one file: lines read, events made, lines it could not read."""

from dataclasses import dataclass, field

__all__ = ["MAX_REASONS", "Malformed", "ReadStats"]

MAX_REASONS = 10
"""How many problems keep their line number and reason; the rest are only counted."""


@dataclass(frozen=True, slots=True)
class Malformed:
    """One line a reader could not (fully) read, and why."""

    line: int
    reason: str


@dataclass(slots=True)
class ReadStats:
    """Counts of one file, updated while it is read, so a follower can report them live.

    ``lines`` counts every line, header and comment lines too; ``events`` the events made;
    ``malformed`` the lines that could not be read and made no event. A line that is read
    but names no observable (a Suricata ``stats`` record) is neither: it is counted in
    ``skipped``. ``untimed`` counts events whose own time could not be read (they got the
    previous record's time). The first ``MAX_REASONS`` malformed or untimed lines are kept in
    ``first_malformed`` with their reasons.
    """

    source: str
    format: str = ""
    lines: int = 0
    events: int = 0
    skipped: int = 0
    malformed: int = 0
    untimed: int = 0
    first_malformed: list[Malformed] = field(default_factory=list)

    def bad(self, line: int, reason: str) -> None:
        """Count a malformed line; keep its number and reason while there is room."""
        self.malformed += 1
        self.note(line, reason)

    def note(self, line: int, reason: str) -> None:
        """Keep a problem's line number and reason while there is room."""
        if len(self.first_malformed) < MAX_REASONS:
            self.first_malformed.append(Malformed(line, reason))
