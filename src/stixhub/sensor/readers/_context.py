"""What a reader needs besides the lines: where they come from, the stats, a fallback time."""

from dataclasses import dataclass

from stixhub.sensor.readers._stats import ReadStats

__all__ = ["ReadContext"]


@dataclass(slots=True)
class ReadContext:
    """One file being read.

    A record whose time cannot be read still names its observables (Zeek's test baselines
    mask every ``ts``); it gets the time of the record before it, or for the first records
    the file's modification time: the last moment the record can have been written. Each
    such record is counted in ``stats.untimed`` and listed among the problems.
    """

    source: str
    stats: ReadStats
    fallback_time: int
    """Microseconds: the time of the last record read, or the file's modification time."""

    def untimed(self, line: int, reason: str) -> int:
        """Count a record without a readable time; the time it gets instead."""
        self.stats.untimed += 1
        self.stats.note(line, f"{reason}; time of the previous record or of the file used")
        return self.fallback_time
