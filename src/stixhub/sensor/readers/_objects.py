"""Building the ``objects`` of one event: each observable once, refs by key.

Readers add addresses, names, URLs and files as they find them in a record; a value named
twice in one record (a DNS answer that repeats, the Host header and the SNI) becomes one
object, so a sighting counts the event once.
"""

from typing import Any

from stixhub.sensor.readers._values import domain_names, hash_algorithm, ip_object
from stixhub.sensor.readers._values import url_of as _url_of

__all__ = ["ObjectsBuilder"]


class ObjectsBuilder:
    """The objects of one event under construction, keyed "0", "1", ... in order of adding."""

    __slots__ = ("_keys", "objects")

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self._keys: dict[tuple[str, str], str] = {}

    def add(self, obj: dict[str, Any]) -> str:
        """Add an object that has no identifying value (network-traffic, file); its key."""
        key = str(len(self.objects))
        self.objects[key] = obj
        return key

    def _value(self, type_: str, value: str, obj: dict[str, Any] | None = None) -> str:
        known = self._keys.get((type_, value))
        if known is not None:
            return known
        key = self.add(obj if obj is not None else {"type": type_, "value": value})
        self._keys[type_, value] = key
        return key

    def ip(self, text: Any) -> str | None:
        """Add an ipv4-addr or ipv6-addr; its key, or None when the text is no address."""
        if type(text) is not str:
            return None
        obj = ip_object(text)
        if obj is None:
            return None
        return self._value(obj["type"], obj["value"], obj)

    def domain(self, text: Any) -> str | None:
        """Add the domain-name(s) of a host name; the key of the first, None for no name."""
        if type(text) is not str:
            return None
        first = None
        for name in domain_names(text):
            key = self._value("domain-name", name)
            first = first or key
        return first

    def host(self, text: Any) -> str | None:
        """Add a host that may be an address or a name, with or without ``:port``."""
        if type(text) is not str or not text:
            return None
        key = self.ip(text)
        if key is not None:
            return key
        if text.count(":") == 1:
            text = text.partition(":")[0]
        elif text.startswith("[") and "]:" in text:
            return self.ip(text[1 : text.index("]")])
        return self.domain(text)

    def url(self, value: Any) -> str | None:
        """Add a url (an absolute URL as written) and the host it names."""
        if type(value) is not str or "://" not in value[:16]:
            return None
        rest = value.partition("://")[2]
        host = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
        self.host(host)
        return self._value("url", value)

    def request_url(self, host: Any, target: Any) -> str | None:
        """Add the url of an HTTP request from its Host header and target, when it has one."""
        if type(target) is not str:
            return None
        return self.url(_url_of(host if type(host) is str else None, target))

    def email(self, text: Any) -> str | None:
        """Add an email-addr (lower case); None when the text has no ``@``."""
        if type(text) is not str or "@" not in text or " " in text.strip():
            return None
        return self._value("email-addr", text.strip().lower())

    def user(self, text: Any) -> str | None:
        """Add a user-account named by its login; the privacy filter decides if it is shared."""
        if type(text) is not str or not text:
            return None
        return self._value("user-account", text, {"type": "user-account", "user_id": text})

    def hashes(self, *digests: Any) -> dict[str, str]:
        """The STIX ``hashes`` of hex digests, each keyed by its algorithm (by length)."""
        out: dict[str, str] = {}
        for digest in digests:
            if type(digest) is not str:
                continue
            hex_digits = digest.replace(":", "").lower()
            algorithm = hash_algorithm(hex_digits)
            if algorithm is not None:
                out[algorithm] = hex_digits
        return out
