"""Timestamps of STIX 2.1 and TAXII 2.1.

Two different things share the word:

* TAXII timestamps (``date_added``, ``added_after``, the ``X-TAXII-Date-Added-*`` headers) are
  kept as integers: microseconds since the Unix epoch, UTC. Integers sort, compare and index
  the same way in Python, SQLite and PostgreSQL, and the server writes them in exactly one
  form (TAXII 2.1 section 2: six fractional digits and ``Z``).
* STIX timestamps (``created``, ``modified``) are what a manifest reports as ``version``; they
  are returned exactly as the producer wrote them. To compare them as instants (for
  ``match[version]``) they get a *key*: the same instant written with nine fractional digits,
  which sorts lexicographically and keeps nanosecond precision.
"""

import re
from calendar import timegm

from stixhub.stix._errors import InvalidTimestamp

__all__ = ["format_taxii_timestamp", "parse_rfc3339_micros", "parse_stix_timestamp_key"]

# RFC 3339 date-time: 0 to 9 fractional digits, "Z" or a numeric offset.
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
# STIX 2.1 section 3.2: UTC, the literal "Z", fractional seconds optional (any number of digits).
_STIX = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z", re.ASCII)

_MICROS = 1_000_000
# 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z, the range of datetime.
_MIN_SECONDS = -62135596800
_MAX_SECONDS = 253402300799


def _epoch_seconds(year: str, month: str, day: str, hh: str, mm: str, ss: str) -> int:
    y, mo, d, h, mi, s = int(year), int(month), int(day), int(hh), int(mm), int(ss)
    if not (y >= 1 and 1 <= mo <= 12 and 1 <= d <= _days_in_month(y, mo) and h <= 23 and mi <= 59):
        raise InvalidTimestamp("date or time field out of range")
    # A leap second (:60) is folded onto the next second, as RFC 3339 allows a reader to do.
    if s > 60:
        raise InvalidTimestamp("seconds out of range")
    return timegm((y, mo, d, h, mi, s, 0, 0, 0))


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def parse_rfc3339_micros(value: str) -> int:
    """Parse any RFC 3339 date-time into microseconds since the epoch (UTC).

    Clients send ``added_after`` in every precision and sometimes with an offset; digits past
    the sixth are truncated (floored), which keeps an exclusive ``added_after`` exact against
    the server's microsecond ``date_added`` values.
    """
    m = _RFC3339.fullmatch(value)
    if m is None:
        raise InvalidTimestamp(f"{value!r} is not an RFC 3339 timestamp")
    seconds = _epoch_seconds(*m.group(1, 2, 3, 4, 5, 6))
    if m.group(9):
        offset = int(m.group(10)) * 3600 + int(m.group(11)) * 60
        if int(m.group(10)) > 23 or int(m.group(11)) > 59:
            raise InvalidTimestamp(f"{value!r} has an invalid UTC offset")
        seconds -= offset if m.group(9) == "+" else -offset
    fraction = (m.group(7) or "").ljust(6, "0")[:6]
    return seconds * _MICROS + int(fraction)


def format_taxii_timestamp(micros: int) -> str:
    """Write microseconds since the epoch as a TAXII timestamp: six digits and ``Z``."""
    seconds, fraction = divmod(micros, _MICROS)
    if not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
        raise InvalidTimestamp(f"{micros} microseconds is outside the representable range")
    days, rest = divmod(seconds, 86400)
    hour, rest = divmod(rest, 3600)
    minute, second = divmod(rest, 60)
    year, month, day = _civil_from_days(days)
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{fraction:06d}Z"


def _civil_from_days(days: int) -> tuple[int, int, int]:
    """Days since 1970-01-01 to (year, month, day); Howard Hinnant's algorithm, no datetime."""
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    year = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return (year + 1 if month <= 2 else year), month, day


def parse_stix_timestamp_key(value: str) -> str:
    """Return the comparison key of a STIX timestamp: the instant with nine fractional digits.

    Two spellings of one instant (``...:00Z``, ``...:00.000Z``) get the same key, so a
    ``match[version]`` value finds the version however either side wrote it. More than nine
    fractional digits cannot be told apart by this key and are refused.
    """
    m = _STIX.fullmatch(value)
    if m is None:
        raise InvalidTimestamp(
            f"{value!r} is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.s+]Z, in UTC)"
        )
    _epoch_seconds(*m.group(1, 2, 3, 4, 5, 6))
    fraction = m.group(7) or ""
    if len(fraction) > 9:
        raise InvalidTimestamp(f"{value!r} has more than nine fractional digits")
    return f"{value[:19]}.{fraction.ljust(9, '0')}Z"
