"""Recognisers for the data types of STIX 2.1 section 2, shared by every rule.

Each is a compiled regular expression or a small function without backtracking traps:
the validator runs on every object a hub receives, so a value must never make it slow.
"""

import re
from calendar import monthrange
from functools import lru_cache

from stixhub.stix._json import MAX_JSON_INTEGER

__all__ = [
    "ID",
    "MAX_INT",
    "PROPERTY_NAME",
    "TYPE_NAME",
    "id_type",
    "is_base64",
    "is_hex",
    "is_lang_tag",
    "is_later_or_same",
    "same_instant",
    "timestamp_key",
    "timestamp_problem",
]

# STIX 2.1 section 2.9: <type>--<RFC 4122 UUID>. Upper-case hex is accepted on input (the
# OASIS schemas do), but version (1-5) and variant (10xx) must be those RFC 4122 defines.
ID = re.compile(
    r"([a-z0-9][a-z0-9-]*[a-z0-9])--([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-5][0-9a-fA-F]{3}"
    r"-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12})"
)
# Section 3.1: 3 to 250 characters; types use a-z 0-9 and '-', properties a-z 0-9 and '_'.
TYPE_NAME = re.compile(r"[a-z][a-z0-9-]{1,248}[a-z0-9]")
PROPERTY_NAME = re.compile(r"[a-z][a-z0-9_]{2,249}")
MAX_INT = MAX_JSON_INTEGER


@lru_cache(maxsize=16384)
def id_type(value: str) -> str | None:
    """The type named by an identifier, or None when it is not one; bundles and large
    collections repeat the same references, hence the cache."""
    m = ID.fullmatch(value)
    return m.group(1) if m is not None else None


_TIMESTAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z")
_HEX = re.compile(r"(?:[0-9a-f]{2})+")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


# The largest day of each month as text; February is settled by the leap-year rule.
_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_LAST_DAY = {f"{m:02d}": f"{d:02d}" for m, d in enumerate(_DAYS, start=1)}


@lru_cache(maxsize=8192)
def timestamp_problem(value: str) -> str | None:
    """Say why a string is not a STIX timestamp (section 2.16), or None when it is one.

    The fields sit at fixed places once the form matches, so the calendar check compares
    two-digit texts (``"01" <= month <= "12"``); numbers are only parsed to word a problem.
    """
    if _TIMESTAMP.fullmatch(value) is None:
        return "is not a timestamp of the form YYYY-MM-DDTHH:MM:SS[.s+]Z (UTC)"
    last = _LAST_DAY.get(value[5:7])
    day = value[8:10]
    if (
        last is not None
        and "01" <= day <= last
        and value[11:13] <= "23"
        and value[14:16] <= "59"
        and value[17:19] <= "60"
        and (day != "29" or value[5:7] != "02" or _leap(int(value[:4])))
    ):
        return None
    year, month, day_, hour, minute, second = (int(value[a:b]) for a, b in _FIELDS)
    if not 1 <= month <= 12:
        return f"has month {month:02d}, which does not exist"
    if not 1 <= day_ <= monthrange(year, month)[1]:
        return f"has day {day_:02d}, which month {month:02d} of {year:04d} does not have"
    return f"has time {hour:02d}:{minute:02d}:{second:02d}, which does not exist"


_FIELDS = ((0, 4), (5, 7), (8, 10), (11, 13), (14, 16), (17, 19))
_PAD = "0" * 21


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def timestamp_key(value: str) -> str:
    """A key that sorts like the instant, for a string ``timestamp_problem`` accepted.

    The fraction is padded rather than parsed so that any precision compares exactly
    (``.000Z`` is earlier than ``.000123Z``).
    """
    if len(value) == 24:  # millisecond precision, the common case: same key, one slice
        return value[:23] + _PAD
    fraction = value[20:-1] if len(value) > 20 else ""
    return f"{value[:19]}.{fraction.ljust(24, '0')}"


def is_later_or_same(first: str, last: str) -> bool:
    """``last`` is the same instant as ``first`` or later, for two valid timestamps.

    Two timestamps of equal length share one layout, so their texts sort like the instants.
    """
    if len(first) == len(last):
        return last >= first
    return timestamp_key(last) >= timestamp_key(first)


def same_instant(first: str, last: str) -> bool:
    """Two valid timestamps name one instant (``…00Z`` and ``…00.000Z`` do)."""
    if len(first) == len(last):
        return first == last
    return timestamp_key(first) == timestamp_key(last)


def is_hex(value: str) -> bool:
    """Section 2.8: an even number of lower-case hex digits."""
    return _HEX.fullmatch(value) is not None


def is_base64(value: str) -> bool:
    """Section 2.1: RFC 4648 base64, padded, without line breaks."""
    return _BASE64.fullmatch(value) is not None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# RFC 5646 section 2.1, well-formed language tags (the grandfathered tags are listed as is).
_LANG_TAG = re.compile(
    r"(?P<lang>[a-z]{2,3}(?:-[a-z]{3}){0,3})"
    r"(?:-[a-z]{4})?"
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"
    r"|x(?:-[a-z0-9]{1,8})+",
    re.IGNORECASE,
)
_GRANDFATHERED = _words(
    "en-gb-oed i-ami i-bnn i-default i-enochian i-hak i-klingon i-lux i-mingo i-navajo i-pwn "
    "i-tao i-tay i-tsu sgn-be-fr sgn-be-nl sgn-ch-de art-lojban cel-gaulish no-bok no-nyn "
    "zh-guoyu zh-hakka zh-min zh-min-nan zh-xiang"
)
# ISO 639-1: the only two-letter primary language subtags RFC 5646 registers.
_ISO639_1 = _words(
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu "
    "cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi "
    "ho hr ht hu hy hz ia id ie ig ii ik in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn "
    "ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mo mr ms mt my na nb "
    "nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se "
    "sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug "
    "uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)


@lru_cache(maxsize=1024)
def is_lang_tag(value: str) -> bool:
    """RFC 5646: a well-formed tag whose two-letter primary subtag exists in ISO 639-1.

    Three-letter primary subtags are checked for form only: the ISO 639-2/3 lists are
    thousands of entries that this core does not carry.
    """
    if value.lower() in _GRANDFATHERED:
        return True
    m = _LANG_TAG.fullmatch(value)
    if m is None:
        return False
    primary = (m.group("lang") or "").lower()
    return len(primary) != 2 or primary in _ISO639_1
