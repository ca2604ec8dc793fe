"""The TAXII 2.1 resources as the client returns them (sections 4 and 5), and the filters a
caller can put on a request.

Resources are frozen dataclasses with the spec's property names; what the spec leaves
optional is None when the server left it out. STIX objects stay plain dicts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from stixhub.taxii.client._paging import PageCursor

__all__ = [
    "ApiRoot",
    "Collection",
    "Discovery",
    "ManifestRecord",
    "ObjectResult",
    "Outcome",
    "Page",
    "PushResult",
    "Query",
    "Status",
    "StatusDetail",
]

T = TypeVar("T")

Outcome = Literal["success", "failure", "pending", "unknown"]
"""What became of one pushed object. ``unknown``: the status is complete but the server
listed no per-object results that name it (TAXII lets it leave the lists out)."""


@dataclass(frozen=True, slots=True)
class Query:
    """Filters of a Get Objects, Get Object Manifests, Get Object or Get Object Versions
    request (section 3.4): ``added_after``, ``limit`` and the ``match[...]`` fields.

    Each ``match`` sequence becomes one comma-separated parameter; empty means "no filter".
    """

    added_after: str | None = None
    limit: int | None = None
    types: Sequence[str] = ()
    ids: Sequence[str] = ()
    versions: Sequence[str] = ()
    spec_versions: Sequence[str] = ()

    def params(self) -> dict[str, str]:
        """The query parameters, in a stable order."""
        out: dict[str, str] = {}
        if self.added_after is not None:
            out["added_after"] = self.added_after
        if self.limit is not None:
            out["limit"] = str(self.limit)
        for name, values in (
            ("type", self.types),
            ("id", self.ids),
            ("version", self.versions),
            ("spec_version", self.spec_versions),
        ):
            if values:
                out[f"match[{name}]"] = ",".join(values)
        return out


@dataclass(frozen=True, slots=True)
class Discovery:
    """The discovery resource (section 4.1.1); ``api_roots`` are absolute URLs."""

    title: str
    description: str | None
    contact: str | None
    default: str | None
    api_roots: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ApiRoot:
    """The API root resource (section 4.2.1), with the URL it was read from."""

    url: str
    title: str
    description: str | None
    versions: tuple[str, ...]
    max_content_length: int


@dataclass(frozen=True, slots=True)
class Collection:
    """The collection resource (section 5.2.1)."""

    id: str
    title: str
    description: str | None
    alias: str | None
    can_read: bool
    can_write: bool
    media_types: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    """One entry of a manifest (section 5.3.1)."""

    id: str
    date_added: str
    version: str
    media_type: str | None


@dataclass(frozen=True, slots=True)
class StatusDetail:
    """One entry of a status's ``successes``, ``failures`` or ``pendings`` (section 4.3.1)."""

    id: str
    version: str | None
    message: str | None


@dataclass(frozen=True, slots=True)
class Status:
    """The status resource (section 4.3.1). The lists are None when the server left them
    out (they are optional), which is not the same as empty."""

    id: str
    status: str
    request_timestamp: str | None
    total_count: int
    success_count: int
    failure_count: int
    pending_count: int
    successes: tuple[StatusDetail, ...] | None = None
    failures: tuple[StatusDetail, ...] | None = None
    pendings: tuple[StatusDetail, ...] | None = None

    @property
    def complete(self) -> bool:
        """Whether the server has finished with the request."""
        return self.status == "complete"


@dataclass(frozen=True, slots=True)
class ObjectResult:
    """What became of one object given to ``add_objects``; ``message`` says why for a
    failure (from the server, or from the client when it never sent the object)."""

    id: str
    version: str | None
    outcome: Outcome
    message: str | None = None


@dataclass(frozen=True, slots=True)
class PushResult:
    """Every object's outcome, in input order, and the statuses of the envelopes sent."""

    results: tuple[ObjectResult, ...]
    statuses: tuple[Status, ...]

    def _count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def success_count(self) -> int:
        """Objects the server stored."""
        return self._count("success")

    @property
    def failure_count(self) -> int:
        """Objects refused by the server or never sent (too large)."""
        return self._count("failure")

    @property
    def pending_count(self) -> int:
        """Objects still pending when the wait for the status ended."""
        return self._count("pending")

    @property
    def unknown_count(self) -> int:
        """Objects of a complete status that did not list them."""
        return self._count("unknown")

    @property
    def ok(self) -> bool:
        """Whether every object was stored."""
        return all(r.outcome == "success" for r in self.results)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a paged endpoint and the position after it.

    ``items`` are STIX objects (Get Objects, Get Object), manifest records, or version
    strings (Get Object Versions), already cleared of anything delivered before under the
    same cursor. ``cursor`` resumes right after this page (see docs/client.md).
    """

    items: tuple[T, ...]
    more: bool
    next: str | None
    date_added_first: str | None
    date_added_last: str | None
    cursor: PageCursor
