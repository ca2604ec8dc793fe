"""Log values in the one spelling STIX indicators use, so that ``=`` in a pattern finds them.

Every function returns None for a value that is no value of its kind: a reader then emits no
observable for it, which is what the Zeek placeholders (``-``, ``(empty)``) and broken fields
must become. The address and name spellings are cached: a log names the same few thousand
hosts again and again, and ``ipaddress`` costs microseconds per call.
"""

import re
from functools import lru_cache
from ipaddress import IPv4Address, IPv6Address, ip_address

__all__ = [
    "domain_names",
    "hash_algorithm",
    "ip_object",
    "url_of",
    "zeek_unescape",
]

_CACHE = 1 << 14  # per cache; bounds their memory to a few MiB
_LABEL = re.compile(r"[^\s/\\@:?#\[\]\"'<>|,;]+")
_ZEEK_ESCAPE = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|(\\))")
_HASHES = {32: "MD5", 40: "SHA-1", 64: "SHA-256", 128: "SHA-512"}
_HEX = frozenset("0123456789abcdef")
_OCTET = {str(n): n for n in range(256)}  # canonical spellings only: no "01", no "+1"


@lru_cache(maxsize=_CACHE)
def ip_object(text: str) -> dict[str, str] | None:
    """The ipv4-addr or ipv6-addr object of an address, canonical; None for no address.

    IPv6 is written compressed and in lower case (RFC 5952), as indicators write it, whatever
    the log did (Suricata expands it, ``fe80:0000:...``). A zone id (``fe80::1%eth0``) names
    an interface of the sensor, not part of the address, and is dropped. The caller must not
    change the returned dict: it is shared by every event that names the address.
    """
    parts = text.split(".")
    if len(parts) == 4 and all(_OCTET.get(p) is not None for p in parts):
        return {"type": "ipv4-addr", "value": text}  # the common case, without ipaddress
    address, _, _zone = text.strip().partition("%")
    if address.startswith("[") and address.endswith("]"):
        address = address[1:-1]
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


@lru_cache(maxsize=_CACHE)
def domain_names(text: str) -> tuple[str, ...]:
    """The domain-name values of a host name: lower case, no trailing dot; () for none.

    DNS is case-insensitive and the trailing dot only says "fully qualified", so
    ``WWW.Example.COM.`` is the indicator ``www.example.com``. A name with non-ASCII letters
    yields two values, the name as written (U-labels) and its IDNA A-label form
    (``xn--...``), because an indicator may carry either. An address, a name with spaces or
    other characters no host name has, and a wildcard (``*.example.com``, from certificates)
    yield nothing.
    """
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
