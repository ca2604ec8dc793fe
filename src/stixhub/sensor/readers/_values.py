"""Log values in the one spelling STIX indicators use, so that ``=`` in a pattern finds them.

Every function returns None for a value that is no value of its kind: a reader then emits no
observable for it, which is what the Zeek placeholders (``-``, ``(empty)``) and broken fields
must become. The address and name spellings are memoised (``Memo``): a log names the same
few thousand hosts again and again, and ``ipaddress`` costs microseconds per call.
"""

import re
from ipaddress import IPv4Address, IPv6Address, ip_address
from typing import Any, Final

__all__ = [
    "IP_OBJECTS",
    "NAME_OBJECTS",
    "Memo",
    "domain_names",
    "hash_algorithm",
    "ip_object",
    "name_objects",
    "url_of",
    "zeek_unescape",
]

_CACHE = 1 << 15  # entries per generation of each memo; two generations at most
_LABEL = re.compile(r"[^\s/\\@:?#\[\]\"'<>|,;]+")
_ZEEK_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|(\\))")
_HASHES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
_HEX = frozenset("0123456789abcdef")
_OCTET = {str(n): n for n in range(256)}  # canonical spellings only: no "01", no "+1"
_IPV4_CHARS = "0123456789."
_MISSING: Final[Any] = object()


class Memo:
    """A bounded memo of a pure function, cheaper on a hit than ``lru_cache``.

    Two generations of plain dicts: lookups go to ``hot``; when it is full, it becomes the
    old generation and starts empty again, and a value found in the old generation moves
    back to ``hot``. So what is used keeps its place, memory stays bounded by two
    generations, and each miss costs O(1) amortised, unlike evicting one entry from a dict
    in order. ``hot`` keeps its identity, so a hot loop may call ``hot.get`` itself and
    come here only on a miss.
    """

    __slots__ = ("hot", "misses", "old", "size")

    def __init__(self, size: int = _CACHE) -> None:
        self.hot: dict[str, Any] = {}
        self.old: dict[str, Any] = {}
        self.size = size
        self.misses = 0
        """Lookups that found nothing: each one is a computation (hits are not counted)."""

    def recall(self, key: str) -> Any:
        """The value kept for ``key`` (moved back to ``hot``), or ``_MISSING``."""
        value = self.hot.get(key, _MISSING)
        if value is _MISSING:
            value = self.old.get(key, _MISSING)
            if value is _MISSING:
                self.misses += 1
                return _MISSING
            self.keep(key, value)
        return value

    def keep(self, key: str, value: Any) -> None:
        """Remember a value, starting a new generation when ``hot`` is full."""
        hot = self.hot
        if len(hot) >= self.size:
            self.old = hot.copy()
            hot.clear()
        hot[key] = value

    def clear(self) -> None:
        """Forget everything (tests measure hit rates from an empty memo)."""
        self.hot.clear()
        self.old = {}
        self.misses = 0


IP_OBJECTS = Memo()
"""text -> ipv4-addr/ipv6-addr object (or None) of ``ip_object``."""
NAME_OBJECTS = Memo()
"""text -> tuple of domain-name objects of ``name_objects``."""
_NAMES = Memo()


def ip_object(text: str) -> dict[str, str] | None:
    """The ipv4-addr or ipv6-addr object of an address, canonical; None for no address.

    IPv6 is written compressed and in lower case (RFC 5952), as indicators write it, whatever
    the log did (Suricata expands it, ``fe80:0000:...``). A zone id (``fe80::1%eth0``) names
    an interface of the sensor, not part of the address, and is dropped. The caller must not
    change the returned dict: it is shared by every event that names the address.
    """
    obj = IP_OBJECTS.recall(text)
    if obj is _MISSING:
        address, _, _zone = text.strip().partition("%")
        if address.startswith("[") and address.endswith("]"):
            address = address[1:-1]
        if ":" not in address and address.strip(_IPV4_CHARS):
            return None  # a name: no IPv4 spelling has other characters; not worth a place
        obj = _ip_object(text, address)
        IP_OBJECTS.keep(text, obj)
    return obj  # type: ignore[no-any-return]


