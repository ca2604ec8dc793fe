"""The records the Store hands out and takes in, named as TAXII 2.1 names them.

Times are integers: microseconds since the Unix epoch, UTC (see stixhub.stix timestamps).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, TypeVar

__all__ = [
    "Account",
    "AccountSummary",
    "AddOutcome",
    "AddResult",
    "ApiRoot",
    "BoundIdentity",
    "Clock",
    "Collection",
    "IndicatorText",
    "ManifestRecord",
    "ObjectQuery",
    "Page",
    "Rights",
    "SightingFacts",
    "SightingSummary",
    "StatusRecord",
    "StoredObject",
    "TokenRecord",
    "VersionFilter",
]

T = TypeVar("T")

Clock = Callable[[], int]
"""Returns the current time in microseconds since the epoch; tests replace it."""


@dataclass(frozen=True, slots=True)
class ApiRoot:
    """A TAXII API root (section 4.2): a named group of collections under one URL segment."""

    name: str
    title: str
    description: str | None
    max_content_length: int


@dataclass(frozen=True, slots=True)
class Collection:
    """A TAXII collection (section 5.2) with the hub's own access settings."""

    id: str
    api_root: str
    title: str
    description: str | None
    alias: str | None
    media_types: tuple[str, ...]
    public_read: bool
    strict: bool = False
    refuse_warnings: bool = False
    # Accepts only what a sighting report needs (docs/sightings.md).
    sightings_inbox: bool = False


@dataclass(frozen=True, slots=True)
class Account:
    """A user or machine account; ``password_hash`` is None for token-only accounts."""

    id: int
    name: str
    password_hash: str | None


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """What an operator reviewing accounts needs to see, without any secret."""

    name: str
    has_password: bool
    tokens: int
    identity_ref: str | None
    grants: int
    created: int


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as an operator may see it: never the token, nor its whole hash.

    ``id`` is the first ``TOKEN_ID_LENGTH`` hex digits of the keyed hash: enough to tell an
    account's tokens apart and name one to revoke, too short to look a token up by.
    """

    id: str
    account: str
    label: str | None
    created: int


class BoundIdentity(NamedTuple):
    """The STIX identity bound to an account: what its sightings must name as creator."""

    id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Rights:
    """What an account may do in one collection."""

    can_read: bool = False
    can_write: bool = False


@dataclass(frozen=True, slots=True)
class VersionFilter:
    """``match[version]`` (TAXII 2.1 section 3.4.1): any mix of first, last and exact versions.

    ``timestamps`` holds version keys (see ``parse_stix_timestamp_key``); ``all`` excludes the
    rest. The default, as the spec says, is ``last``.
    """

    all: bool = False
    first: bool = False
    last: bool = True
    timestamps: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ObjectQuery:
    """The filters of a GET on objects, manifest, an object or its versions (section 3.4).

    ``spec_versions`` empty means "only the newest spec_version held for each object".
    ``after`` is the keyset position: only records with a larger ``date_added``.
    """

    limit: int
    after: int | None = None
    ids: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    versions: VersionFilter = field(default_factory=VersionFilter)
    spec_versions: tuple[str, ...] = ()


class ManifestRecord(NamedTuple):
    """One stored version of one object, without its content (section 5.3.1).

    Page records are tuples rather than frozen dataclasses: a page builds a thousand of
    them per request, and a frozen dataclass's ``__init__`` cost a sixth of a page's
    server time (py-spy, docs/benchmarks.md).
    """

    id: str
    date_added: int
    version: str
    spec_version: str
    media_type: str


class StoredObject(NamedTuple):
    """One stored version of one object, with the canonical JSON bytes as stored."""

    id: str
    date_added: int
    version: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a query in ``date_added`` order; ``more`` says records were held back."""

    records: list[T]
    more: bool


class AddOutcome:
    """What happened to one object of an envelope. A string enum kept as plain constants."""

    STORED = "stored"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class AddResult:
    """The outcome for one object of an envelope, in the envelope's order."""

    id: str | None
    version: str | None
    outcome: str
    message: str | None = None


@dataclass(frozen=True, slots=True)
class StatusRecord:
    """A TAXII status resource (section 4.3.1) as the store keeps it, as JSON bytes."""

    id: str
    api_root: str
    account_id: int | None
    created: int
    body: bytes


class SightingFacts(NamedTuple):
    """What the sightings summary reads of one stored sighting version; absent is None."""

    id: str
    version_key: str
    sighting_of_ref: str | None
    created_by_ref: str | None
    seen_count: int | None
    first_seen: str | None
    last_seen: str | None
    created: str | None
    modified: str | None


class IndicatorText(NamedTuple):
    """What a person reads to know an indicator by: its ``name`` and ``pattern`` (None when
    the stored version has none)."""

    name: str | None
    pattern: str | None


@dataclass(frozen=True, slots=True)
class SightingSummary:
    """What the inboxes say of one sighted object (usually an indicator).

    ``organisations`` counts distinct ``created_by_ref``; ``count`` sums the sightings'
    ``count`` (1 when absent); ``first_seen``/``last_seen`` are written as the reporters wrote
    them (``created``/``modified`` stand in when absent). ``name`` and ``pattern`` are the
    sighted indicator's, when the hub publishes it (holds it outside sightings inboxes):
    what a reporter says an id is cannot name it.
    """

    sighting_of_ref: str
    organisations: int
    sightings: int
    count: int
    first_seen: str
    last_seen: str
    name: str | None = None
    pattern: str | None = None
