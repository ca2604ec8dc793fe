"""What may leave the machine: the privacy policy applied to every observable a sighting shares.

Personal data is the main risk of reporting sightings: a log names the organisation's own
hosts, people and mailboxes, and the CERT needs none of that to know that an indicator is
live. So by default nothing leaves that names

- an internal address: the ranges of ``DEFAULT_PRIVATE_RANGES`` (RFC 1918, shared address
  space RFC 6598, loopback, link-local, unique-local, "this network") and the ranges the
  organisation adds;
- an internal name: a name under one of the organisation's own domains, a single-label host
  name, a name under a suffix that is internal by definition (``INTERNAL_SUFFIXES``), or a
  reverse-lookup name (``in-addr.arpa`` / ``ip6.arpa`` spell an address);
- an e-mail address of one of the own domains, a user account, or a raw log line (the
  sensor never copies a line; only the observables it parsed can be shared).

The test is textual and conservative: a value is internal when its text, or its
percent-decoded text, *mentions* one of those anywhere (``http://evil.example/?to=alice%40
corp.example`` names an own mailbox; ``10.1.2.3.nip.example`` names an internal address).
The same test runs once more over the bytes of the whole bundle before anything is sent
(``check_outgoing``), so a value that escaped the per-observable filter stops the send
instead of leaking.

``--share-observables`` chooses what the observed-data carries: ``none`` (no observed-data,
the sighting alone), ``external`` (default: the matched observables that are not internal)
or ``all`` (internal ones too, for a hub inside the same organisation). User accounts and
raw lines are never shared, whatever the mode.
"""

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, get_args
from urllib.parse import unquote, urlsplit

from stixhub.sensor._errors import InvalidPolicy, PrivacyLeak

__all__ = [
    "DEFAULT_PRIVATE_RANGES",
    "INTERNAL_SUFFIXES",
    "SHAREABLE_TYPES",
    "PrivacyPolicy",
    "ShareMode",
    "event_secrets",
]

ShareMode: TypeAlias = Literal["none", "external", "all"]
SHARE_MODES: tuple[ShareMode, ...] = get_args(ShareMode)

_Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

DEFAULT_PRIVATE_RANGES: tuple[str, ...] = (
    "10.0.0.0/8",  # RFC 1918
    "172.16.0.0/12",  # RFC 1918
    "192.168.0.0/16",  # RFC 1918
    "100.64.0.0/10",  # RFC 6598 shared address space (carrier-grade NAT, often internal)
    "127.0.0.0/8",  # RFC 1122 loopback
    "169.254.0.0/16",  # RFC 3927 link-local
    "0.0.0.0/8",  # RFC 1122 "this network"
    "::1/128",  # RFC 4291 loopback
    "fc00::/7",  # RFC 4193 unique-local
    "fe80::/10",  # RFC 4291 link-local
    "fec0::/10",  # RFC 3879 site-local (deprecated, still seen)
)
"""Ranges that name an organisation's own hosts, never shared unless ``all`` is chosen."""

INTERNAL_SUFFIXES: tuple[str, ...] = (
    "local",  # RFC 6762 multicast DNS
    "localhost",  # RFC 6761
    "localdomain",
    "internal",  # reserved by ICANN for private use (2024)
    "home.arpa",  # RFC 8375
    "lan",
    "intranet",
    "corp",
    "home",
    "in-addr.arpa",  # reverse lookups spell an address
    "ip6.arpa",
)
"""Name suffixes that are internal by definition or by wide convention."""


# Runs of dotted (or dashed, as in reverse-proxy host names) decimal labels: every four
# consecutive labels of one to three digits are read as an IPv4 address.
_DECIMAL_RUN = re.compile(r"[0-9]+(?:[.\-_][0-9]+)+")
_LABEL_SPLIT = re.compile(r"[.\-_]")
# Runs that can hold an IPv6 address; only those with "::" or seven colons are tried.
_HEX_RUN = re.compile(r"[0-9a-f:.]*:[0-9a-f:.]*")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_DOMAIN = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)


def _read_range(text: str) -> _Network:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise InvalidPolicy(f"{text!r} is no address range (10.0.0.0/8, fd00::/8)") from None


def _read_domain(text: str) -> str:
    name = text.strip().lower().rstrip(".")
    if name.startswith("*."):
        name = name[2:]
    name = name.lstrip(".")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise InvalidPolicy(f"{text!r} is no domain name") from None
    if not _DOMAIN.match(name):
        raise InvalidPolicy(f"{text!r} is no domain name (corp.example)")
    return name


