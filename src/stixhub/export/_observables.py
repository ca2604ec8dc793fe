"""Atomic pattern entries as the values list-taking tools know: addresses, domains, hashes.

One table says which STIX object path is which kind of value (docs/exports.md has it with
the Zeek, Suricata and SIEM names). A CIDR value of ``ipv4-addr:value`` / ``ipv6-addr:value``
(with ``=`` or ``ISSUBSET``) is a *network*: STIX 2.1 sections 6.13-6.14 allow a CIDR block
as the value, and a producer writing ``= '198.51.100.0/24'`` means "an address in this
network" (Zeek ``Intel::SUBNET``), never the text "198.51.100.0/24".

Two networks are refused (counted, never widened): one wider than the floor
(``MIN_PREFIX4`` / ``MIN_PREFIX6`` by default, ``--min-prefix4`` / ``--min-prefix6``), since
``0.0.0.0/0`` from a feed would put every address on a block list; and one with host bits
set (``10.1.2.3/24``), since it is not known whether the producer meant the host or the
network, and reading it as the network would block 255 addresses it may never have named.
"""

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal, TypeAlias

from stixhub.stix.patterns import Entry

__all__ = [
    "KINDS",
    "MIN_PREFIX4",
    "MIN_PREFIX6",
    "Kind",
    "Observable",
    "classify",
    "hash_algorithm",
    "network_refusal",
]

# /8 is 16.7 million addresses, a whole legacy class A; /32 is the smallest IPv6 block a
# regional registry allocates to an ISP. A wider network is no one operator's.
MIN_PREFIX4 = 8
MIN_PREFIX6 = 32

Kind: TypeAlias = Literal[
    "ipv4",
    "ipv6",
    "ipv4-net",
    "ipv6-net",
    "domain",
    "url",
    "md5",
    "sha1",
    "sha256",
    "sha512",
    "file-name",
    "email",
    "user-name",
    "cert-sha1",
    "software",
]
KINDS: tuple[Kind, ...] = (
    "ipv4", "ipv6", "ipv4-net", "ipv6-net", "domain", "url", "md5", "sha1", "sha256",
    "sha512", "file-name", "email", "user-name", "cert-sha1", "software",
)  # fmt: skip

_HASHES: dict[str, Kind] = {
    "md5": "md5",
    "sha-1": "sha1",
    "sha1": "sha1",
    "sha-256": "sha256",
    "sha256": "sha256",
    "sha-512": "sha512",
    "sha512": "sha512",
}
_HEX_LENGTH = {"md5": 32, "sha1": 40, "cert-sha1": 40, "sha256": 64, "sha512": 128}
_HEX = re.compile(r"[0-9a-fA-F]+")
_SIMPLE: dict[str, Kind] = {
    "domain-name:value": "domain",
    "url:value": "url",
    "file:name": "file-name",
    "email-addr:value": "email",
    "user-account:account_login": "user-name",
    "software:name": "software",
}


@dataclass(frozen=True, slots=True)
class Observable:
    """One value of a known kind, taken from one entry of an indicator's pattern."""

    kind: Kind
    value: str
    object_type: str


def hash_algorithm(prop: str) -> str | None:
    """``hashes.'SHA-256'`` -> ``sha-256``; None when the path is no hashes key."""
    if not prop.startswith("hashes."):
        return None
    key = prop[len("hashes.") :]
    if len(key) >= 2 and key[0] == key[-1] == "'":
        key = key[1:-1].replace("\\'", "'").replace("\\\\", "\\")
    return key.lower()


def classify(  # noqa: PLR0911  one return per refusal
    entry: Entry, min_prefix4: int = MIN_PREFIX4, min_prefix6: int = MIN_PREFIX6
) -> Observable | str:
    """The observable an entry is, or the reason it is none a list can carry.

    Only positive ``=`` entries (IN items included) and ``ISSUBSET`` on addresses count;
    hashes must be hex of the algorithm's length and addresses must be addresses, so a list
    never carries a value the receiving tool would refuse or misread; networks must pass
    ``network_refusal``.
    """
    if entry.negated or entry.operator not in ("=", "ISSUBSET") or entry.indexed:
        return f"{entry.path} {entry.operator} cannot be listed"
    if not isinstance(entry.value, str):
        return f"{entry.path} value is not a string"
    value = entry.value
    if entry.object_type in ("ipv4-addr", "ipv6-addr") and entry.prop == "value":
        return _address(entry.object_type, value, min_prefix4, min_prefix6)
    if entry.operator != "=":
        return f"{entry.path} {entry.operator} cannot be listed"
    simple = _SIMPLE.get(entry.path)
    if simple is not None:
        return Observable(simple, value, entry.object_type)
    algorithm = hash_algorithm(entry.prop)
    kind: Kind | None = None
    if entry.object_type == "file" and algorithm is not None:
        kind = _HASHES.get(algorithm)
    elif entry.object_type == "x509-certificate" and algorithm in ("sha-1", "sha1"):
        kind = "cert-sha1"
    if kind is None:
        return f"no list kind for {entry.path}"
    if len(value) != _HEX_LENGTH[kind] or _HEX.fullmatch(value) is None:
        return f"{entry.path} value is not a {kind} hex digest"
    return Observable(kind, value.lower(), entry.object_type)


def network_refusal(
    value: str, min_prefix4: int = MIN_PREFIX4, min_prefix6: int = MIN_PREFIX6
) -> str | None:
    """Why a CIDR value must not be exported (too wide, host bits set), or None.

    A value that is no network at all is left to the caller's own check.
    """
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    floor = min_prefix4 if network.version == 4 else min_prefix6
    if network.prefixlen < floor:
        return f"network wider than /{floor} (IPv{network.version})"
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:  # it parsed without strict: only host bits can fail it
        return "network with host bits set"
    return None


def _address(object_type: str, value: str, min_prefix4: int, min_prefix6: int) -> Observable | str:
    """An address alone means the same with = and ISSUBSET (a /32 or /128 network)."""
    version = 4 if object_type == "ipv4-addr" else 6
    try:
        if "/" in value:
            network = ipaddress.ip_network(value, strict=False)
            if network.version != version:
                raise ValueError
            refusal = network_refusal(value, min_prefix4, min_prefix6)
            if refusal is not None:
                return f"{object_type}:value {value!r}: {refusal}"
            kind: Kind = "ipv4-net" if version == 4 else "ipv6-net"
            return Observable(kind, str(network), object_type)
        address = ipaddress.ip_address(value)
    except ValueError:
        return f"{object_type}:value {value!r} is not an IPv{version} address or network"
    if address.version != version:
        return f"{object_type}:value {value!r} is not an IPv{version} address or network"
    return Observable("ipv4" if version == 4 else "ipv6", str(address), object_type)
