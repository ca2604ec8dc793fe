"""Log timestamps to microseconds since the epoch (UTC): epoch numbers and ISO 8601 text.

Floats are never on the path from text: ``1672843056.913119`` read as a float and scaled
loses the last microsecond now and then, so the digits are read as two integers.
"""

import math
import re
from calendar import timegm
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["epoch_micros", "iso_micros", "number_micros", "strptime_micros"]

_MICROS = 1_000_000
_ISO = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?"
    r"\s*(?:([Zz])|([+-])(\d\d):?(\d\d))?",
    re.ASCII,
)
_DIGITS = re.compile(r"-?\d+(?:\.\d*)?", re.ASCII)
# Zeek writes a time past 2^31 seconds in exponent form: 2.385616957e+09.
_EXPONENT = re.compile(r"-?\d+(?:\.\d*)?[eE][+-]?\d{1,2}", re.ASCII)


def epoch_micros(text: str) -> int:
    """Seconds since the epoch written as digits (``1672843056.913119``) to microseconds.

    The exponent form Zeek uses for large values (``2.385616957e+09``) is read exactly too.

    Raises ValueError for anything else, Zeek's masked ``XXXXXXXXXX.XXXXXX`` included.
    """
    if len(text) == 17 and text[10] == "." and text.isascii():  # Zeek's usual 10.6 digits
        whole, fraction = text[:10], text[11:]
        if whole.isdigit() and fraction.isdigit():
            return int(whole) * _MICROS + int(fraction)
    if not _DIGITS.fullmatch(text):
        if _EXPONENT.fullmatch(text):
            return int((Decimal(text) * _MICROS).to_integral_value(ROUND_HALF_EVEN))
        raise ValueError(f"{text!r} is not a number of seconds")
    whole, _, fraction = text.partition(".")
    micros = int((fraction + "000000")[:6])
    if whole.startswith("-"):
        return int(whole) * _MICROS - micros
    return int(whole) * _MICROS + micros


def number_micros(value: float) -> int:
    """Seconds since the epoch as a JSON number to microseconds (rounded, not truncated).

    A double holds a 2020s epoch to a quarter of a microsecond, so rounding recovers the
    six digits the writer printed.
    """
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a time")
    return round(value * _MICROS)


def iso_micros(text: str, default_offset: int = 0) -> int:
    """An ISO 8601 date-time to microseconds since the epoch, UTC.

    Accepts ``Z``, ``+02:00`` and ``-0600`` (Suricata writes the offset without a colon), a
    space for ``T``, and no zone at all, which is read at ``default_offset`` seconds east of
    UTC (0 unless the caller knows the sensor's zone). Raises ValueError otherwise.
    """
    m = _ISO.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not an ISO 8601 date-time")
    year, month, day, hour, minute, second = (int(g) for g in m.group(1, 2, 3, 4, 5, 6))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 23 and minute <= 59 and second <= 60):
        raise ValueError(f"{text!r} has a field out of range")
    datetime(year, month, day)
    seconds = timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if m.group(8):
        offset = 0
    elif m.group(9):
        hours, minutes = int(m.group(10)), int(m.group(11))
        if hours > 23 or minutes > 59:
            raise ValueError(f"{text!r} has an invalid UTC offset")
        offset = hours * 3600 + minutes * 60
        if m.group(9) == "-":
            offset = -offset
    else:
        offset = default_offset
    fraction = int(((m.group(7) or "") + "000000")[:6])
    return (seconds - offset) * _MICROS + fraction


def strptime_micros(text: str, pattern: str, zone: tzinfo) -> int:
    """A date-time in a ``strptime`` format to microseconds; ``zone`` when it names none."""
    parsed = datetime.strptime(text.strip(), pattern)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return timegm(parsed.utctimetuple()) * _MICROS + parsed.microsecond
