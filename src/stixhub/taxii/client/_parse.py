"""Reading TAXII 2.1 responses into the client's resources, checking only what the client
relies on (the spec's required properties and their types), and tolerating what real
servers are known to do: ``application/json`` as the media type, ``http_status`` as a
number, status resources without per-object lists.
"""

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import httpx

from stixhub.stix import InvalidJSON, loads_untrusted
from stixhub.taxii.client._errors import ErrorResource, InvalidResponse
from stixhub.taxii.client._json import loads_response
from stixhub.taxii.client._models import (
    ApiRoot,
    Collection,
    Discovery,
    ManifestRecord,
    Status,
    StatusDetail,
)

__all__ = [
    "JSON_MEDIA_TYPES",
    "error_resource",
    "is_api_root",
    "json_body",
    "parse_api_root",
    "parse_collection",
    "parse_collections",
    "parse_discovery",
    "parse_manifest_record",
    "parse_status",
]

JSON_MEDIA_TYPES = frozenset(
    {"application/taxii+json", "application/json", "application/stix+json"}
)
"""Response media types read as TAXII JSON; a ``version`` parameter, if any, must be 2.1."""

# Envelopes wrap STIX objects two levels deep; 64 leaves the objects the depth the server
# had to accept from their producers.
_MAX_DEPTH = 66


def _media_type_ok(content_type: str | None) -> bool:
    if content_type is None:
        return False
    essence, *params = content_type.split(";")
    if essence.strip().lower() not in JSON_MEDIA_TYPES:
        return False
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "version" and value.strip().strip('"') != "2.1":
            return False
    return True


