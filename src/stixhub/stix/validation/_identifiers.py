"""Deterministic identifiers of cyber-observable objects (STIX 2.1 sections 2.9 and 3.4).

An SCO id SHOULD be the UUIDv5, in the STIX namespace, of the JCS (RFC 8785) serialisation
of the type's ID contributing properties. Recomputing it lets a consumer notice a producer
that mints ids differently, which breaks de-duplication across sources.
"""

import uuid
from typing import Any

import orjson

__all__ = ["SCO_NAMESPACE", "deterministic_uuid"]

SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
# Sections 6.1, 6.7, 6.18: when hashes contribute, exactly one is used, in this order.
_HASH_ORDER = ("MD5", "SHA-1", "SHA-256", "SHA-512")


def _one_hash(hashes: Any) -> Any:
    if not isinstance(hashes, dict):
        return hashes
    for name in _HASH_ORDER:
        if name in hashes:
            return {name: hashes[name]}
    for name, value in hashes.items():
        return {name: value}
    return hashes


def _jcs_numbers(value: Any) -> Any:
    """JCS writes numbers as ECMAScript does: an integral float has no ``.0``."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _jcs_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jcs_numbers(v) for v in value]
    return value


def deterministic_uuid(obj: dict[str, Any], contributing: tuple[str, ...]) -> str | None:
    """The UUIDv5 the object's contributing properties give, or None when it has none."""
    name: dict[str, Any] = {}
    for prop in contributing:
        if prop in obj:
            value = obj[prop]
            name[prop] = _one_hash(value) if prop == "hashes" else value
    if not name:
        return None
    try:
        text = orjson.dumps(_jcs_numbers(name), option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        # An integer beyond 64 bits: no JSON number, so no id to compare; the property
        # checks report the value itself.
        return None
    return str(uuid.uuid5(SCO_NAMESPACE, text))
