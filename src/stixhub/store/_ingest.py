"""Adding objects to a collection: the one path shared by TAXII POST and ``stixhub load``.

Each object passes the door checks (what the store needs to index it) and then the STIX 2.1
validator, under the collection's policy: errors refuse an object; with ``strict`` custom
content is an error; with ``refuse_warnings`` any warning refuses it too; a sightings inbox
then applies its own rules (``_inbox``). Refusals are
reported per object and never stop the others (ARCHITECTURE: validate at the door, nothing
silently dropped). The objects that pass are stored atomically by the store.
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

from stixhub.stix import DoorFailure, PreparedObject, prepare_object
from stixhub.stix.validation import ERROR, Finding, ValidationOptions, Validator
from stixhub.store._inbox import inbox_refusals
from stixhub.store._interface import Store
from stixhub.store._model import AddOutcome, AddResult, Collection

__all__ = ["add_objects", "refusal_message"]

_MAX_FINDINGS_IN_MESSAGE = 5


@cache
def _validator(strict: bool) -> Validator:
    """Validators prepare their rules once; keep one per policy for the process."""
    return Validator(ValidationOptions(strict=strict))


def refusal_message(findings: Sequence[Finding]) -> str:
    """One line for a status detail: the first findings with their codes and paths."""
    shown = "; ".join(
        f"{f.code} at {f.path}: {f.message}" for f in findings[:_MAX_FINDINGS_IN_MESSAGE]
    )
    more = len(findings) - _MAX_FINDINGS_IN_MESSAGE
    return shown + (f" (and {more} more)" if more > 0 else "")


def _check(obj: Any, collection: Collection, accept_stix20: bool) -> PreparedObject:
    prepared = prepare_object(obj)
    if prepared.spec_version == "2.0":
        if accept_stix20:
            return prepared
        raise DoorFailure(
            "STIX 2.0 content is not accepted by this hub (spec_version 2.1 is required)",
            prepared.id,
            prepared.version,
        )
    findings = _validator(collection.strict).validate_object(obj)
    refused = [f for f in findings if f.severity == ERROR or collection.refuse_warnings]
    if refused:
        raise DoorFailure(refusal_message(refused), prepared.id, prepared.version)
    return prepared


def _through_inbox(
    store: Store,
    collection_id: str,
    results: list[AddResult | None],
    prepared: list[PreparedObject],
    passed: list[Any],
    account_id: int | None,
) -> list[PreparedObject]:
    """Record the inbox's refusals in ``results`` (open slots, in order); return what it takes."""
    refusals = iter(inbox_refusals(store, collection_id, passed, account_id))
    pending = iter(prepared)
    kept: list[PreparedObject] = []
    for index, result in enumerate(results):
        if result is None:
            p, refusal = next(pending), next(refusals)
            if refusal is None:
                kept.append(p)
            else:
                results[index] = AddResult(p.id, p.version, AddOutcome.FAILED, refusal)
    return kept


def add_objects(
    store: Store,
    collection: Collection,
    objects: Sequence[Any],
    *,
    accept_stix20: bool = False,
    origin: str | None = None,
    account_id: int | None = None,
) -> list[AddResult]:
    """Check and store the objects of one envelope; one result per object, in order.

    ``origin`` (a mirror's source collection URL) is recorded on each new version.
    ``account_id`` is the account of a TAXII POST, which a sightings inbox holds to its
    bound identity; None is an administrator's load (``stixhub load``).
    """
    results: list[AddResult | None] = []
    prepared: list[PreparedObject] = []
    passed: list[Any] = []
    for obj in objects:
        try:
            prepared.append(_check(obj, collection, accept_stix20))
            passed.append(obj)
            results.append(None)
        except DoorFailure as failure:
            results.append(
                AddResult(failure.object_id, failure.version, AddOutcome.FAILED, failure.message)
            )
    if collection.sightings_inbox and prepared:
        prepared = _through_inbox(store, collection.id, results, prepared, passed, account_id)
    stored = iter(store.add_objects(collection.id, prepared, origin) if prepared else [])
    return [r if r is not None else next(stored) for r in results]
