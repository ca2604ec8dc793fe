"""The Store interface: everything the TAXII server, the CLI and the tools ask of storage.

The server calls storage only through this Protocol, so a different backend (or a test fake)
can stand in without the protocol layer noticing. The SQL implementation is ``SqlStore``.
"""

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from stixhub.stix import PreparedObject
from stixhub.store._model import (
    Account,
    AccountSummary,
    AddResult,
    ApiRoot,
    BoundIdentity,
    Collection,
    IndicatorText,
    ManifestRecord,
    ObjectQuery,
    Page,
    Rights,
    SightingFacts,
    StatusRecord,
    StoredObject,
    TokenRecord,
    VersionFilter,
)

__all__ = ["Store"]


class Store(Protocol):
    """Persistence of API roots, collections, object versions, accounts and statuses."""

    def close(self) -> None:
        """Release connections."""

    def secret_key(self) -> bytes:
        """The hub's key for signing paging tokens and hashing API tokens."""

    def create_api_root(
        self,
        name: str,
        title: str,
        description: str | None = None,
        max_content_length: int = 10 * 1024 * 1024,
    ) -> ApiRoot:
        """Create an API root."""

    def list_api_roots(self) -> list[ApiRoot]:
        """Every API root, in creation order."""

    def get_api_root(self, name: str) -> ApiRoot:
        """One API root; NotFound if absent."""

    def create_collection(
        self,
        api_root: str,
        title: str,
        description: str | None = None,
        collection_id: str | None = None,
        alias: str | None = None,
        public_read: bool = False,
        media_types: Sequence[str] = ("application/stix+json;version=2.1",),
        strict: bool = False,
        refuse_warnings: bool = False,
        sightings_inbox: bool = False,
    ) -> Collection:
        """Create a collection in an API root."""

    def list_collections(self, api_root: str) -> list[Collection]:
        """An API root's collections in a stable order."""

    def get_collection(self, api_root: str, key: str) -> Collection:
        """A collection by id or alias; NotFound if absent."""

    def get_collection_access(
        self, api_root: str, key: str, account_id: int | None
    ) -> tuple[Collection, Rights]:
        """A collection with an account's own grant in it; NotFound if absent."""

    def find_collection(self, collection_id: str) -> Collection:
        """A collection by id in any API root; NotFound if absent."""

    def set_sightings_inbox(self, collection_id: str, enabled: bool) -> Collection:
        """Make a collection a sightings inbox or an ordinary one; NotFound if absent."""

    def create_account(self, name: str, password_hash: str | None = None) -> Account:
        """Create an account."""

    def get_account(self, name: str) -> Account:
        """An account by name; NotFound if absent."""

    def set_password(self, name: str, password_hash: str | None) -> None:
        """Replace an account's password hash."""

    def set_identity(self, account_name: str, identity: BoundIdentity | None) -> None:
        """Bind an identity to an account, or unbind it with None; NotFound if absent."""

    def get_identity(self, account_id: int) -> BoundIdentity | None:
        """The identity bound to an account, or None."""

    def add_token(self, account_name: str, token_hash: str, label: str | None = None) -> None:
        """Store the keyed hash of a new API token."""

    def account_for_token(self, token_hash: str) -> Account | None:
        """The account owning a token hash, or None."""

    def grant(self, account_name: str, collection_id: str, can_read: bool, can_write: bool) -> None:
        """Set an account's rights in a collection."""

    def rights(self, account_id: int) -> dict[str, Rights]:
        """An account's rights by collection id."""

    def list_accounts(self) -> list[AccountSummary]:
        """Every account by name, with its token and grant counts; no secret."""

    def delete_account(self, name: str) -> None:
        """Remove an account with its tokens, grants and statuses; NotFound if absent."""

    def list_tokens(self, account_name: str | None = None) -> list[TokenRecord]:
        """The tokens of one account (NotFound if absent), or of all; never a token."""

    def revoke_tokens(
        self, account_name: str, label: str | None = None, token_id: str | None = None
    ) -> int:
        """Delete an account's tokens with this label or id, or with neither all of them;
        returns how many (NotFound if none fits, AmbiguousName if an id fits several)."""

    def add_objects(
        self,
        collection_id: str,
        prepared: Sequence[PreparedObject],
        origin: str | None = None,
    ) -> list[AddResult]:
        """Store an envelope's object versions atomically; ``origin`` names where new
        versions came from (a mirrored collection's URL)."""

    def get_origins(self, collection_id: str, object_id: str) -> dict[str, str | None]:
        """The origin of each stored version of an object, by version; NotFound if none."""

    def delete_object(
        self,
        collection_id: str,
        object_id: str,
        versions: VersionFilter | None = None,
        spec_versions: Sequence[str] = (),
    ) -> int:
        """Delete versions of an object; returns how many."""

    def get_objects(self, collection_id: str, query: ObjectQuery) -> Page[StoredObject]:
        """A page of object versions in date_added order."""

    def get_manifest(self, collection_id: str, query: ObjectQuery) -> Page[ManifestRecord]:
        """A page of manifest records in date_added order."""

    def get_versions(
        self, collection_id: str, object_id: str, query: ObjectQuery
    ) -> Page[ManifestRecord]:
        """A page of one object's versions in date_added order."""

    def object_exists(self, collection_id: str, object_id: str) -> bool:
        """Whether any version of the object is stored."""

    def published_objects(self, object_ids: Iterable[str], account_id: int | None) -> set[str]:
        """The ids among these stored outside sightings inboxes (readable by the account)."""

    def held_creators(self, object_ids: Iterable[str]) -> dict[str, set[str | None]]:
        """For each of the ids the hub holds (any collection, or bound to an account), the
        ``created_by_ref`` of each held version (None: a version without one)."""

    def sighting_facts(self) -> Iterator[SightingFacts]:
        """The latest version of each sighting in sightings inboxes, streamed in id order."""

    def indicator_texts(self, object_ids: Iterable[str]) -> dict[str, IndicatorText]:
        """The name and pattern of the latest version of each of these indicators held
        outside sightings inboxes; ids the hub does not publish are absent."""

    def count_objects(self, collection_id: str) -> int:
        """How many object versions a collection holds."""

    def refresh_statistics(self) -> None:
        """Let the database's query planner see the current table sizes, after a bulk load."""

    def save_status(self, record: StatusRecord) -> None:
        """Keep a status resource."""

    def get_status(self, api_root: str, status_id: str) -> StatusRecord:
        """A kept status; NotFound if unknown or purged."""

    def purge_statuses(self, created_before: int) -> int:
        """Forget statuses created before a time."""
