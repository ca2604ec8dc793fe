"""Adding objects to a collection: the one path shared by TAXII POST and ``stixhub load``.

Each object passes the door checks; failures are reported per object and never stop the
others (ARCHITECTURE: validate at the door, nothing silently dropped). The objects that pass
are stored atomically by the store.
"""

from collections.abc import Sequence
from typing import Any

from stixhub.stix import DoorFailure, PreparedObject, prepare_object
from stixhub.store._interface import Store
from stixhub.store._model import AddOutcome, AddResult

__all__ = ["add_objects"]


def add_objects(store: Store, collection_id: str, objects: Sequence[Any]) -> list[AddResult]:
    """Check and store the objects of one envelope; one result per object, in order."""
    results: list[AddResult | None] = []
    prepared: list[PreparedObject] = []
    for obj in objects:
        try:
            prepared.append(prepare_object(obj))
            results.append(None)
        except DoorFailure as failure:
            results.append(
                AddResult(failure.object_id, failure.version, AddOutcome.FAILED, failure.message)
            )
    stored = iter(store.add_objects(collection_id, prepared) if prepared else [])
    return [r if r is not None else next(stored) for r in results]
