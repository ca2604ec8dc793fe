"""The unit a log reader produces: one log record as the STIX cyber-observables it names.

An event keeps its observables in the STIX 2.0 embedded form (``objects`` keyed "0", "1",
...; a network-traffic object names its addresses by key in ``src_ref``/``dst_ref``) because
that is what ``PatternIndex.match`` reads fastest and what an observed-data object carries
when it is shared. It is a named tuple, not a dataclass: the sensor builds hundreds of
thousands per second and a tuple is the cheapest immutable record Python has.
"""

from typing import Any, NamedTuple

from stixhub.stix import format_taxii_timestamp

__all__ = ["Event", "stix_time"]

_MICROS = 1_000_000
_last_second = -1
_last_prefix = ""


def stix_time(micros: int) -> str:
    """A STIX timestamp (six fractional digits, ``Z``) for microseconds since the epoch.

    Log records arrive in time order, so the text of the whole second is kept from the
    previous call and only the fraction is written anew: most calls format one integer.
    """
    global _last_second, _last_prefix  # noqa: PLW0603  a one-entry cache of the last second
    second, fraction = divmod(micros, _MICROS)
    if second != _last_second:
        _last_prefix = format_taxii_timestamp(second * _MICROS)[:20]
        _last_second = second
    return f"{_last_prefix}{fraction:06d}Z"


class Event(NamedTuple):
    """One log record: when it happened, what it names, and where it was read."""

    time: int
    """Microseconds since the Unix epoch, UTC."""
    objects: dict[str, dict[str, Any]]
    """The record's cyber-observables, STIX 2.0 embedded form, keys "0", "1", ..."""
    source: str
    """The file the record was read from."""
    line: int
    """The record's line number in that file (1-based, header lines counted)."""
    kind: str = ""
    """The log the record came from: ``zeek.conn``, ``suricata.alert``, ``jsonl``, ..."""

    def observed_data(self) -> dict[str, Any]:
        """The event as the observed-data object ``PatternIndex.match`` takes (no id)."""
        stamp = stix_time(self.time)
        return {
            "type": "observed-data",
            "first_observed": stamp,
            "last_observed": stamp,
            "number_observed": 1,
            "objects": self.objects,
        }
