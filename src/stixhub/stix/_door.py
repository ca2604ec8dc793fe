"""The minimal checks every object passes before a hub stores it.

This is not the full STIX validator: it is the part a store needs to index an object and to
answer TAXII filters on it (type, id, spec_version, version). An object that fails is refused
with a message that says why; the caller reports it and carries on with the other objects.
"""

import re
from dataclasses import dataclass
from typing import Any

import orjson

from stixhub.stix._errors import InvalidTimestamp, StixError
from stixhub.stix._timestamps import parse_stix_timestamp_key

__all__ = ["SCO_TYPES", "DoorFailure", "PreparedObject", "prepare_object"]

# STIX 2.1 section 2.7 (type names): 3 to 250 characters of a-z, 0-9 and hyphen.
_TYPE = re.compile(r"[a-z0-9][a-z0-9-]{1,248}[a-z0-9]")
# RFC 4122 UUID in its canonical text form; STIX 2.1 section 2.9.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID = re.compile(rf"([a-z0-9-]+)--({_UUID})")

# STIX 2.1 section 6: the cyber-observable object types. They did not exist as top-level
# objects in STIX 2.0, so one without spec_version is a 2.1 object (section 3.1).
SCO_TYPES = frozenset(
    {
        "artifact", "autonomous-system", "directory", "domain-name", "email-addr",
        "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
        "network-traffic", "process", "software", "url", "user-account",
        "windows-registry-key", "x509-certificate",
    }
)  # fmt: skip
SPEC_VERSIONS = frozenset({"2.0", "2.1"})


@dataclass(frozen=True, slots=True)
class PreparedObject:
    """An object that passed the door, with the columns a store indexes it by.

    ``version`` is the STIX timestamp exactly as written (``modified``, else ``created``), or
    None for an object that has neither (most SCOs); ``version_key`` is its comparison key.
    ``body`` is the canonical JSON the hub stores and serves without parsing it again.
    """

    id: str
    type: str
    spec_version: str
    version: str | None
    version_key: str | None
    body: bytes


class DoorFailure(StixError):
    """Raised when an object cannot be stored; carries what a TAXII status detail needs."""

    def __init__(self, message: str, object_id: str | None, version: str | None) -> None:
        super().__init__(message)
        self.message = message
        self.object_id = object_id
        self.version = version


def _timestamp_key(
    obj: dict[str, Any], name: str, object_id: str, version: str | None
) -> str | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DoorFailure(f"{name} must be a string timestamp", object_id, version)
    try:
        return parse_stix_timestamp_key(value)
    except InvalidTimestamp as exc:
        raise DoorFailure(f"{name}: {exc}", object_id, version) from None


def prepare_object(obj: Any) -> PreparedObject:
    """Check one object from an envelope or bundle and prepare it for storage.

    Raises DoorFailure naming the object (when its id is readable) and the broken rule.
    """
    if not isinstance(obj, dict):
        raise DoorFailure("an object in an envelope must be a JSON object", None, None)
    raw_id = obj.get("id")
    object_id = raw_id if isinstance(raw_id, str) else None
    # A null is the same as an absent property here; the validator reports it as an error.
    # Read first, so that every refusal can name the version (TAXII 4.3.1 status details).
    raw_version = obj.get("modified") if obj.get("modified") is not None else obj.get("created")
    version = raw_version if isinstance(raw_version, str) else None
    type_ = obj.get("type")
    if not isinstance(type_, str) or _TYPE.fullmatch(type_) is None:
        raise DoorFailure(
            "type must be 3 to 250 characters of a-z, 0-9 and '-', "
            "starting and ending with a letter or digit",
            object_id,
            version,
        )
    if type_ == "bundle":
        raise DoorFailure(
            "a bundle cannot be stored as an object of a collection", object_id, version
        )
    if object_id is None:
        raise DoorFailure("id is required and must be a string", None, version)
    m = _ID.fullmatch(object_id)
    if m is None:
        raise DoorFailure(f"id {object_id!r} is not of the form <type>--<UUID>", object_id, version)
    if m.group(1) != type_:
        raise DoorFailure(
            f"id prefix {m.group(1)!r} does not match type {type_!r}", object_id, version
        )
    created = _timestamp_key(obj, "created", object_id, version)
    modified = _timestamp_key(obj, "modified", object_id, version)
    if created is not None and modified is not None and modified < created:
        raise DoorFailure(
            f"modified {obj['modified']} is earlier than created {obj['created']}",
            object_id,
            version,
        )
    spec_version = obj.get("spec_version")
    if spec_version is None and type_ in SCO_TYPES:
        # STIX 2.1 section 3.1: an SCO without spec_version is 2.1. Written out, so that
        # consumers that sniff the version (the OpenCTI connector) read it; the meaning is
        # unchanged.
        spec_version = "2.1"
        obj = {**obj, "spec_version": spec_version}
    elif spec_version is None:
        spec_version = "2.0"
    elif not isinstance(spec_version, str) or spec_version not in SPEC_VERSIONS:
        raise DoorFailure(
            f"spec_version {spec_version!r} is not supported (2.0 or 2.1)", object_id, version
        )
    try:
        body = orjson.dumps(obj)
    except orjson.JSONEncodeError as exc:
        raise DoorFailure(f"cannot be stored as JSON: {exc}", object_id, version) from None
    return PreparedObject(
        id=object_id,
        type=type_,
        spec_version=spec_version,
        version=version,
        version_key=modified if modified is not None else created,
        body=body,
    )