def _ip_object(text: str, address: str) -> dict[str, str] | None:
    parts = text.split(".")
    if len(parts) == 4 and all(_OCTET.get(p) is not None for p in parts):
        return {"type": "ipv4-addr", "value": text}  # the common case, without ipaddress
    try:
        parsed = ip_address(address)
    except ValueError:
        return None
    if isinstance(parsed, IPv6Address):
        mapped = parsed.ipv4_mapped
        if mapped is None:
            return {"type": "ipv6-addr", "value": str(parsed)}
        parsed = mapped  # ::ffff:a.b.c.d is the IPv4 host a.b.c.d
    assert isinstance(parsed, IPv4Address)
    return {"type": "ipv4-addr", "value": str(parsed)}


def name_objects(text: str) -> tuple[dict[str, str], ...]:
    """The domain-name objects of ``domain_names(text)``, shared like ``ip_object``'s."""
    objs = NAME_OBJECTS.recall(text)
    if objs is _MISSING:
        # not through domain_names' memo: these objects hold the same names already
        objs = tuple({"type": "domain-name", "value": name} for name in _domain_names(text))
        NAME_OBJECTS.keep(text, objs)
    return objs  # type: ignore[no-any-return]


def domain_names(text: str) -> tuple[str, ...]:
    """The domain-name values of a host name: lower case, no trailing dot; () for none.

    DNS is case-insensitive and the trailing dot only says "fully qualified", so
    ``WWW.Example.COM.`` is the indicator ``www.example.com``. A name with non-ASCII letters
    yields two values, the name as written (U-labels) and its IDNA A-label form
    (``xn--...``), because an indicator may carry either. An address, a name with spaces or
    other characters no host name has, and a wildcard (``*.example.com``, from certificates)
    yield nothing.
    """
    names = _NAMES.recall(text)
    if names is _MISSING:
        names = _domain_names(text)
        _NAMES.keep(text, names)
    return names  # type: ignore[no-any-return]


def _domain_names(text: str) -> tuple[str, ...]:
    name = text.strip().rstrip(".").lower()
    if not name or not _LABEL.fullmatch(name) or name.startswith("*"):
        return ()
    if ip_object(name) is not None:
        return ()
    if name.isascii():
        return (name,)
    try:
        ascii_form = name.encode("idna").decode("ascii")
    except UnicodeError:
        return (name,)
    return (name, ascii_form)


def url_of(host: str | None, target: str | None) -> str | None:
    """The URL of an HTTP request from its Host header and request target; None if none.

    A proxy request carries the absolute URL as its target and a CONNECT request
    ``host:port``, which is no URL. The scheme is ``http`` because a log that sees the
    request line saw clear text.
    """
    if not target:
        return None
    lowered = target[:8].lower()
    if lowered.startswith(("http://", "https://")):
        return target
    if not host or not target.startswith("/"):
        return None
    host = host.strip().lower()
    if ":" in host and not host.startswith("[") and host.count(":") > 1:
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}{target}"


def hash_algorithm(value: str) -> str | None:
    """The STIX ``hashes`` key of a hex digest by its length; None if it is no digest."""
    if not set(value) <= _HEX:
        return None
    return _HASHES.get(len(value))


def zeek_unescape(value: str) -> str:
    """A Zeek log string with its escapes decoded: ``\\\\`` -> ``\\``, ``\\xNN`` -> byte NN.

    Zeek escapes a byte that is unprintable, a separator, or not UTF-8. The decoded bytes are
    read as UTF-8; a byte that still is not UTF-8 is written back as the text ``\\xNN``
    (Python's ``backslashreplace``), the only spelling a STIX string can hold for it.
    """
    if "\\" not in value:
        return value
    out = bytearray()
    pos = 0
    for m in _ZEEK_ESCAPE.finditer(value):
        out += value[pos : m.start()].encode("utf-8", "surrogateescape")
        out += b"\\" if m.group(2) else bytes((int(m.group(1), 16),))
        pos = m.end()
    out += value[pos:].encode("utf-8", "surrogateescape")
    return out.decode("utf-8", "backslashreplace")