@dataclass(frozen=True, slots=True)
class PrivacyPolicy:
    """What counts as internal, and which observables the observed-data may carry."""

    private_ranges: tuple[_Network, ...]
    own_domains: tuple[str, ...]
    share: ShareMode = "external"

    @classmethod
    def make(
        cls,
        private_ranges: Iterable[str] = (),
        own_domains: Iterable[str] = (),
        share: str = "external",
    ) -> "PrivacyPolicy":
        """The default ranges plus the given ones, the given own domains, and a share mode."""
        if share not in SHARE_MODES:
            raise InvalidPolicy(f"share mode {share!r} is none of {', '.join(SHARE_MODES)}")
        ranges = tuple(_read_range(r) for r in (*DEFAULT_PRIVATE_RANGES, *private_ranges))
        domains = tuple(dict.fromkeys(_read_domain(d) for d in own_domains))
        return cls(ranges, domains, share)

    # Addresses -----------------------------------------------------------------------

    def is_private_address(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        """Whether an address lies in an internal range (an IPv4-mapped one by its IPv4)."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.private_ranges)

    def _private_ipv4_in(self, text: str) -> bool:
        for run in _DECIMAL_RUN.finditer(text):
            labels = _LABEL_SPLIT.split(run.group())
            for i in range(len(labels) - 3):
                window = labels[i : i + 4]
                if all(len(label) <= 3 and int(label) <= 255 for label in window):
                    address = ipaddress.IPv4Address(".".join(str(int(x)) for x in window))
                    if self.is_private_address(address):
                        return True
        return False

    def _private_ipv6_in(self, text: str) -> bool:
        for run in _HEX_RUN.finditer(text):
            candidate = run.group().strip(".")
            if "::" not in candidate and candidate.count(":") < 7:
                continue
            try:  # a run that is one address is that address, whatever its parts spell
                whole = ipaddress.IPv6Address(candidate)
            except ValueError:
                pass
            else:
                if not whole.is_unspecified and self.is_private_address(whole):
                    return True
                continue
            parts = candidate.split(":")
            # Every stretch of the run between colons: a run may glue an address to text
            # around it ("x:fe80::1").
            for i in range(len(parts)):
                for j in range(len(parts), i + 1, -1):
                    piece = ":".join(parts[i:j])
                    if "::" not in piece and piece.count(":") < 7:
                        continue
                    try:
                        address = ipaddress.IPv6Address(piece)
                    except ValueError:
                        continue
                    if not address.is_unspecified and self.is_private_address(address):
                        return True
        return False

    # Names ---------------------------------------------------------------------------

    def _own_domain_in(self, text: str) -> bool:
        for domain in self.own_domains:
            start = text.find(domain)
            while start >= 0:
                before = text[start - 1] if start else ""
                end = start + len(domain)
                after = text[end] if end < len(text) else ""
                if before not in _NAME_CHARS and after not in _NAME_CHARS:
                    return True
                start = text.find(domain, start + 1)
        return False

    def is_internal_name(self, name: str) -> bool:
        """Whether a host name is internal: an own domain, one label, or an internal suffix."""
        text = name.strip().lower().rstrip(".")
        if "." not in text:
            return True  # a single-label name only resolves inside a network
        for suffix in (*INTERNAL_SUFFIXES, *self.own_domains):
            if text == suffix or text.endswith("." + suffix):
                return True
        return self.mentions_internal(text)

    # Text ----------------------------------------------------------------------------

    def mentions_internal(self, text: str, secrets: Iterable[str] = ()) -> bool:
        """Whether a text names an internal address, an own domain or one of ``secrets``.

        ``secrets`` are the user names and similar values of the event the text came from;
        a shared URL must not carry them in its path or query either.
        """
        lowered = text.lower()
        variants = {lowered}
        if "%" in lowered or "+" in lowered:
            decoded = unquote(lowered)
            variants.add(decoded)
            variants.add(unquote(lowered.replace("+", " ")))
            variants.add(unquote(decoded))  # twice-encoded text
        for variant in variants:
            if (
                self._own_domain_in(variant)
                or self._private_ipv4_in(variant)
                or (":" in variant and self._private_ipv6_in(variant))
            ):
                return True
            for secret in secrets:
                if len(secret) >= 3 and secret.lower() in variant:
                    return True
        return False

    def check_outgoing(self, payload: bytes) -> None:
        """Raise ``PrivacyLeak`` if the bytes about to be sent mention anything internal.

        With ``all`` the organisation chose to share internal values, so nothing is checked.
        """
        if self.share == "all":
            return
        text = payload.decode("utf-8", errors="replace")
        if self.mentions_internal(text):
            raise PrivacyLeak(
                "the report still names an internal address or an own domain; nothing was sent"
            )

    # Observables ---------------------------------------------------------------------

    def shareable(
        self, obj: Mapping[str, Any], secrets: Iterable[str] = ()
    ) -> dict[str, Any] | None:
        """The properties of a matched observable that may be shared, or None for none.

        Only the identifying properties of address, name, URL, mailbox, file and
        certificate observables are ever kept (values a CERT can act on); everything else
        a log record names (user accounts, connections with their endpoints, a file's
        name, a certificate's subject) stays home. With ``external`` an observable that
        mentions something internal, or one of the event's ``secrets``, is dropped whole.
        """
        if self.share == "none":
            return None
        shared = _identifying_part(obj)
        if shared is None or self.share == "all":
            return shared
        secrets = tuple(secrets)
        kind = shared["type"]
        for name, value in shared.items():
            if (
                name != "type"
                and isinstance(value, str)
                and self._internal_value(kind, value, secrets)
            ):
                return None
        return shared

    def _internal_value(self, kind: str, value: str, secrets: tuple[str, ...]) -> bool:
        if kind in ("ipv4-addr", "ipv6-addr"):
            try:  # an address value is judged as the address it is, not as text
                return self.is_private_address(ipaddress.ip_address(value))
            except ValueError:
                pass  # a CIDR or something odd: fall back to the textual test
        if self.mentions_internal(value, secrets):
            return True
        if kind == "domain-name":
            return self.is_internal_name(value)
        if kind == "url":
            return self._internal_url(value)
        if kind == "email-addr":
            return self.is_internal_name(value.rpartition("@")[2])
        return False

    def _internal_url(self, url: str) -> bool:
        """A URL with credentials in it, or whose host is internal, is not shared."""
        try:
            parts = urlsplit(url if "://" in url else "http://" + url)
            host = parts.hostname
            has_userinfo = "@" in parts.netloc
        except ValueError:
            return True
        if has_userinfo or not host:
            return True
        try:
            return self.is_private_address(ipaddress.ip_address(host))
        except ValueError:
            return self.is_internal_name(host)


def _identifying_part(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The identifying properties of a shareable observable type; None for other types."""
    kind = obj.get("type")
    keep = _SHAREABLE.get(kind) if isinstance(kind, str) else None
    if keep is None:
        return None
    shared: dict[str, Any] = {"type": kind}
    for name in keep:
        value = obj.get(name)
        if name == "hashes" and isinstance(value, Mapping):
            hashes = {str(k): v for k, v in value.items() if isinstance(v, str) and _HEX.match(v)}
            if hashes:
                shared["hashes"] = hashes
        elif name != "hashes" and isinstance(value, str) and value:
            shared[name] = value
    return shared if len(shared) > 1 else None


def event_secrets(objects: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The values of an event that name people: user accounts and mailbox display names.

    A shared observable (a URL's query, say) must not repeat them.
    """
    found: list[str] = []
    for obj in objects.values():
        names = _PERSONAL.get(str(obj.get("type")))
        if names is None:
            continue
        found.extend(v for n in names if isinstance(v := obj.get(n), str) and v)
    return tuple(found)


# Properties kept per observable type: the ones that identify it (STIX 2.1 section 6).
_SHAREABLE: dict[str, tuple[str, ...]] = {
    "ipv4-addr": ("value",),
    "ipv6-addr": ("value",),
    "domain-name": ("value",),
    "url": ("value",),
    "email-addr": ("value",),
    "file": ("hashes",),
    "x509-certificate": ("hashes", "serial_number"),
}
SHAREABLE_TYPES = frozenset(_SHAREABLE)
"""The observable types of which anything may ever be shared; ``shareable`` is None for the rest."""
_PERSONAL: dict[str, tuple[str, ...]] = {
    "user-account": ("account_login", "user_id", "display_name"),
    "email-addr": ("display_name",),
}
_HEX = re.compile(r"^[0-9a-fA-F]{8,128}$")
