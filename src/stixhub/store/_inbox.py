"""The sightings inbox at the door: what an organisation may report back to the hub.

An inbox (``Collection.sightings_inbox``) takes only what a sighting report needs: sighting,
observed-data, identity, marking-definition and cyber-observable objects. The rules, applied
after the STIX 2.1 validator and per object (a refusal never stops the others):

* A posting account must have an identity bound (``stixhub account identity``); without one
  it cannot post to an inbox at all.
* Sightings and observed-data name the account's identity as ``created_by_ref``. An identity
  object is the account's own one or is created by it (a sensor's identity, say). A
  marking-definition is one of the fixed TLP markings (the validator pins their content) or
  is created by the account's identity.
* Only an object's creator versions it (STIX 2.1 section 3.6): every version the hub holds of
  the posted id, in any collection, and an identity bound to an account, must have the
  posted ``created_by_ref``. Without this, a new version of another organisation's sighting
  would replace it in the summary. The refusal names neither the other creator nor where
  the id is held.
* Cyber-observables carry no creator, so none can own them: one that the inbox already holds
  under its id must come with the same content (the store then keeps it unchanged); other
  content would become the latest version of what another reporter's observed-data refers to.
* A sighting's ``sighting_of_ref`` is an object the hub publishes *to the poster*: stored in a
  collection that is not an inbox and that the account may read. An object the account may
  not read is refused with the same message as one that does not exist, so nobody learns
  of objects through the status.
* An administrator's load (``stixhub load``, no account) follows the same rules except the
  binding: any ``created_by_ref`` (but never a change of it between versions), a sighting
  still needs one (the summary counts organisations by it), and ``sighting_of_ref`` may be
  anything published in any collection.
"""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from stixhub.stix import SCO_TYPES
from stixhub.store._interface import Store
from stixhub.store._model import BoundIdentity, ObjectQuery, VersionFilter

__all__ = ["INBOX_TYPES", "inbox_refusals"]

INBOX_TYPES = frozenset({"sighting", "observed-data", "identity", "marking-definition"}) | SCO_TYPES
"""The object types a sightings inbox accepts."""

# The TLP 2.0 marking-definitions carry this extension (OASIS common objects); with the TLP
# 1.0 form (definition_type tlp) the validator accepts only the fixed objects.
_TLP2_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

_ACCEPTED = ", ".join(sorted({"sighting", "observed-data", "identity", "marking-definition"}))
NO_IDENTITY = (
    "this account has no STIX identity bound, so it cannot post to a sightings inbox "
    "(an administrator binds one: stixhub account identity NAME FILE)"
)


def _is_tlp(obj: Mapping[str, Any]) -> bool:
    extensions = obj.get("extensions")
    return obj.get("definition_type") == "tlp" or (
        isinstance(extensions, dict) and _TLP2_EXTENSION in extensions
    )


def _creator_refusal(obj: Mapping[str, Any], bound: BoundIdentity | None) -> str | None:
    """Why the object's creator is not acceptable; None when it is."""
    type_, creator = obj.get("type"), obj.get("created_by_ref")
    if bound is None:  # an administrator's load
        if type_ == "sighting" and creator is None:
            return "a sighting in a sightings inbox needs created_by_ref (the reporter)"
        return None
    if type_ in ("sighting", "observed-data"):
        if creator != bound.id:
            return f"created_by_ref must be {bound.id}, the identity bound to this account" + (
                "" if creator is None else f", not {creator}"
            )
    elif type_ == "identity":
        if obj.get("id") != bound.id and creator != bound.id:
            return (
                f"an identity posted here must be {bound.id}, the identity bound to this "
                "account, or be created by it"
            )
    elif type_ == "marking-definition" and not _is_tlp(obj) and creator != bound.id:
        return (
            "a marking-definition posted here must be a TLP marking or be created by "
            f"{bound.id}, the identity bound to this account"
        )
    return None


def _not_the_creator(object_id: object) -> str:
    return (
        f"{object_id} is held by this hub under another creator: only an object's creator "
        "may create versions of it, with the same created_by_ref (STIX 2.1 section 3.6)"
    )


def _held_observables(store: Store, collection_id: str, ids: set[str]) -> dict[str, list[Any]]:
    """Every version of these cyber-observables held in the inbox, parsed."""
    held: dict[str, list[Any]] = {}
    query = ObjectQuery(
        limit=1000, ids=tuple(sorted(ids)), versions=VersionFilter(all=True, last=False)
    )
    while True:
        page = store.get_objects(collection_id, query)
        for stored in page.records:
            held.setdefault(stored.id, []).append(orjson.loads(stored.body))
        if not page.more or not page.records:
            return held
        query = ObjectQuery(
            limit=query.limit,
            after=page.records[-1].date_added,
            ids=query.ids,
            versions=query.versions,
        )


def inbox_refusals(
    store: Store,
    collection_id: str,
    objects: Sequence[Mapping[str, Any]],
    account_id: int | None,
) -> list[str | None]:
    """For each object (valid STIX already), why the inbox refuses it, or None to accept.

    ``account_id`` is the posting account; None is an administrator's load. Four store
    queries per envelope at most: the bound identity, the published sighted objects, the
    creators of the posted ids and the inbox's versions of the posted cyber-observables.
    What an envelope accepts counts as held for its later objects, so one envelope cannot
    carry two creators of one id either.
    """
    bound = None
    if account_id is not None:
        bound = store.get_identity(account_id)
        if bound is None:
            return [NO_IDENTITY] * len(objects)
    sighted = {
        o["sighting_of_ref"]
        for o in objects
        if o.get("type") == "sighting" and isinstance(o.get("sighting_of_ref"), str)
    }
    published = store.published_objects(sighted, account_id) if sighted else set()
    observables = {str(o.get("id")) for o in objects if o.get("type") in SCO_TYPES}
    creatable = {
        str(o.get("id"))
        for o in objects
        if o.get("type") in INBOX_TYPES and o.get("type") not in SCO_TYPES
    }
    held = store.held_creators(creatable) if creatable else {}
    held_observables = _held_observables(store, collection_id, observables) if observables else {}
    refusals: list[str | None] = []
    for obj in objects:
        type_, object_id = obj.get("type"), str(obj.get("id"))
        refusal: str | None
        if type_ not in INBOX_TYPES:
            refusal = (
                f"a sightings inbox accepts only {_ACCEPTED} and cyber-observable objects, "
                f"not {type_}"
            )
        elif type_ in SCO_TYPES:
            versions = held_observables.get(object_id)
            refusal = None
            if versions is None:
                held_observables[object_id] = [obj]
            elif obj not in versions:
                refusal = (
                    f"{object_id} is already held in this inbox with other content: "
                    "cyber-observables have no creator, so a reporter cannot change one "
                    "another reported; post it with the same content"
                )
        else:
            refusal = _creator_refusal(obj, bound)
            creator = obj.get("created_by_ref")
            creators = held.get(object_id)
            if refusal is None and creators is not None and creators != {creator}:
                refusal = _not_the_creator(object_id)
            if (
                refusal is None
                and type_ == "sighting"
                and obj.get("sighting_of_ref") not in published
            ):
                where = "publishes" if bound is None else "publishes to this account"
                refusal = (
                    f"sighting_of_ref {obj.get('sighting_of_ref')} is not an object this hub "
                    f"{where} (an indicator or other object outside the sightings inboxes)"
                )
            if refusal is None:
                held[object_id] = {None if creator is None else str(creator)}
        refusals.append(refusal)
    return refusals
