"""The sightings inbox at the door: what an organisation may report back to the hub.

An inbox (``Collection.sightings_inbox``) takes only what a sighting report needs: sighting,
observed-data, identity, marking-definition and cyber-observable objects. The rules, applied
after the STIX 2.1 validator and per object (a refusal never stops the others):

* A posting account must have an identity bound (``stixhub account identity``); without one
  it cannot post to an inbox at all.
* Sightings and observed-data name the account's identity as ``created_by_ref``. An identity
  object is the account's own one or is created by it (a sensor's identity, say). A
  marking-definition is one of the fixed TLP markings (the validator pins their content) or
  is created by the account's identity. Cyber-observables carry no creator.
* A sighting's ``sighting_of_ref`` is an object the hub publishes *to the poster*: stored in a
  collection that is not an inbox and that the account may read. An object the account may
  not read is refused with the same message as one that does not exist, so nobody learns
  of objects through the status.
* An administrator's load (``stixhub load``, no account) follows the same rules except the
  binding: any ``created_by_ref``, but a sighting still needs one (the summary counts
  organisations by it), and ``sighting_of_ref`` may be anything published in any collection.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from stixhub.stix import SCO_TYPES
from stixhub.store._interface import Store
from stixhub.store._model import BoundIdentity

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


def inbox_refusals(
    store: Store, objects: Sequence[Mapping[str, Any]], account_id: int | None
) -> list[str | None]:
    """For each object (valid STIX already), why the inbox refuses it, or None to accept.

    ``account_id`` is the posting account; None is an administrator's load. Two store
    queries per envelope at most: the bound identity and the published sighted objects.
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
    refusals: list[str | None] = []
    for obj in objects:
        type_ = obj.get("type")
        if type_ not in INBOX_TYPES:
            refusals.append(
                f"a sightings inbox accepts only {_ACCEPTED} and cyber-observable objects, "
                f"not {type_}"
            )
            continue
        refusal = _creator_refusal(obj, bound)
        if refusal is None and type_ == "sighting" and obj.get("sighting_of_ref") not in published:
            where = "publishes" if bound is None else "publishes to this account"
            refusal = (
                f"sighting_of_ref {obj.get('sighting_of_ref')} is not an object this hub "
                f"{where} (an indicator or other object outside the sightings inboxes)"
            )
        refusals.append(refusal)
    return refusals
