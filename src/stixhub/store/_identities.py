"""Binding a STIX identity to an account: the identity its sightings must name as creator.

The identity is checked like an object posted to a collection (the door, then the STIX 2.1
validator; any error refuses it), so what a sightings inbox later compares against is a
well-formed ``identity--<UUID>`` of spec_version 2.1.
"""

from typing import Any

from stixhub.stix import DoorFailure, prepare_object
from stixhub.stix.validation import ERROR, ValidationOptions, Validator
from stixhub.store._ingest import refusal_message
from stixhub.store._interface import Store
from stixhub.store._model import BoundIdentity

__all__ = ["bind_identity", "check_identity"]


def check_identity(obj: Any) -> BoundIdentity:
    """The identity to bind, from a parsed object; DoorFailure says why it cannot be one."""
    prepared = prepare_object(obj)
    if prepared.type != "identity":
        raise DoorFailure(
            f"an account is bound to an identity object, not to a {prepared.type}",
            prepared.id,
            prepared.version,
        )
    if prepared.spec_version != "2.1":
        raise DoorFailure("the identity must be a STIX 2.1 object", prepared.id, prepared.version)
    errors = [f for f in Validator(ValidationOptions()).validate_object(obj) if f.severity == ERROR]
    if errors:
        raise DoorFailure(refusal_message(errors), prepared.id, prepared.version)
    return BoundIdentity(prepared.id, prepared.body)


def bind_identity(store: Store, account_name: str, obj: Any) -> BoundIdentity:
    """Check an identity object and bind it to the account (replacing the one it had)."""
    identity = check_identity(obj)
    store.set_identity(account_name, identity)
    return identity
