"""Delivering the outbox to the hub: every waiting bundle, oldest first, exactly once stored.

A bundle leaves the outbox only when the hub's status lists every one of its objects as
stored. When the hub cannot be reached (no answer, 5xx, 429 after the client's retries) the
delivery stops and the bundles wait for the next run: nothing is lost. A bundle the hub
refused in part is set aside in ``refused/`` with its status, and reported; sending it again
would only be refused again. Credentials the hub refuses (401/403) and a collection it does
not know stop the run with the client's typed error; the bundle stays in the outbox.

Only bundles built for this run's destination (the same hub URL and collection, by its id
or, for a bundle spooled while the hub was down, by the alias or title it was given) are sent;
the others stay in the outbox for a run that names theirs, and are counted. Before a bundle
is sent, the privacy check runs again with this run's policy, and a bundle built to share
more than this run allows (``all`` when this run says ``external``) is not sent: a bundle
spooled for an internal hub under ``--share-observables all`` stays where it is. Those are
counted too, and the run says so.

Sending a bundle again after a crash between "stored" and "removed" is harmless: its
objects are versions the hub already holds (same id, same ``modified``).
"""

from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from stixhub.sensor._errors import HubUnreachable, PrivacyLeak, SpoolError
from stixhub.sensor._privacy import PrivacyPolicy
from stixhub.sensor._spool import Destination, Pending, Spool

__all__ = ["Delivery", "ObjectOutcome", "Push", "Refusal", "deliver", "for_destination"]


@dataclass(frozen=True, slots=True)
class ObjectOutcome:
    """What the hub's status says of one object pushed (TAXII 2.1 section 4.3.1)."""

    id: str
    version: str | None
    outcome: Literal["success", "failure", "pending", "unknown"]
    message: str | None = None


Push = Callable[[list[dict[str, Any]]], Sequence[ObjectOutcome]]
"""Sends objects to the hub's collection and returns each one's outcome once the status is
complete (or its wait ends); raises ``HubUnreachable`` when the hub cannot take them now.
The CLI makes one from the TAXII client: the sensor layer does not speak HTTP."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """One object of a bundle the hub did not store, and the hub's reason."""

    id: str
    version: str | None
    message: str


@dataclass(slots=True)
class Delivery:
    """What became of the outbox in one run."""

    delivered: list[str] = field(default_factory=list)
    """Bundle ids the hub stored whole."""
    objects: int = 0
    """Objects of the delivered bundles."""
    refused: dict[str, list[Refusal]] = field(default_factory=dict)
    """Bundle id -> the objects the hub refused; those bundles are in ``refused/``."""
    waiting: int = 0
    """Bundles for this destination still in the outbox (the hub could not take them)."""
    elsewhere: int = 0
    """Bundles in the outbox built for another hub or collection (or with no record)."""
    held: dict[str, str] = field(default_factory=dict)
    """Bundle id -> why this run's privacy policy does not let it go; it stays spooled."""
    unreachable: str | None = None
    """Why delivery stopped early (the hub could not be reached), or None."""

    @property
    def ok(self) -> bool:
        """Whether every bundle for this destination is stored and nothing was refused."""
        return not self.refused and not self.waiting and not self.held


def _refusals(results: Sequence[ObjectOutcome]) -> list[Refusal]:
    return [
        Refusal(r.id, r.version, r.message or r.outcome) for r in results if r.outcome != "success"
    ]


def _status_record(results: Sequence[ObjectOutcome]) -> dict[str, Any]:
    """The per-object outcomes, as kept next to a refused bundle."""
    return {
        "results": [
            {"id": r.id, "version": r.version, "outcome": r.outcome, "message": r.message}
            for r in results
        ],
    }


def for_destination(
    spool: Spool, destination: Destination, names: AbstractSet[str] = frozenset()
) -> tuple[list[Pending], int]:
    """The outbox's bundles built for ``destination`` (oldest first) and how many are not;
    ``names`` are the other names of its collection (see ``Destination.same_place``)."""
    queue = spool.pending()
    mine = [
        p
        for p in queue
        if p.destination is not None and p.destination.same_place(destination, names)
    ]
    return mine, len(queue) - len(mine)


def _hold_reason(pending: Pending, payload: bytes, policy: PrivacyPolicy) -> str | None:
    """Why this run's policy keeps a bundle back, or None when it may go."""
    assert pending.destination is not None
    if not pending.destination.shares_no_more_than(policy.share):
        return (
            f"built with --share-observables {pending.destination.share}, "
            f"this run allows {policy.share}"
        )
    try:
        policy.check_outgoing(payload)
    except PrivacyLeak:
        return "it names something this run's privacy policy treats as internal"
    return None


def deliver(
    spool: Spool,
    push: Push,
    destination: Destination,
    policy: PrivacyPolicy,
    *,
    names: AbstractSet[str] = frozenset(),
    on_bundle: Callable[[Pending, Sequence[ObjectOutcome]], None] | None = None,
) -> Delivery:
    """Push the outbox's bundles for ``destination`` (or for ``names``, its collection's
    other names) in order, each checked again with ``policy``; see the module docstring for
    what stays."""
    queue, elsewhere = for_destination(spool, destination, names)
    delivery = Delivery(elsewhere=elsewhere)
    for index, pending in enumerate(queue):
        try:
            payload = pending.read()
            document = orjson.loads(payload)
        except (OSError, orjson.JSONDecodeError) as exc:
            raise SpoolError(f"cannot read {pending.path}: {exc}") from None
        reason = _hold_reason(pending, payload, policy)
        if reason is not None:
            delivery.held[pending.bundle_id] = reason
            continue
        objects = document.get("objects", []) if isinstance(document, dict) else []
        try:
            results = push(objects)
        except HubUnreachable as exc:
            delivery.unreachable = str(exc)
            delivery.waiting = len(queue) - index
            return delivery
        if on_bundle is not None:
            on_bundle(pending, results)
        outcomes = {r.outcome for r in results}
        stored = {r.id for r in results if r.outcome == "success"}
        if outcomes <= {"success"} and all(o.get("id") in stored for o in objects):
            spool.delivered(pending)
            delivery.delivered.append(pending.bundle_id)
            delivery.objects += len(results)
        elif "failure" in outcomes and not outcomes & {"pending", "unknown"}:
            spool.set_aside(pending, _status_record(results))
            delivery.refused[pending.bundle_id] = _refusals(results)
        else:
            # The hub has not finished with it: keep it, and keep the order.
            delivery.unreachable = "the hub did not finish storing a bundle in time"
            delivery.waiting = len(queue) - index
            return delivery
    return delivery
