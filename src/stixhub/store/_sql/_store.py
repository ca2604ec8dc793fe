"""The SQL Store: one implementation for SQLite and PostgreSQL.

Writes to a collection are serialised by locking that collection's row (``SELECT ... FOR
UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` locks the whole database). Under the lock
each new version gets ``date_added = max(now, last + 1 microsecond)``, so ``date_added`` is
unique and strictly increasing in commit order: a poller that has seen a later object can
never miss an earlier one, and ``added_after`` equal to the last header value is an exact
resume point (TAXII 2.1 section 3.4, 3.5).
"""

import logging
import secrets
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import (
    Engine,
    Text,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from stixhub.stix import MAX_JSON_INTEGER, PreparedObject, format_taxii_timestamp
from stixhub.store._errors import AlreadyExists, AmbiguousName, InvalidName, NotFound
from stixhub.store._model import (
    Account,
    AccountSummary,
    AddOutcome,
    AddResult,
    ApiRoot,
    BoundIdentity,
    Clock,
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
from stixhub.store._names import check_account_name, check_api_root_name
from stixhub.store._sql import _schema as t
from stixhub.store._sql._engine import WRITE, is_postgresql, require_current_schema

__all__ = ["TOKEN_ID_LENGTH", "SqlStore", "system_clock"]

log = logging.getLogger(__name__)

STIX_MEDIA_TYPE = "application/stix+json;version={}"
_IN_CHUNK = 500
# Below this many new rows the planner's guesses are harmless; see _keep_statistics_fresh.
_MIN_ROWS_BEFORE_ANALYZE = 10_000
TOKEN_ID_LENGTH = 8
"""Hex digits of a token's keyed hash shown as its id (see ``TokenRecord``)."""
# The highest account id ever deleted: SQLite hands out max(id) + 1, so without it a new
# account could take a deleted one's id, and with it the statuses and the cached password
# logins that still carry that id.
_DELETED_ACCOUNT_ID = "deleted_account_id"


def system_clock() -> int:
    """Wall-clock time in microseconds since the epoch."""
    return time.time_ns() // 1000


def _as_bytes(value: bytes | memoryview) -> bytes:
    """Drivers return bytes (sqlite3, psycopg) or a memoryview; copy only the latter."""
    return value if isinstance(value, bytes) else bytes(value)


def _key_of_micros(micros: int) -> str:
    """The version key of an object without created/modified: its first date_added."""
    return format_taxii_timestamp(micros)[:-1] + "000Z"


@dataclass(slots=True)
class _Version:
    """A version of an object as the write path sees it while computing flags."""

    pk: int | None
    spec_version: str
    version: str
    version_key: str
    body: bytes
    flags: tuple[bool, bool, bool]

    def same_content(self, body: bytes) -> bool:
        """Whether ``body`` is this version's content; key order carries no meaning in JSON,
        so bytes that differ are compared again as parsed values."""
        return self.body == body or orjson.loads(self.body) == orjson.loads(body)


def _flags(versions: Sequence[_Version]) -> list[tuple[bool, bool, bool]]:
    """(in_latest_spec, is_first, is_last) for every version of one object.

    The newest spec_version held wins first; among its versions the smallest and largest
    version keys are the first and the last (TAXII 2.1 section 3.4.1).
    """
    newest = max(v.spec_version for v in versions)
    keys = [v.version_key for v in versions if v.spec_version == newest]
    first, last = min(keys), max(keys)
    return [
        (
            v.spec_version == newest,
            v.spec_version == newest and v.version_key == first,
            v.spec_version == newest and v.version_key == last,
        )
        for v in versions
    ]


class SqlStore:
    """The Store on a SQLAlchemy engine; see ``stixhub.store.Store`` for the contract."""

    def __init__(self, engine: Engine, clock: Clock = system_clock) -> None:
        require_current_schema(engine)
        self.engine = engine
        self._clock = clock
        self._postgresql = is_postgresql(engine)
        # Rows this process stored since its last ANALYZE, and the table's size then; see
        # _keep_statistics_fresh.
        self._statistics_lock = threading.Lock()
        self._stored_since_analyze = 0
        self._rows_at_analyze = 0

    def close(self) -> None:
        """Release the engine's pooled connections."""
        self.engine.dispose()

    def _write(self) -> Connection:
        return self.engine.connect().execution_options(**{WRITE: True})

    def _read(self) -> Connection:
        """A connection for one read statement.

        On PostgreSQL it runs in autocommit: a single statement is consistent on its own,
        and without it every read paid two more round trips (``BEGIN`` before the query and
        ``ROLLBACK`` when the connection went back to the pool).
        """
        conn = self.engine.connect()
        if self._postgresql:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        return conn

    # --- hub secret ---------------------------------------------------------------------

    def secret_key(self) -> bytes:
        """The hub's signing key, made on first use and shared by every server process."""
        with self._read() as conn:
            value = conn.scalar(select(t.hub_meta.c.value).where(t.hub_meta.c.key == "secret"))
        if value is not None:
            return bytes.fromhex(value)
        try:
            with self._write() as conn, conn.begin():
                conn.execute(insert(t.hub_meta).values(key="secret", value=secrets.token_hex(32)))
        except IntegrityError:
            pass  # another process made it first; read theirs
        return self.secret_key()

    # --- API roots ----------------------------------------------------------------------

    def create_api_root(
        self,
        name: str,
        title: str,
        description: str | None = None,
        max_content_length: int = 10 * 1024 * 1024,
    ) -> ApiRoot:
        """Create an API root; its name becomes the URL segment ``/{name}/``."""
        check_api_root_name(name)
        if not 0 < max_content_length <= MAX_JSON_INTEGER:
            raise InvalidName(
                f"max_content_length must be a number of bytes from 1 to {MAX_JSON_INTEGER}"
            )
        try:
            with self._write() as conn, conn.begin():
                conn.execute(
                    insert(t.api_roots).values(
                        name=name,
                        title=title,
                        description=description,
                        max_content_length=max_content_length,
                        created=self._clock(),
                    )
                )
        except IntegrityError:
            raise AlreadyExists(f"API root {name!r} already exists") from None
        return ApiRoot(name, title, description, max_content_length)

    def list_api_roots(self) -> list[ApiRoot]:
        """Every API root, in the order they were created."""
        a = t.api_roots
        with self._read() as conn:
            rows = conn.execute(
                select(a.c.name, a.c.title, a.c.description, a.c.max_content_length).order_by(
                    a.c.created, a.c.name
                )
            ).all()
        return [ApiRoot(*row) for row in rows]

    def get_api_root(self, name: str) -> ApiRoot:
        """One API root by name; NotFound if there is none."""
        a = t.api_roots
        with self._read() as conn:
            row = conn.execute(
                select(a.c.name, a.c.title, a.c.description, a.c.max_content_length).where(
                    a.c.name == name
                )
            ).first()
        if row is None:
            raise NotFound(f"no API root {name!r}")
        return ApiRoot(*row)

    # --- collections --------------------------------------------------------------------

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
        """Create a collection in an API root; its id is a new UUIDv4 unless one is given.

        ``strict`` makes custom objects and properties errors at the door;
        ``refuse_warnings`` refuses objects with any validation warning too;
        ``sightings_inbox`` accepts only sighting reports (``stixhub.store._inbox``).
        """
        self.get_api_root(api_root)
        if collection_id is None:
            collection_id = str(uuid.uuid4())
        else:
            try:
                parsed = uuid.UUID(collection_id)
            except ValueError:
                raise InvalidName(f"collection id {collection_id!r} is not a UUID") from None
            if parsed.version != 4 or str(parsed) != collection_id.lower():
                raise InvalidName(f"collection id {collection_id!r} is not a UUIDv4 (TAXII 2)")
            collection_id = str(parsed)
        if alias is not None and alias == collection_id:
            raise InvalidName("an alias cannot equal the collection id")
        if not title.strip():
            raise InvalidName("a collection needs a title")
        if not media_types or not all(m.strip() for m in media_types):
            raise InvalidName("a collection needs at least one media type, none of them empty")
        with self._write() as conn, conn.begin():
            c = t.collections
            clash = conn.execute(
                select(c.c.id, c.c.title, c.c.alias).where(
                    or_(
                        c.c.id == collection_id,
                        and_(
                            c.c.api_root == api_root,
                            or_(
                                c.c.title == title,
                                c.c.alias == alias if alias is not None else false(),
                                c.c.id == alias if alias is not None else false(),
                                c.c.alias == collection_id,
                            ),
                        ),
                    )
                )
            ).first()
            if clash is not None:
                raise AlreadyExists(
                    f"a collection with this id, title or alias already exists ({clash.id})"
                )
            conn.execute(
                insert(c).values(
                    id=collection_id,
                    api_root=api_root,
                    title=title,
                    description=description,
                    alias=alias,
                    media_types=",".join(media_types),
                    public_read=public_read,
                    strict=strict,
                    refuse_warnings=refuse_warnings,
                    sightings_inbox=sightings_inbox,
                    last_date_added=0,
                    created=self._clock(),
                )
            )
        return Collection(
            collection_id,
            api_root,
            title,
            description,
            alias,
            tuple(media_types),
            public_read,
            strict,
            refuse_warnings,
            sightings_inbox,
        )

    @staticmethod
    def _collection_columns() -> tuple[ColumnElement[object], ...]:
        c = t.collections.c
        return (
            c.id,
            c.api_root,
            c.title,
            c.description,
            c.alias,
            c.media_types,
            c.public_read,
            c.strict,
            c.refuse_warnings,
            c.sightings_inbox,
        )

    @staticmethod
    def _collection(row: Sequence[object]) -> Collection:
        cid, root, title, description, alias, media_types, public_read, strict, refuse, inbox = row
        return Collection(
            str(cid),
            str(root),
            str(title),
            None if description is None else str(description),
            None if alias is None else str(alias),
            tuple(str(media_types).split(",")),
            bool(public_read),
            bool(strict),
            bool(refuse),
            bool(inbox),
        )

    def list_collections(self, api_root: str) -> list[Collection]:
        """The collections of an API root, always in the same order (TAXII 2.1 section 3.3)."""
        c = t.collections.c
        with self._read() as conn:
            rows = conn.execute(
                select(*self._collection_columns())
                .where(c.api_root == api_root)
                .order_by(c.created, c.id)
            ).all()
        return [self._collection(row) for row in rows]

    def get_collection(self, api_root: str, key: str) -> Collection:
        """A collection of an API root by id or alias; NotFound if there is none."""
        c = t.collections.c
        with self._read() as conn:
            row = conn.execute(
                select(*self._collection_columns()).where(
                    c.api_root == api_root, or_(c.id == key, c.alias == key)
                )
            ).first()
        if row is None:
            raise NotFound(f"no collection {key!r} in API root {api_root!r}")
        return self._collection(row)

    def get_collection_access(
        self, api_root: str, key: str, account_id: int | None
    ) -> tuple[Collection, Rights]:
        """A collection by id or alias with an account's own grant in it, in one query.

        This runs on every request to a collection, so it is one round trip, not two.
        """
        c, g = t.collections.c, t.grants.c
        if account_id is None:
            return self.get_collection(api_root, key), Rights()
        stmt = (
            select(*self._collection_columns(), g.can_read, g.can_write)
            .outerjoin(
                t.grants,
                and_(g.collection_id == c.id, g.account_id == account_id),
            )
            .where(c.api_root == api_root, or_(c.id == key, c.alias == key))
        )
        with self._read() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            raise NotFound(f"no collection {key!r} in API root {api_root!r}")
        return self._collection(row[:10]), Rights(bool(row[10]), bool(row[11]))

    def find_collection(self, collection_id: str) -> Collection:
        """A collection by id in any API root (for the command line); NotFound if none."""
        c = t.collections.c
        with self._read() as conn:
            row = conn.execute(
                select(*self._collection_columns()).where(c.id == collection_id)
            ).first()
        if row is None:
            raise NotFound(f"no collection {collection_id!r}")
        return self._collection(row)

    def set_sightings_inbox(self, collection_id: str, enabled: bool) -> Collection:
        """Turn a collection into a sightings inbox, or back; what it holds stays as it is."""
        c = t.collections
        with self._write() as conn, conn.begin():
            done = conn.execute(
                update(c).where(c.c.id == collection_id).values(sightings_inbox=enabled)
            ).rowcount
        if not done:
            raise NotFound(f"no collection {collection_id!r}")
        return self.find_collection(collection_id)

    # --- accounts, tokens, grants -------------------------------------------------------

    def create_account(self, name: str, password_hash: str | None = None) -> Account:
        """Create an account; with no password hash it can only log in with tokens."""
        check_account_name(name)
        values: dict[str, object] = {
            "name": name,
            "password_hash": password_hash,
            "created": self._clock(),
        }
        try:
            with self._write() as conn, conn.begin():
                if not self._postgresql:  # PostgreSQL's sequence never gives an id twice
                    values["id"] = self._next_account_id(conn)
                account_id = conn.execute(
                    insert(t.accounts).values(**values).returning(t.accounts.c.id)
                ).scalar_one()
        except IntegrityError:
            raise AlreadyExists(f"account {name!r} already exists") from None
        return Account(account_id, name, password_hash)

    @staticmethod
    def _next_account_id(conn: Connection) -> int:
        """A SQLite account id above every id in use or ever deleted (under the write lock)."""
        highest = conn.scalar(select(func.coalesce(func.max(t.accounts.c.id), 0)))
        deleted = conn.scalar(
            select(t.hub_meta.c.value).where(t.hub_meta.c.key == _DELETED_ACCOUNT_ID)
        )
        return max(int(highest or 0), int(deleted or 0)) + 1

    def get_account(self, name: str) -> Account:
        """An account by name; NotFound if there is none."""
        a = t.accounts.c
        with self._read() as conn:
            row = conn.execute(select(a.id, a.name, a.password_hash).where(a.name == name)).first()
        if row is None:
            raise NotFound(f"no account {name!r}")
        return Account(*row)

    def set_password(self, name: str, password_hash: str | None) -> None:
        """Replace (or, with None, remove) an account's password hash."""
        with self._write() as conn, conn.begin():
            done = conn.execute(
                update(t.accounts)
                .where(t.accounts.c.name == name)
                .values(password_hash=password_hash)
            ).rowcount
        if not done:
            raise NotFound(f"no account {name!r}")

    def set_identity(self, account_name: str, identity: BoundIdentity | None) -> None:
        """Bind a STIX identity to an account (replacing any), or with None unbind it."""
        values: dict[str, object] = {"identity_ref": None, "identity": None}
        if identity is not None:
            values = {"identity_ref": identity.id, "identity": identity.body}
        with self._write() as conn, conn.begin():
            done = conn.execute(
                update(t.accounts).where(t.accounts.c.name == account_name).values(**values)
            ).rowcount
        if not done:
            raise NotFound(f"no account {account_name!r}")

    def get_identity(self, account_id: int) -> BoundIdentity | None:
        """The identity bound to an account, or None (also for an account that is gone)."""
        a = t.accounts.c
        with self._read() as conn:
            row = conn.execute(select(a.identity_ref, a.identity).where(a.id == account_id)).first()
        if row is None or row[0] is None or row[1] is None:
            return None
        return BoundIdentity(row[0], _as_bytes(row[1]))

    def add_token(self, account_name: str, token_hash: str, label: str | None = None) -> None:
        """Store the keyed hash of a new API token for an account."""
        account = self.get_account(account_name)
        with self._write() as conn, conn.begin():
            conn.execute(
                insert(t.tokens).values(
                    account_id=account.id,
                    token_hash=token_hash,
                    label=label,
                    created=self._clock(),
                )
            )

    def account_for_token(self, token_hash: str) -> Account | None:
        """The account a token hash belongs to, or None."""
        a, k = t.accounts.c, t.tokens.c
        with self._read() as conn:
            row = conn.execute(
                select(a.id, a.name, a.password_hash)
                .join(t.tokens, k.account_id == a.id)
                .where(k.token_hash == token_hash)
            ).first()
        return None if row is None else Account(*row)

    def grant(self, account_name: str, collection_id: str, can_read: bool, can_write: bool) -> None:
        """Set an account's rights in a collection (replacing what it had there)."""
        account = self.get_account(account_name)
        self.find_collection(collection_id)
        g = t.grants
        with self._write() as conn, conn.begin():
            conn.execute(
                delete(g).where(g.c.account_id == account.id, g.c.collection_id == collection_id)
            )
            if can_read or can_write:
                conn.execute(
                    insert(g).values(
                        account_id=account.id,
                        collection_id=collection_id,
                        can_read=can_read,
                        can_write=can_write,
                    )
                )

    def rights(self, account_id: int) -> dict[str, Rights]:
        """An account's rights, by collection id, for every collection it was granted."""
        g = t.grants.c
        with self._read() as conn:
            rows = conn.execute(
                select(g.collection_id, g.can_read, g.can_write).where(g.account_id == account_id)
            ).all()
        return {cid: Rights(bool(r), bool(w)) for cid, r, w in rows}

    def list_accounts(self) -> list[AccountSummary]:
        """Every account by name, with counts of its tokens and grants; no secret."""
        a, k, g = t.accounts.c, t.tokens.c, t.grants.c
        tokens = select(func.count()).where(k.account_id == a.id).scalar_subquery()
        grants = select(func.count()).where(g.account_id == a.id).scalar_subquery()
        with self._read() as conn:
            rows = conn.execute(
                select(
                    a.name, a.password_hash.is_not(None), tokens, a.identity_ref, grants, a.created
                ).order_by(a.name)
            ).all()
        return [
            AccountSummary(str(name), bool(has), int(nt), ref, int(ng), int(created))
            for name, has, nt, ref, ng, created in rows
        ]

    def delete_account(self, name: str) -> None:
        """Remove an account with its tokens, grants and statuses; what it posted stays.

        Tokens and grants would go by ON DELETE CASCADE too; deleting them here as well
        keeps that true on a SQLite connection opened without ``foreign_keys``.
        """
        a = t.accounts
        with self._write() as conn, conn.begin():
            account_id = conn.scalar(select(a.c.id).where(a.c.name == name))
            if account_id is None:
                raise NotFound(f"no account {name!r}")
            conn.execute(delete(t.tokens).where(t.tokens.c.account_id == account_id))
            conn.execute(delete(t.grants).where(t.grants.c.account_id == account_id))
            conn.execute(delete(t.statuses).where(t.statuses.c.account_id == account_id))
            conn.execute(delete(a).where(a.c.id == account_id))
            if not self._postgresql:
                self._remember_deleted_account_id(conn, account_id)

    @staticmethod
    def _remember_deleted_account_id(conn: Connection, account_id: int) -> None:
        m = t.hub_meta
        known = conn.scalar(select(m.c.value).where(m.c.key == _DELETED_ACCOUNT_ID))
        if known is None:
            conn.execute(insert(m).values(key=_DELETED_ACCOUNT_ID, value=str(account_id)))
        elif int(known) < account_id:
            conn.execute(
                update(m).where(m.c.key == _DELETED_ACCOUNT_ID).values(value=str(account_id))
            )

    def list_tokens(self, account_name: str | None = None) -> list[TokenRecord]:
        """The tokens of one account (NotFound if absent), or of all, oldest first."""
        a, k = t.accounts.c, t.tokens.c
        stmt = select(k.token_hash, a.name, k.label, k.created).join(
            t.accounts, k.account_id == a.id
        )
        if account_name is not None:
            self.get_account(account_name)
            stmt = stmt.where(a.name == account_name)
        with self._read() as conn:
            rows = conn.execute(stmt.order_by(a.name, k.created, k.id)).all()
        return [
            TokenRecord(str(h)[:TOKEN_ID_LENGTH], str(n), label, int(created))
            for h, n, label, created in rows
        ]

    def revoke_tokens(
        self, account_name: str, label: str | None = None, token_id: str | None = None
    ) -> int:
        """Delete an account's tokens with this label, or this id (a prefix of the hash of
        at least ``TOKEN_ID_LENGTH`` hex digits), or with neither every one; returns how many.

        A revoked token is refused by the next request: bearer tokens are looked up on
        every request, never cached. An id that fits several tokens revokes none
        (AmbiguousName); an account without a matching token is NotFound.
        """
        account = self.get_account(account_name)
        k = t.tokens
        where = [k.c.account_id == account.id]
        if label is not None:
            where.append(k.c.label == label)
        if token_id is not None:
            if len(token_id) < TOKEN_ID_LENGTH or not all(
                ch in "0123456789abcdef" for ch in token_id.lower()
            ):
                raise InvalidName(
                    f"token id {token_id!r} must be at least {TOKEN_ID_LENGTH} hex digits"
                )
            prefix = token_id.lower()
            where.append(func.substr(k.c.token_hash, 1, len(prefix)) == prefix)
        with self._write() as conn, conn.begin():
            matched = list(conn.scalars(select(k.c.id).where(*where)))
            if token_id is not None and len(matched) > 1:
                raise AmbiguousName(
                    f"token id {token_id!r} fits {len(matched)} tokens of account "
                    f"{account_name!r}: give more digits of it"
                )
            if not matched:
                what = (
                    f"labelled {label!r}" if label is not None
                    else f"with id {token_id!r}" if token_id is not None
                    else "at all"
                )  # fmt: skip
                raise NotFound(f"account {account_name!r} has no token {what}")
            conn.execute(delete(k).where(k.c.id.in_(matched)))
        return len(matched)

    # --- objects: write -----------------------------------------------------------------

    def add_objects(
        self,
        collection_id: str,
        prepared: Sequence[PreparedObject],
        origin: str | None = None,
    ) -> list[AddResult]:
        """Store the versions of an envelope atomically; one result per object, in order.

        A version already stored with the same content is UNCHANGED (TAXII 2.1 section 5.5:
        never a failure). The same id and version with other content is FAILED: STIX says one
        version has one content, and the hub never silently replaces what it served.
        ``origin`` is recorded on the new versions only: an unchanged one keeps where it
        first came from.
        """
        c, o = t.collections, t.objects
        with self._write() as conn, conn.begin():
            lock = select(c.c.last_date_added).where(c.c.id == collection_id)
            if self._postgresql:
                lock = lock.with_for_update()
            last = conn.scalar(lock)
            if last is None:
                raise NotFound(f"no collection {collection_id!r}")
            known = self._existing_versions(conn, collection_id, {p.id for p in prepared})
            results: list[AddResult] = []
            new_rows: list[tuple[dict[str, object], _Version]] = []
            touched: set[str] = set()
            now = self._clock()
            for p in prepared:
                versions = known.setdefault(p.id, [])
                same = self._same_version(versions, p)
                if same is not None:
                    if same.same_content(p.body):
                        results.append(AddResult(p.id, same.version, AddOutcome.UNCHANGED))
                    else:
                        results.append(
                            AddResult(
                                p.id,
                                p.version,
                                AddOutcome.FAILED,
                                f"a different object with id {p.id} and version "
                                f"{p.version} is already stored; a new version needs a new "
                                "modified timestamp",
                            )
                        )
                    continue
                last = max(now, last + 1)
                key = p.version_key if p.version_key is not None else _key_of_micros(last)
                version = p.version if p.version is not None else format_taxii_timestamp(last)
                stored = _Version(None, p.spec_version, version, key, p.body, (True, True, True))
                versions.append(stored)
                new_rows.append(
                    (
                        {
                            "collection_id": collection_id,
                            "object_id": p.id,
                            "type": p.type,
                            "spec_version": p.spec_version,
                            "version": version,
                            "version_key": key,
                            "date_added": last,
                            "body": p.body,
                            "origin": origin,
                        },
                        stored,
                    )
                )
                touched.add(p.id)
                results.append(AddResult(p.id, version, AddOutcome.STORED))
            if new_rows:
                self._apply_flags(conn, [known[object_id] for object_id in touched])
                rows = [
                    {
                        **row,
                        "in_latest_spec": v.flags[0],
                        "is_first": v.flags[1],
                        "is_last": v.flags[2],
                    }
                    for row, v in new_rows
                ]
                conn.execute(insert(o), rows)
                conn.execute(update(c).where(c.c.id == collection_id).values(last_date_added=last))
        if new_rows:
            self._keep_statistics_fresh(len(new_rows))
        return results

    def _keep_statistics_fresh(self, stored: int) -> None:
        """Refresh the planner's statistics each time this process has doubled the table.

        Without statistics, PostgreSQL looks up an envelope's ids by reading the whole
        collection (measured: 77 ms per 1,000 ids at 110,000 objects, and a million-object
        load fell to 560 objects/s). Autovacuum fixes that within a minute where it runs, but
        it can be off, and a bulk load goes quadratic before it comes. Refreshing after every
        doubling costs a logarithmic number of ANALYZEs (each samples a bounded number of
        rows), so the estimates are never off by more than a factor of two. Each process
        counts its own writes, so with several processes, or a table that was big before
        this process started, the refreshes come more rarely; their purpose is the bulk
        load, where one process does the writing. A refresh that fails is logged, not
        raised: the objects are committed by then.
        """
        with self._statistics_lock:
            self._stored_since_analyze += stored
            due = self._stored_since_analyze >= max(_MIN_ROWS_BEFORE_ANALYZE, self._rows_at_analyze)
            if due:
                self._rows_at_analyze += self._stored_since_analyze
                self._stored_since_analyze = 0
        if due:
            try:
                self.refresh_statistics()
            except SQLAlchemyError:
                # The objects are committed; the statistics can wait for the next doubling
                # or for autovacuum. The caller must not see an error for a write that worked.
                log.warning("could not refresh the planner's statistics", exc_info=True)

    @staticmethod
    def _same_version(versions: Iterable[_Version], p: PreparedObject) -> _Version | None:
        for v in versions:
            if p.version_key is not None and v.version_key == p.version_key:
                return v
            if p.version_key is None and v.same_content(p.body):
                return v
        return None

    @staticmethod
    def _existing_versions(
        conn: Connection, collection_id: str, object_ids: set[str]
    ) -> dict[str, list[_Version]]:
        o = t.objects.c
        known: dict[str, list[_Version]] = {}
        ids = sorted(object_ids)
        for start in range(0, len(ids), _IN_CHUNK):
            rows = conn.execute(
                select(
                    o.pk,
                    o.object_id,
                    o.spec_version,
                    o.version,
                    o.version_key,
                    o.body,
                    o.in_latest_spec,
                    o.is_first,
                    o.is_last,
                ).where(
                    o.collection_id == collection_id,
                    o.object_id.in_(ids[start : start + _IN_CHUNK]),
                )
            )
            for pk, object_id, spec, version, key, body, latest, first, last in rows:
                known.setdefault(object_id, []).append(
                    _Version(
                        pk,
                        spec,
                        version,
                        key,
                        _as_bytes(body),
                        (bool(latest), bool(first), bool(last)),
                    )
                )
        return known

    @staticmethod
    def _apply_flags(conn: Connection, groups: Iterable[list[_Version]]) -> None:
        """Recompute the flags of each object's versions; update stored rows that changed."""
        changed: list[dict[str, object]] = []
        for versions in groups:
            for version, flags in zip(versions, _flags(versions), strict=True):
                if version.flags != flags:
                    version.flags = flags
                    if version.pk is not None:
                        changed.append(
                            {
                                "target": version.pk,
                                "in_latest_spec": flags[0],
                                "is_first": flags[1],
                                "is_last": flags[2],
                            }
                        )
        if changed:
            o = t.objects
            conn.execute(
                update(o)
                .where(o.c.pk == bindparam("target"))
                .values(
                    in_latest_spec=bindparam("in_latest_spec"),
                    is_first=bindparam("is_first"),
                    is_last=bindparam("is_last"),
                ),
                changed,
            )

    def delete_object(
        self,
        collection_id: str,
        object_id: str,
        versions: VersionFilter | None = None,
        spec_versions: Sequence[str] = (),
    ) -> int:
        """Delete versions of an object (all of them when ``versions`` is None).

        Returns how many versions were removed; the remaining ones get their flags again.
        """
        o = t.objects
        query = ObjectQuery(
            limit=1,
            ids=(object_id,),
            versions=versions or VersionFilter(all=True, last=False),
            spec_versions=tuple(spec_versions),
        )
        c = t.collections
        with self._write() as conn, conn.begin():
            lock = select(c.c.id).where(c.c.id == collection_id)
            if self._postgresql:
                lock = lock.with_for_update()
            if conn.scalar(lock) is None:
                raise NotFound(f"no collection {collection_id!r}")
            if versions is None and not spec_versions:
                condition: ColumnElement[bool] = true()
            else:
                condition = self._version_condition(collection_id, query)
            pks = conn.scalars(
                select(o.c.pk).where(
                    o.c.collection_id == collection_id, o.c.object_id == object_id, condition
                )
            ).all()
            if pks:
                conn.execute(delete(o).where(o.c.pk.in_(pks)))
                remaining = self._existing_versions(conn, collection_id, {object_id})
                self._apply_flags(conn, remaining.values())
        return len(pks)

    # --- objects: read ------------------------------------------------------------------

    def _version_condition(self, collection_id: str, query: ObjectQuery) -> ColumnElement[bool]:
        """The SQL for match[spec_version] and match[version] (TAXII 2.1 section 3.4.1)."""
        o = t.objects
        vf = query.versions
        if not query.spec_versions:
            if vf.all:
                return o.c.in_latest_spec == true()
            parts: list[ColumnElement[bool]] = []
            if vf.first:
                parts.append(o.c.is_first == true())
            if vf.last:
                parts.append(o.c.is_last == true())
            if vf.timestamps:
                parts.append(and_(o.c.in_latest_spec == true(), o.c.version_key.in_(vf.timestamps)))
            return or_(*parts) if parts else false()
        in_spec = o.c.spec_version.in_(query.spec_versions)
        if vf.all:
            return in_spec
        other = o.alias("other")

        def no_other(newer: bool) -> ColumnElement[bool]:
            beyond = (
                other.c.version_key > o.c.version_key
                if newer
                else other.c.version_key < o.c.version_key
            )
            return ~exists().where(
                other.c.collection_id == collection_id,
                other.c.object_id == o.c.object_id,
                other.c.spec_version.in_(query.spec_versions),
                beyond,
            )

        parts = []
        if vf.first:
            parts.append(no_other(newer=False))
        if vf.last:
            parts.append(no_other(newer=True))
        if vf.timestamps:
            parts.append(o.c.version_key.in_(vf.timestamps))
        return and_(in_spec, or_(*parts) if parts else false())

    def _where(self, collection_id: str, query: ObjectQuery) -> list[ColumnElement[bool]]:
        o = t.objects.c
        where: list[ColumnElement[bool]] = [o.collection_id == collection_id]
        if query.after is not None:
            where.append(o.date_added > query.after)
        if query.ids:
            where.append(o.object_id.in_(query.ids))
        if query.types:
            where.append(o.type.in_(query.types))
        where.append(self._version_condition(collection_id, query))
        return where

    def get_objects(self, collection_id: str, query: ObjectQuery) -> Page[StoredObject]:
        """A page of object versions matching the query, in date_added order."""
        o = t.objects.c
        stmt = (
            select(o.object_id, o.date_added, o.version, o.body)
            .where(*self._where(collection_id, query))
            .order_by(o.date_added)
            .limit(query.limit + 1)
        )
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        more = len(rows) > query.limit
        return Page(
            [StoredObject(r[0], r[1], r[2], _as_bytes(r[3])) for r in rows[: query.limit]], more
        )

    def get_manifest(self, collection_id: str, query: ObjectQuery) -> Page[ManifestRecord]:
        """A page of manifest records (one per stored version) matching the query."""
        o = t.objects.c
        stmt = (
            select(o.object_id, o.date_added, o.version, o.spec_version)
            .where(*self._where(collection_id, query))
            .order_by(o.date_added)
            .limit(query.limit + 1)
        )
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        more = len(rows) > query.limit
        return Page(
            [
                ManifestRecord(r[0], r[1], r[2], r[3], STIX_MEDIA_TYPE.format(r[3]))
                for r in rows[: query.limit]
            ],
            more,
        )

    def get_versions(
        self, collection_id: str, object_id: str, query: ObjectQuery
    ) -> Page[ManifestRecord]:
        """A page of an object's versions (section 5.8); ``query.versions`` is ignored."""
        every = ObjectQuery(
            limit=query.limit,
            after=query.after,
            ids=(object_id,),
            versions=VersionFilter(all=True, last=False),
            spec_versions=query.spec_versions,
        )
        return self.get_manifest(collection_id, every)

    def object_exists(self, collection_id: str, object_id: str) -> bool:
        """Whether any version of the object is stored in the collection."""
        o = t.objects.c
        with self._read() as conn:
            return (
                conn.scalar(
                    select(o.pk)
                    .where(o.collection_id == collection_id, o.object_id == object_id)
                    .limit(1)
                )
                is not None
            )

    def get_origins(self, collection_id: str, object_id: str) -> dict[str, str | None]:
        """Where each stored version of an object came from (None: posted or loaded here)."""
        o = t.objects.c
        with self._read() as conn:
            rows = conn.execute(
                select(o.version, o.origin)
                .where(o.collection_id == collection_id, o.object_id == object_id)
                .order_by(o.version_key)
            ).all()
        if not rows:
            raise NotFound(f"no object {object_id!r} in collection {collection_id!r}")
        return {row.version: row.origin for row in rows}

    def published_objects(self, object_ids: Iterable[str], account_id: int | None) -> set[str]:
        """Those of the ids the hub publishes: stored in a collection that is not a sightings
        inbox and, for an account, that it may read (granted or public). None: any account.

        The collections are chosen first, so each lookup walks the (collection, object id)
        index instead of every collection's rows.
        """
        c, g, o = t.collections.c, t.grants.c, t.objects.c
        readable = select(c.id).where(c.sightings_inbox == false())
        if account_id is not None:
            granted = select(g.collection_id).where(
                g.account_id == account_id, g.can_read == true()
            )
            readable = readable.where(or_(c.public_read == true(), c.id.in_(granted)))
        ids = sorted(set(object_ids))
        found: set[str] = set()
        with self._read() as conn:
            collections = list(conn.scalars(readable))
            if not collections:
                return found
            for start in range(0, len(ids), _IN_CHUNK):
                found.update(
                    conn.scalars(
                        select(o.object_id)
                        .where(
                            o.collection_id.in_(collections),
                            o.object_id.in_(ids[start : start + _IN_CHUNK]),
                        )
                        .distinct()
                    )
                )
        return found

    def held_creators(self, object_ids: Iterable[str]) -> dict[str, set[str | None]]:
        """The creators of every held version of these ids, for the inbox's creator rule.

        A version is held in any collection (inbox or not: versions of one object are one
        object wherever they are kept), and an identity bound to an account is held too, its
        JSON being a version of it. As in ``published_objects``, the collections are chosen
        first so each lookup walks the (collection, object id) index.
        """
        c, o, a = t.collections.c, t.objects.c, t.accounts.c
        ids = sorted(set(object_ids))
        held: dict[str, set[str | None]] = {}
        creator = self._body_field("created_by_ref")
        with self._read() as conn:
            collections = list(conn.scalars(select(c.id)))
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                if collections:
                    rows = conn.execute(
                        select(o.object_id, creator)
                        .where(o.collection_id.in_(collections), o.object_id.in_(chunk))
                        .distinct()
                    )
                    for object_id, by in rows:
                        held.setdefault(object_id, set()).add(None if by is None else str(by))
                bound = conn.execute(
                    select(a.identity_ref, a.identity).where(a.identity_ref.in_(chunk))
                )
                for identity_ref, body in bound:
                    by = orjson.loads(_as_bytes(body)).get("created_by_ref")
                    held.setdefault(identity_ref, set()).add(None if by is None else str(by))
        return held

    def _body_field(self, name: str) -> ColumnElement[object]:
        """A top-level property of the stored JSON, read by the database (NULL if absent)."""
        body = t.objects.c.body
        field: ColumnElement[object]
        if self._postgresql:
            field = cast(func.convert_from(body, "UTF8"), JSONB)[name].astext
        else:
            field = func.json_extract(cast(body, Text), f"$.{name}")
        return field

    def sighting_facts(self) -> Iterator[SightingFacts]:
        """The latest version of every sighting held in sightings inboxes, in id order.

        The database extracts the few properties the summary needs, so bodies never leave
        it, and rows arrive in batches (a server-side cursor on PostgreSQL): memory stays
        flat however many sightings there are. A sighting held in several inboxes comes
        once, in its latest version.
        """
        c, o = t.collections.c, t.objects.c
        names = ("sighting_of_ref", "created_by_ref", "count", "first_seen", "last_seen")
        stmt = (
            select(
                o.object_id,
                o.version_key,
                *(self._body_field(name) for name in names),
                *(self._body_field(name) for name in ("created", "modified")),
            )
            .where(
                o.collection_id.in_(select(c.id).where(c.sightings_inbox == true())),
                o.type == "sighting",
                o.is_last == true(),
            )
            .order_by(o.object_id, o.version_key.desc())
        )
        previous = None
        with self.engine.connect() as conn:
            rows = conn.execution_options(stream_results=True, yield_per=1000).execute(stmt)
            for oid, key, ref, creator, count, first, last, created, modified in rows:
                if oid == previous:
                    continue  # an older version of it, held in another inbox
                previous = oid
                yield SightingFacts(
                    oid,
                    key,
                    None if ref is None else str(ref),
                    None if creator is None else str(creator),
                    None if count is None else int(count),
                    None if first is None else str(first),
                    None if last is None else str(last),
                    None if created is None else str(created),
                    None if modified is None else str(modified),
                )

    def indicator_texts(self, object_ids: Iterable[str]) -> dict[str, IndicatorText]:
        """Name and pattern of the newest version of each indicator outside the inboxes.

        One query per ``_IN_CHUNK`` ids, the database extracting the two properties; the
        newest version (greatest ``version_key``) wins when several collections hold it. An
        inbox is left out: a reporter may post anything there, and what it calls an id must
        not become the hub's name for it.
        """
        c, o = t.collections.c, t.objects.c
        ids = sorted(set(object_ids))
        newest: dict[str, tuple[str, IndicatorText]] = {}
        with self._read() as conn:
            collections = list(conn.scalars(select(c.id).where(c.sightings_inbox == false())))
            if not collections:
                return {}
            for start in range(0, len(ids), _IN_CHUNK):
                rows = conn.execute(
                    select(
                        o.object_id,
                        o.version_key,
                        self._body_field("name"),
                        self._body_field("pattern"),
                    ).where(
                        o.collection_id.in_(collections),
                        o.object_id.in_(ids[start : start + _IN_CHUNK]),
                        o.type == "indicator",
                        o.is_last == true(),
                    )
                )
                for object_id, key, name, pattern in rows:
                    if object_id in newest and newest[object_id][0] >= key:
                        continue
                    text = IndicatorText(
                        None if name is None else str(name),
                        None if pattern is None else str(pattern),
                    )
                    newest[object_id] = (key, text)
        return {object_id: text for object_id, (_, text) in newest.items()}

    def count_objects(self, collection_id: str) -> int:
        """How many object versions the collection holds."""
        o = t.objects.c
        with self._read() as conn:
            return int(
                conn.scalar(select(func.count()).where(o.collection_id == collection_id)) or 0
            )

    def refresh_statistics(self) -> None:
        """Update the planner's statistics of the objects table (run after bulk loads).

        PostgreSQL plans a page query from its row estimates. Right after a bulk load, before
        autovacuum has analysed the table, it still believes the collection holds a handful
        of rows and answers each page by reading and sorting the whole collection (a bitmap
        heap scan, measured at 18 ms instead of 0.5 ms for 20,000 objects, and linear in the
        collection's size) instead of walking ``ix_objects_last``. SQLite gets the same, so
        its planner chooses from measured rather than assumed index selectivity.
        """
        with self.engine.connect() as conn:
            if self._postgresql:
                # Never wait behind autovacuum or another process's ANALYZE: skip instead.
                conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
                conn.exec_driver_sql("ANALYZE (SKIP_LOCKED) objects")
            else:
                conn.exec_driver_sql("ANALYZE objects")
            conn.commit()

    # --- statuses -----------------------------------------------------------------------

    def save_status(self, record: StatusRecord) -> None:
        """Keep a status resource so it can be fetched later (TAXII 2.1 section 4.3)."""
        with self._write() as conn, conn.begin():
            conn.execute(
                insert(t.statuses).values(
                    id=record.id,
                    api_root=record.api_root,
                    account_id=record.account_id,
                    created=record.created,
                    body=record.body,
                )
            )

    def get_status(self, api_root: str, status_id: str) -> StatusRecord:
        """A kept status of an API root; NotFound if unknown or already purged."""
        s = t.statuses.c
        with self._read() as conn:
            row = conn.execute(
                select(s.id, s.api_root, s.account_id, s.created, s.body).where(
                    s.id == status_id, s.api_root == api_root
                )
            ).first()
        if row is None:
            raise NotFound(f"no status {status_id!r}")
        return StatusRecord(row[0], row[1], row[2], row[3], bytes(row[4]))

    def purge_statuses(self, created_before: int) -> int:
        """Forget statuses created before a time; returns how many were removed."""
        with self._write() as conn, conn.begin():
            return conn.execute(
                delete(t.statuses).where(t.statuses.c.created < created_before)
            ).rowcount