def json_body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object of a successful answer, or ``InvalidResponse``."""
    where = f"{response.request.method} {response.request.url}"
    content_type = response.headers.get("content-type")
    if not _media_type_ok(content_type):
        raise InvalidResponse(
            f"{where}: the answer is {content_type or 'without a media type'}, not TAXII 2.1 JSON"
        )
    try:
        value = loads_response(response.content, _MAX_DEPTH)
    except InvalidJSON as exc:
        raise InvalidResponse(f"{where}: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidResponse(f"{where}: the answer is JSON but not a JSON object")
    return value


def _opt_str(body: Mapping[str, Any], name: str, where: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidResponse(f"{where}: '{name}' must be a string")
    return value


def _req_str(body: Mapping[str, Any], name: str, where: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise InvalidResponse(f"{where}: '{name}' is missing or not a string")
    return value


def _str_list(body: Mapping[str, Any], name: str, where: str) -> tuple[str, ...]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidResponse(f"{where}: '{name}' must be a list of strings")
    return tuple(value)


def _count(body: Mapping[str, Any], name: str, where: str, default: int | None = None) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidResponse(f"{where}: '{name}' must be a non-negative integer")
    return value


def is_api_root(body: Mapping[str, Any]) -> bool:
    """Whether a resource read from a configured URL is an API root rather than discovery."""
    return "api_roots" not in body and ("versions" in body or "max_content_length" in body)


def parse_discovery(body: Mapping[str, Any], url: str) -> Discovery:
    """Section 4.1.1. API roots may be listed relative to the discovery URL."""
    where = "discovery"
    roots = tuple(_ensure_slash(urljoin(url, r)) for r in _str_list(body, "api_roots", where))
    default = _opt_str(body, "default", where)
    return Discovery(
        title=_req_str(body, "title", where),
        description=_opt_str(body, "description", where),
        contact=_opt_str(body, "contact", where),
        default=_ensure_slash(urljoin(url, default)) if default else None,
        api_roots=roots,
    )


def _ensure_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def parse_api_root(body: Mapping[str, Any], url: str) -> ApiRoot:
    """Section 4.2.1."""
    where = f"API root {url}"
    max_len = _count(body, "max_content_length", where)
    if max_len == 0:
        raise InvalidResponse(f"{where}: 'max_content_length' must be positive")
    return ApiRoot(
        url=url,
        title=_req_str(body, "title", where),
        description=_opt_str(body, "description", where),
        versions=_str_list(body, "versions", where),
        max_content_length=max_len,
    )


def parse_collection(body: Any) -> Collection:
    """Section 5.2.1."""
    if not isinstance(body, dict):
        raise InvalidResponse("a collection must be a JSON object")
    where = f"collection {body.get('id')!r}"
    can_read, can_write = body.get("can_read"), body.get("can_write")
    if not isinstance(can_read, bool) or not isinstance(can_write, bool):
        raise InvalidResponse(f"{where}: 'can_read' and 'can_write' must be booleans")
    return Collection(
        id=_req_str(body, "id", where),
        title=_req_str(body, "title", where),
        description=_opt_str(body, "description", where),
        alias=_opt_str(body, "alias", where),
        can_read=can_read,
        can_write=can_write,
        media_types=_str_list(body, "media_types", where),
    )


def parse_collections(body: Mapping[str, Any]) -> list[Collection]:
    """Section 5.1.1: an empty resource (no ``collections``) means none."""
    items = body.get("collections", [])
    if not isinstance(items, list):
        raise InvalidResponse("collections: 'collections' must be a list")
    return [parse_collection(c) for c in items]


def parse_manifest_record(item: Any) -> ManifestRecord:
    """Section 5.3.1, one entry."""
    if not isinstance(item, dict):
        raise InvalidResponse("a manifest record must be a JSON object")
    where = "manifest record"
    return ManifestRecord(
        id=_req_str(item, "id", where),
        date_added=_req_str(item, "date_added", where),
        version=_req_str(item, "version", where),
        media_type=_opt_str(item, "media_type", where),
    )


def _details(body: Mapping[str, Any], name: str) -> tuple[StatusDetail, ...] | None:
    items = body.get(name)
    if items is None:
        return None
    if not isinstance(items, list):
        raise InvalidResponse(f"status: '{name}' must be a list")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise InvalidResponse(f"status: an entry of '{name}' is not a JSON object")
        where = f"status {name}"
        out.append(
            StatusDetail(
                id=_req_str(item, "id", where),
                version=_opt_str(item, "version", where),
                message=_opt_str(item, "message", where),
            )
        )
    return tuple(out)


def parse_status(body: Mapping[str, Any]) -> Status:
    """Section 4.3.1. Missing counts are taken from the lists where the server sent them."""
    where = "status"
    successes, failures, pendings = (
        _details(body, n) for n in ("successes", "failures", "pendings")
    )
    success_count = _count(body, "success_count", where, len(successes or ()))
    failure_count = _count(body, "failure_count", where, len(failures or ()))
    pending_count = _count(body, "pending_count", where, len(pendings or ()))
    total = _count(body, "total_count", where, success_count + failure_count + pending_count)
    state = _req_str(body, "status", where)
    if state not in ("pending", "complete"):
        raise InvalidResponse(f"status: 'status' is {state!r}, not pending or complete")
    return Status(
        id=_req_str(body, "id", where),
        status=state,
        request_timestamp=_opt_str(body, "request_timestamp", where),
        total_count=total,
        success_count=success_count,
        failure_count=failure_count,
        pending_count=pending_count,
        successes=successes,
        failures=failures,
        pendings=pendings,
    )


def error_resource(response: httpx.Response) -> ErrorResource | None:
    """The TAXII error resource of an error answer, if its body is one (section 3.6.1)."""
    try:
        value = loads_untrusted(response.content, max_depth=16)
    except InvalidJSON:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("title"), str):
        return None

    def text(name: str) -> str | None:
        item = value.get(name)
        if isinstance(item, bool) or item is None:
            return None
        return str(item) if isinstance(item, str | int | float) else None

    details = value.get("details")
    return ErrorResource(
        title=value["title"],
        description=text("description"),
        error_id=text("error_id"),
        error_code=text("error_code"),
        http_status=text("http_status"),
        external_details=text("external_details"),
        details=details if isinstance(details, dict) else {},
    )
