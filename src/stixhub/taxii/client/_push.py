"""Preparing an Add Objects request (TAXII 2.1 section 5.4) and reading its outcome.

Input may be plain dicts, objects built with the ``stix2`` package, bundles, envelopes, or
any iterable of those. The objects are serialised once; envelopes are then cut so that each
serialised envelope fits the API root's ``max_content_length`` (measured in bytes of the
body actually sent). An object that alone is larger gets a failure of its own and is never
sent. Results are read back from the status per (id, version), then per id.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from stixhub.stix import InvalidJSON, NotADocument, loads_untrusted, split_document
from stixhub.taxii.client._errors import InvalidInput
from stixhub.taxii.client._models import ObjectResult, Outcome, Status, StatusDetail

__all__ = ["ENVELOPE_OVERHEAD", "PreparedPush", "object_results", "object_version", "prepare_push"]

_PREFIX = b'{"objects":['
_SUFFIX = b"]}"
ENVELOPE_OVERHEAD = len(_PREFIX) + len(_SUFFIX)
"""Bytes an envelope adds around its comma-separated objects."""


@dataclass(frozen=True, slots=True)
class PreparedPush:
    """The objects in input order, their serialised form, the envelopes to send (as lists of
    indexes) and the objects too large to send at all (index -> their size)."""

    objects: tuple[dict[str, Any], ...]
    envelopes: tuple[tuple[int, ...], ...]
    bodies: tuple[bytes, ...]
    too_large: dict[int, int]


def _to_plain(item: Any, where: str) -> Any:
    """A ``stix2`` object (anything with ``serialize()``) as plain JSON values."""
    serialize = getattr(item, "serialize", None)
    if callable(serialize) and not isinstance(item, dict):
        try:
            return loads_untrusted(serialize())
        except (InvalidJSON, TypeError) as exc:
            raise InvalidInput(f"{where}: cannot serialise the object: {exc}") from None
    return item


def _flatten(items: Any, where: str = "input") -> Iterator[tuple[str, Any]]:
    item = _to_plain(items, where)
    if isinstance(item, Mapping):
        if item.get("type") == "bundle" or ("objects" in item and "type" not in item):
            try:
                document = split_document(dict(item))
            except NotADocument as exc:
                raise InvalidInput(f"{where}: {exc}") from None
            for n, obj in enumerate(document.objects):
                yield f"{where}, object {n + 1}", _to_plain(obj, where)
        else:
            yield where, item
        return
    if isinstance(item, str | bytes) or not isinstance(item, Iterable):
        raise InvalidInput(
            f"{where}: expected a STIX object, a bundle, an envelope or an iterable of them, "
            f"not {type(item).__name__}"
        )
    for n, sub in enumerate(item):
        yield from _flatten(sub, f"item {n + 1}" if where == "input" else f"{where}.{n + 1}")


def _checked(where: str, obj: Any) -> dict[str, Any]:
    if not isinstance(obj, Mapping):
        raise InvalidInput(f"{where}: a STIX object must be a JSON object")
    if not isinstance(obj.get("id"), str) or not isinstance(obj.get("type"), str):
        raise InvalidInput(f"{where}: a STIX object needs a string 'type' and 'id'")
    return dict(obj)


def object_version(obj: Mapping[str, Any]) -> str | None:
    """The version a server reports for an object: ``modified``, else ``created``."""
    for name in ("modified", "created"):
        value = obj.get(name)
        if isinstance(value, str):
            return value
    return None


def prepare_push(items: Any, max_content_length: int) -> PreparedPush:
    """Flatten, serialise and cut the input into envelopes of at most the given size."""
    objects = [_checked(where, obj) for where, obj in _flatten(items)]
    if not objects:
        raise InvalidInput("nothing to add: the input holds no STIX objects")
    try:
        serialised = [orjson.dumps(obj) for obj in objects]
    except TypeError as exc:
        raise InvalidInput(f"an object cannot be written as JSON: {exc}") from None
    envelopes: list[tuple[int, ...]] = []
    bodies: list[bytes] = []
    too_large: dict[int, int] = {}
    batch: list[int] = []
    size = ENVELOPE_OVERHEAD

    def close() -> None:
        if batch:
            envelopes.append(tuple(batch))
            bodies.append(_PREFIX + b",".join(serialised[i] for i in batch) + _SUFFIX)

    for index, data in enumerate(serialised):
        if ENVELOPE_OVERHEAD + len(data) > max_content_length:
            too_large[index] = len(data)
            continue
        extra = len(data) + (1 if batch else 0)
        if size + extra > max_content_length:
            close()
            batch, size, extra = [], ENVELOPE_OVERHEAD, len(data)
        batch.append(index)
        size += extra
    close()
    return PreparedPush(tuple(objects), tuple(envelopes), tuple(bodies), too_large)


def _index(details: tuple[StatusDetail, ...] | None) -> dict[tuple[str, str | None], StatusDetail]:
    out: dict[tuple[str, str | None], StatusDetail] = {}
    for d in details or ():
        out.setdefault((d.id, d.version), d)
        out.setdefault((d.id, None), d)
    return out


def object_results(
    objects: Iterable[Mapping[str, Any]], status: Status | None
) -> list[ObjectResult]:
    """Each object's outcome from its envelope's status (None: the status never came).

    An object the status does not list is pending while the status is; once complete it is
    a success if the status counts no failure and no pending object, else unknown.
    """
    lists: tuple[tuple[Outcome, dict[tuple[str, str | None], StatusDetail]], ...] = (
        ("success", _index(status.successes if status else None)),
        ("failure", _index(status.failures if status else None)),
        ("pending", _index(status.pendings if status else None)),
    )
    results: list[ObjectResult] = []
    for obj in objects:
        oid, version = str(obj["id"]), object_version(obj)
        found: ObjectResult | None = None
        for key in ((oid, version), (oid, None)):
            for outcome, index in lists:
                detail = index.get(key)
                if detail is not None:
                    found = ObjectResult(oid, version, outcome, detail.message)
                    break
            if found is not None:
                break
        if found is None:
            if status is None or not status.complete:
                found = ObjectResult(oid, version, "pending", None)
            elif status.failure_count == 0 and status.pending_count == 0:
                found = ObjectResult(oid, version, "success", None)
            else:
                found = ObjectResult(
                    oid,
                    version,
                    "unknown",
                    f"status {status.id} counts {status.failure_count} failures but does not "
                    "say which objects failed",
                )
        results.append(found)
    return results
