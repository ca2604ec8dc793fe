"""Delivering the outbox to the hub: every waiting bundle, oldest first, exactly once stored.

A bundle leaves the outbox only when the hub's status lists every one of its objects as
stored. When the hub cannot be reached (no answer, 5xx, 429 after the client's retries) the
delivery stops and the bundles wait for the next run: nothing is lost. A bundle the hub
refused in part is set aside in ``refused/`` with its status, and reported; sending it again
would only be refused again. Credentials the hub refuses (401/403) and a collection it does
not know stop the run with the client's typed error; the bundle stays in the outbox.

Sending a bundle again after a crash between "stored" and "removed" is harmless: its
objects are versions the hub already holds (same id, same ``modified``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from stixhub.sensor._errors import HubUnreachable, SpoolError
from stixhub.sensor._spool import Pending, Spool

__all__ = ["Delivery", "ObjectOutcome", "Push", "Refusal", "deliver"]


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
    """Bundles still in the outbox."""
    unreachable: str | None = None
    """Why delivery stopped early (the hub could not be reached), or None."""

    @property
    def ok(self) -> bool:
        """Whether the outbox is empty and nothing was refused."""
        return not self.refused and not self.waiting


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


def deliver(
    spool: Spool,
    push: Push,
    *,
    on_bundle: Callable[[Pending, Sequence[ObjectOutcome]], None] | None = None,
) -> Delivery:
    """Push the outbox's bundles in order; see the module docstring for what stays."""
    delivery = Delivery()
    queue = spool.pending()
    for index, pending in enumerate(queue):
        try:
            document = orjson.loads(pending.read())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise SpoolError(f"cannot read {pending.path}: {exc}") from None
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
