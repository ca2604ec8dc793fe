"""Administration in the store, on SQLite and PostgreSQL: API roots, collections, accounts,
tokens, grants, statuses, the hub secret, migrations and credentials."""

import hashlib
import hmac
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic import command
from argon2 import PasswordHasher, Type
from sqlalchemy import text
from sqlalchemy.engine import make_url

from stixhub.store import (
    TOKEN_ID_LENGTH,
    AlreadyExists,
    AmbiguousName,
    ApiRoot,
    DatabaseNotReady,
    InvalidName,
    NotFound,
    Rights,
    SqlStore,
    StatusRecord,
    _credentials,
    hash_password,
    hash_token,
    make_engine,
    migrate,
    new_token,
    resolve_collection,
    verify_password,
)
from stixhub.store._credentials import TOKEN_PREFIX
from stixhub.store._names import check_account_name, check_api_root_name
from stixhub.store._sql import _schema
from stixhub.store._sql._engine import WRITE, _alembic_config
from tests.conftest import POSTGRES_URL, copy_sqlite_template

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
START = 1_700_000_000_000_000
UUID4 = "2a3c40c5-d5eb-47eb-aa4e-e01013ef0a2d"


class Clock:
    """A clock that advances by ``step`` microseconds per call."""

    def __init__(self, step: int) -> None:
        self.now = START
        self.step = step
        self._lock = threading.Lock()

    def __call__(self) -> int:
        with self._lock:
            self.now += self.step
            return self.now


@pytest.fixture(scope="session")
def postgres_emptier(postgres_base_url: str) -> Iterator[Callable[[], None]]:
    """Empties every table of the PostgreSQL test schema over one kept connection pool.

    DELETE is much cheaper than TRUNCATE on tables this small, and ids need not restart.
    """
    engine = make_engine(postgres_base_url, pool_size=1, max_overflow=0)

    def empty() -> None:
        with engine.begin() as conn:
            for table in reversed(_schema.metadata.sorted_tables):
                conn.execute(table.delete())

    yield empty
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated, empty database: a copy of the SQLite template, or the emptied PostgreSQL
    test schema."""
    if request.param == "sqlite":
        return copy_sqlite_template(sqlite_template, tmp_path)
    base: str = request.getfixturevalue("postgres_base_url")
    request.getfixturevalue("postgres_emptier")()
    return base


@pytest.fixture
def ticking(db_url: str) -> Iterator[SqlStore]:
    """A store whose clock advances one microsecond per call."""
    s = SqlStore(make_engine(db_url), clock=Clock(step=1))
    yield s
    s.close()


@pytest.fixture
def still(db_url: str) -> Iterator[SqlStore]:
    """A store whose clock stands still."""
    s = SqlStore(make_engine(db_url), clock=Clock(step=0))
    yield s
    s.close()


@pytest.fixture
def root(store: SqlStore) -> str:
    """An API root ``api1`` in the store."""
    store.create_api_root("api1", "API 1")
    return "api1"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def blank_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no stixhub schema at all: a new SQLite file, or a new PostgreSQL
    schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    request.getfixturevalue("postgres_base_url")
    assert POSTGRES_URL is not None
    schema = f"stixhub_blank_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- names ----------------------------------------------------------------------------------


class TestNameRules:
    """The rules for API root and account names, without a database."""

    @pytest.mark.parametrize("name", ["a", "api1", "A_b-9", "x" * 100, "Taxii2x", "ui2"])
    def test_good_api_root_names(self, name: str) -> None:
        """One URL segment of 1 to 100 letters, digits, '-' and '_' is a valid API root name."""
        check_api_root_name(name)

    @pytest.mark.parametrize(
        "name",
        ["", "a.b", "-a", "_a", "a/b", "a b", "x" * 101, "caf\u00e9", "a\n", "a%20", "..", "a:b"],
    )
    def test_bad_api_root_names(self, name: str) -> None:
        """Dots, slashes, spaces, non-ASCII, a leading '-' or '_' and over 100 characters are
        refused."""
        with pytest.raises(InvalidName):
            check_api_root_name(name)

    @pytest.mark.parametrize("name", ["taxii2", "TAXII2", "ui", "UI", "static", "Static", "health"])
    def test_reserved_api_root_names(self, name: str) -> None:
        """Path segments the server uses itself are reserved, in any case."""
        with pytest.raises(InvalidName, match="reserved"):
            check_api_root_name(name)

    @pytest.mark.parametrize(
        "name", ["alice", "a", "svc.sync@cert-nl", "A_b-9.c@d", "x" * 100, "9lives"]
    )
    def test_good_account_names(self, name: str) -> None:
        """Letters, digits, '.', '@', '-' and '_' up to 100 characters make an account name."""
        check_account_name(name)

    @pytest.mark.parametrize(
        "name", ["", "a:b", "a b", ".alice", "@alice", "-alice", "x" * 101, "j\u00fcrgen", "a\n"]
    )
    def test_bad_account_names(self, name: str) -> None:
        """A ':' (unusable in HTTP Basic), spaces, non-ASCII or a leading symbol is refused."""
        with pytest.raises(InvalidName):
            check_account_name(name)


# --- API roots ------------------------------------------------------------------------------


class TestApiRoots:
    """Creating, reading and listing API roots."""

    def test_create_and_get(self, store: SqlStore) -> None:
        """An API root comes back with the title, description and size limit it was given."""
        made = store.create_api_root("api1", "API 1", "first", max_content_length=1234)
        assert made == ApiRoot("api1", "API 1", "first", 1234)
        assert store.get_api_root("api1") == made

    def test_defaults(self, store: SqlStore) -> None:
        """Without options an API root has no description and a 10 MiB limit."""
        assert store.create_api_root("api1", "T") == ApiRoot("api1", "T", None, 10 * 1024 * 1024)

    @pytest.mark.parametrize("name", ["a.b", "", "taxii2", "Health", "x" * 101])
    def test_bad_names_refused_by_store(self, store: SqlStore, name: str) -> None:
        """The store refuses invalid and reserved names and stores nothing."""
        with pytest.raises(InvalidName):
            store.create_api_root(name, "T")
        assert store.list_api_roots() == []

    def test_longest_name_stored(self, store: SqlStore) -> None:
        """A 100-character name fits the column on both backends."""
        store.create_api_root("x" * 100, "T")
        assert store.get_api_root("x" * 100).name == "x" * 100

    @pytest.mark.parametrize("size", [0, -1, 2**53])
    def test_max_content_length_must_be_positive(self, store: SqlStore, size: int) -> None:
        """A max_content_length below 1 or beyond TAXII's 2^53-1 (section 2) is refused."""
        with pytest.raises(InvalidName, match="max_content_length"):
            store.create_api_root("api1", "T", max_content_length=size)

    def test_max_content_length_of_one_accepted(self, store: SqlStore) -> None:
        """The smallest positive max_content_length is accepted."""
        assert store.create_api_root("api1", "T", max_content_length=1).max_content_length == 1

    def test_duplicate_refused(self, store: SqlStore) -> None:
        """4.2: an API root URL is unique: a second root of that name is refused, the first kept."""
        store.create_api_root("api1", "First")
        with pytest.raises(AlreadyExists):
            store.create_api_root("api1", "Second")
        assert store.get_api_root("api1").title == "First"

    def test_unknown_not_found(self, store: SqlStore) -> None:
        """Reading an API root that does not exist raises NotFound."""
        with pytest.raises(NotFound):
            store.get_api_root("nope")

    def test_list_in_creation_order(self, ticking: SqlStore) -> None:
        """API roots are listed in the order they were created, not by name."""
        for name in ("zeta", "alpha", "mid"):
            ticking.create_api_root(name, name.title())
        assert [r.name for r in ticking.list_api_roots()] == ["zeta", "alpha", "mid"]

    def test_list_stable_within_one_instant(self, still: SqlStore) -> None:
        """API roots created in the same microsecond are listed in one stable order."""
        for name in ("zeta", "alpha", "mid"):
            still.create_api_root(name, name.title())
        first = still.list_api_roots()
        assert [r.name for r in first] == ["alpha", "mid", "zeta"]
        assert still.list_api_roots() == first


# --- collections ----------------------------------------------------------------------------


class TestCollections:
    """Creating, finding and listing collections."""

    def test_generated_id_is_uuid4(self, store: SqlStore, root: str) -> None:
        """Without an id, a collection gets a new lower-case UUIDv4."""
        made = store.create_collection(root, "Intel")
        assert uuid.UUID(made.id).version == 4
        assert made.id == made.id.lower()

    def test_round_trip_of_every_field(self, store: SqlStore, root: str) -> None:
        """A collection reads back exactly as it was created."""
        made = store.create_collection(
            root,
            "Intel",
            description="shared",
            collection_id=UUID4,
            alias="intel",
            public_read=True,
            media_types=(
                "application/stix+json;version=2.1",
                "application/stix+json;version=2.0",
            ),
        )
        assert store.get_collection(root, UUID4) == made
        assert store.find_collection(UUID4) == made
        assert made.api_root == root
        assert made.public_read is True
        assert made.media_types == (
            "application/stix+json;version=2.1",
            "application/stix+json;version=2.0",
        )

    @pytest.mark.parametrize("media_types", [(), ("",), ("application/stix+json", " ")])
    def test_empty_media_types_refused(
        self, store: SqlStore, root: str, media_types: tuple[str, ...]
    ) -> None:
        """A collection needs at least one media type and no empty one (TAXII 5.2.1)."""
        with pytest.raises(InvalidName, match="media type"):
            store.create_collection(root, "Intel", media_types=media_types)

    def test_upper_case_uuid_normalised(self, store: SqlStore, root: str) -> None:
        """An upper-case UUIDv4 is accepted and stored in lower case."""
        made = store.create_collection(root, "Intel", collection_id=UUID4.upper())
        assert made.id == UUID4
        assert store.get_collection(root, UUID4).id == UUID4

    @pytest.mark.parametrize(
        "bad",
        [
            "not-a-uuid",
            "",
            str(uuid.uuid1()),
            "00000000-0000-0000-0000-000000000000",
            "2a3c40c5-d5eb-47eb-0a4e-e01013ef0a2d",  # version 4 digit, but NCS variant
            "2a3c40c5-d5eb-37eb-aa4e-e01013ef0a2d",  # version 3
            UUID4.replace("-", ""),
            "{" + UUID4 + "}",
            "urn:uuid:" + UUID4,
        ],
    )
    def test_id_must_be_uuid4(self, store: SqlStore, root: str, bad: str) -> None:
        """Ids that are not a UUIDv4 in canonical text form are refused."""
        with pytest.raises(InvalidName):
            store.create_collection(root, "Intel", collection_id=bad)
        assert store.list_collections(root) == []

    def test_unknown_api_root(self, store: SqlStore) -> None:
        """A collection in an API root that does not exist is refused with NotFound."""
        with pytest.raises(NotFound):
            store.create_collection("nope", "Intel")

    @pytest.mark.parametrize("title", ["", "   "])
    def test_title_required(self, store: SqlStore, root: str, title: str) -> None:
        """An empty or blank title is refused."""
        with pytest.raises(InvalidName):
            store.create_collection(root, title)

    def test_duplicate_id_refused_across_api_roots(self, store: SqlStore, root: str) -> None:
        """A collection id is unique in the whole hub, not only in its API root."""
        store.create_api_root("api2", "API 2")
        store.create_collection(root, "Intel", collection_id=UUID4)
        with pytest.raises(AlreadyExists):
            store.create_collection("api2", "Other", collection_id=UUID4)

    def test_duplicate_title_refused_in_one_api_root(self, store: SqlStore, root: str) -> None:
        """Two collections of one API root cannot share a title; another API root can."""
        store.create_api_root("api2", "API 2")
        store.create_collection(root, "Intel")
        with pytest.raises(AlreadyExists):
            store.create_collection(root, "Intel")
        assert store.create_collection("api2", "Intel").title == "Intel"

    def test_duplicate_alias_refused_in_one_api_root(self, store: SqlStore, root: str) -> None:
        """5.2.1: an alias is unique within its API root; another API root may reuse it."""
        store.create_api_root("api2", "API 2")
        store.create_collection(root, "A", alias="intel")
        with pytest.raises(AlreadyExists):
            store.create_collection(root, "B", alias="intel")
        assert store.create_collection("api2", "B", alias="intel").alias == "intel"

    def test_alias_cannot_be_another_collections_id(self, store: SqlStore, root: str) -> None:
        """An alias equal to the id of another collection in the API root is refused."""
        store.create_collection(root, "A", collection_id=UUID4)
        with pytest.raises(AlreadyExists):
            store.create_collection(root, "B", alias=UUID4)

    def test_id_cannot_be_another_collections_alias(self, store: SqlStore, root: str) -> None:
        """A new id equal to an existing alias in the API root is refused."""
        store.create_collection(root, "A", alias=UUID4)
        with pytest.raises(AlreadyExists):
            store.create_collection(root, "B", collection_id=UUID4)

    def test_alias_cannot_be_own_id(self, store: SqlStore, root: str) -> None:
        """An alias equal to the collection's own id is refused."""
        with pytest.raises(InvalidName):
            store.create_collection(root, "A", collection_id=UUID4, alias=UUID4)

    def test_several_collections_without_alias(self, store: SqlStore, root: str) -> None:
        """Collections without an alias do not clash with each other."""
        for title in ("A", "B", "C"):
            store.create_collection(root, title)
        assert len(store.list_collections(root)) == 3

    def test_lookup_by_alias_and_id(self, store: SqlStore, root: str) -> None:
        """A collection is found by its id and by its alias, only in its own API root."""
        store.create_api_root("api2", "API 2")
        made = store.create_collection(root, "Intel", collection_id=UUID4, alias="intel")
        assert store.get_collection(root, "intel") == made
        assert store.get_collection(root, UUID4) == made
        with pytest.raises(NotFound):
            store.get_collection("api2", "intel")
        with pytest.raises(NotFound):
            store.get_collection("api2", UUID4)
        with pytest.raises(NotFound):
            store.get_collection(root, "other")

    def test_find_by_id_only(self, store: SqlStore, root: str) -> None:
        """find_collection finds by id in any API root, and not by alias."""
        made = store.create_collection(root, "Intel", collection_id=UUID4, alias="intel")
        assert store.find_collection(UUID4) == made
        with pytest.raises(NotFound):
            store.find_collection("intel")

    def test_list_in_creation_order(self, ticking: SqlStore) -> None:
        """Collections are listed in the order they were created."""
        ticking.create_api_root("api1", "API")
        made = [ticking.create_collection("api1", t).id for t in ("Z", "A", "M", "B")]
        assert [c.id for c in ticking.list_collections("api1")] == made

    def test_list_stable_within_one_instant(self, still: SqlStore) -> None:
        """Collections created in the same microsecond are listed in one stable order."""
        still.create_api_root("api1", "API")
        made = [still.create_collection("api1", t).id for t in ("Z", "A", "M", "B")]
        listed = [c.id for c in still.list_collections("api1")]
        assert listed == sorted(made)
        assert [c.id for c in still.list_collections("api1")] == listed

    def test_list_only_own_api_root(self, store: SqlStore, root: str) -> None:
        """Listing an API root's collections leaves out other API roots' collections."""
        store.create_api_root("api2", "API 2")
        store.create_collection(root, "A")
        store.create_collection("api2", "B")
        assert [c.title for c in store.list_collections(root)] == ["A"]
        assert store.list_collections("none") == []


# --- accounts, tokens, grants ---------------------------------------------------------------


class TestAccounts:
    """Accounts and their password hashes."""

    def test_create_and_get(self, store: SqlStore) -> None:
        """An account reads back with its id and password hash."""
        made = store.create_account("alice", "hash-a")
        assert made.name == "alice"
        assert store.get_account("alice") == made

    def test_token_only_account(self, store: SqlStore) -> None:
        """An account may have no password hash."""
        assert store.create_account("svc").password_hash is None

    @pytest.mark.parametrize("name", ["a:b", "", "a b", "x" * 101])
    def test_bad_names_refused(self, store: SqlStore, name: str) -> None:
        """The store refuses account names that break the rules."""
        with pytest.raises(InvalidName):
            store.create_account(name)

    def test_duplicate_refused(self, store: SqlStore) -> None:
        """A second account with the same name is refused and the first keeps its hash."""
        store.create_account("alice", "first")
        with pytest.raises(AlreadyExists):
            store.create_account("alice", "second")
        assert store.get_account("alice").password_hash == "first"

    def test_unknown_not_found(self, store: SqlStore) -> None:
        """Reading an unknown account raises NotFound."""
        with pytest.raises(NotFound):
            store.get_account("nobody")

    def test_ids_distinct(self, store: SqlStore) -> None:
        """Each account gets its own id."""
        ids = {store.create_account(n).id for n in ("a", "b", "c")}
        assert len(ids) == 3

    def test_set_password_replaces_and_removes(self, store: SqlStore) -> None:
        """set_password replaces the hash, and None removes it."""
        store.create_account("alice", "old")
        store.set_password("alice", "new")
        assert store.get_account("alice").password_hash == "new"
        store.set_password("alice", None)
        assert store.get_account("alice").password_hash is None

    def test_set_password_of_unknown_account(self, store: SqlStore) -> None:
        """Setting the password of an unknown account raises NotFound."""
        with pytest.raises(NotFound):
            store.set_password("nobody", "x")


class TestTokens:
    """API tokens are stored and found by their keyed hash."""

    def test_lookup_by_hash(self, store: SqlStore) -> None:
        """A stored token hash finds its account; an unknown hash finds none."""
        alice = store.create_account("alice")
        store.create_account("bob")
        key = store.secret_key()
        token = new_token()
        store.add_token("alice", hash_token(key, token), label="laptop")
        assert store.account_for_token(hash_token(key, token)) == alice
        assert store.account_for_token(hash_token(key, new_token())) is None
        assert store.account_for_token(hash_token(b"other key", token)) is None

    def test_several_tokens_per_account(self, store: SqlStore) -> None:
        """An account may hold several tokens, each finding it."""
        alice = store.create_account("alice")
        hashes = [hash_token(b"k" * 32, new_token()) for _ in range(3)]
        for h in hashes:
            store.add_token("alice", h)
        assert [store.account_for_token(h) for h in hashes] == [alice] * 3

    def test_tokens_of_different_accounts(self, store: SqlStore) -> None:
        """Each token finds its own account."""
        alice, bob = store.create_account("alice"), store.create_account("bob")
        store.add_token("alice", "a" * 64)
        store.add_token("bob", "b" * 64)
        assert store.account_for_token("a" * 64) == alice
        assert store.account_for_token("b" * 64) == bob

    def test_token_for_unknown_account(self, store: SqlStore) -> None:
        """A token for an unknown account is refused with NotFound."""
        with pytest.raises(NotFound):
            store.add_token("nobody", "a" * 64)


class TestGrants:
    """Rights of accounts in collections."""

    def test_grant_and_read_rights(self, store: SqlStore, root: str) -> None:
        """Granted rights are reported by collection id."""
        alice = store.create_account("alice")
        a = store.create_collection(root, "A").id
        b = store.create_collection(root, "B").id
        store.grant("alice", a, can_read=True, can_write=False)
        store.grant("alice", b, can_read=True, can_write=True)
        assert store.rights(alice.id) == {a: Rights(True, False), b: Rights(True, True)}

    def test_grant_replaces(self, store: SqlStore, root: str) -> None:
        """A new grant in a collection replaces the old one instead of adding to it."""
        alice = store.create_account("alice")
        cid = store.create_collection(root, "A").id
        store.grant("alice", cid, can_read=True, can_write=False)
        store.grant("alice", cid, can_read=False, can_write=True)
        assert store.rights(alice.id) == {cid: Rights(False, True)}

    def test_grant_of_nothing_revokes(self, store: SqlStore, root: str) -> None:
        """Granting neither read nor write removes the account's rights there."""
        alice = store.create_account("alice")
        cid = store.create_collection(root, "A").id
        store.grant("alice", cid, can_read=True, can_write=True)
        store.grant("alice", cid, can_read=False, can_write=False)
        assert store.rights(alice.id) == {}

    def test_rights_are_per_account(self, store: SqlStore, root: str) -> None:
        """A grant to one account gives nothing to another."""
        store.create_account("alice")
        bob = store.create_account("bob")
        cid = store.create_collection(root, "A").id
        store.grant("alice", cid, can_read=True, can_write=True)
        assert store.rights(bob.id) == {}

    def test_grant_to_unknown_account_or_collection(self, store: SqlStore, root: str) -> None:
        """Granting to an unknown account or in an unknown collection raises NotFound."""
        store.create_account("alice")
        cid = store.create_collection(root, "A").id
        with pytest.raises(NotFound):
            store.grant("nobody", cid, can_read=True, can_write=False)
        with pytest.raises(NotFound):
            store.grant("alice", UUID4, can_read=True, can_write=False)

    def test_collection_access_in_one_lookup(self, store: SqlStore, root: str) -> None:
        """get_collection_access returns the collection with the account's own rights."""
        alice = store.create_account("alice")
        bob = store.create_account("bob")
        made = store.create_collection(root, "A", alias="a")
        store.grant("alice", made.id, can_read=True, can_write=False)
        assert store.get_collection_access(root, "a", alice.id) == (made, Rights(True, False))
        assert store.get_collection_access(root, made.id, bob.id) == (made, Rights())
        assert store.get_collection_access(root, "a", None) == (made, Rights())
        with pytest.raises(NotFound):
            store.get_collection_access(root, "b", alice.id)


# --- statuses -------------------------------------------------------------------------------


class TestStatuses:
    """Status resources are kept, fetched and purged."""

    def record(self, n: int, created: int, api_root: str = "api1") -> StatusRecord:
        """A status record with a distinct id and body."""
        return StatusRecord(f"{n:08d}-0000-4000-8000-000000000000", api_root, None, created,
                            b'{"status":"complete","n":%d}' % n)  # fmt: skip

    def test_save_and_get(self, store: SqlStore) -> None:
        """A saved status reads back byte for byte."""
        alice = store.create_account("alice")
        rec = StatusRecord(str(uuid.uuid4()), "api1", alice.id, START, b'{"id":"x","\xc3\xa9":1}')
        store.save_status(rec)
        assert store.get_status("api1", rec.id) == rec

    def test_other_api_root_not_found(self, store: SqlStore) -> None:
        """A status is found only in the API root it belongs to."""
        rec = self.record(1, START)
        store.save_status(rec)
        with pytest.raises(NotFound):
            store.get_status("api2", rec.id)

    def test_unknown_not_found(self, store: SqlStore) -> None:
        """An unknown status id raises NotFound."""
        with pytest.raises(NotFound):
            store.get_status("api1", str(uuid.uuid4()))

    def test_purge_before(self, store: SqlStore) -> None:
        """Purging removes exactly the statuses created before the time, and counts them."""
        for n, created in enumerate((START - 2, START - 1, START, START + 1)):
            store.save_status(self.record(n, created))
        assert store.purge_statuses(START) == 2
        for n in (0, 1):
            with pytest.raises(NotFound):
                store.get_status("api1", self.record(n, 0).id)
        for n in (2, 3):
            assert store.get_status("api1", self.record(n, 0).id).created in (START, START + 1)
        assert store.purge_statuses(START) == 0


# --- secret key -----------------------------------------------------------------------------


class TestSecretKey:
    """The hub's secret key lives in the database and is shared by every process."""

    def test_stable(self, store: SqlStore) -> None:
        """The key is 32 random bytes and the same on every call."""
        key = store.secret_key()
        assert len(key) == 32
        assert store.secret_key() == key

    def test_shared_between_stores(self, db_url: str, store: SqlStore) -> None:
        """A second store on the same database sees the same key."""
        key = store.secret_key()
        other = SqlStore(make_engine(db_url))
        try:
            assert other.secret_key() == key
        finally:
            other.close()

    def test_different_databases_differ(self, store: SqlStore, tmp_path: Path) -> None:
        """Two databases make two different keys."""
        url = f"sqlite:///{tmp_path / 'other.db'}"
        engine = make_engine(url)
        migrate(engine)
        other = SqlStore(engine)
        try:
            assert other.secret_key() != store.secret_key()
        finally:
            other.close()

    def test_concurrent_first_use_agrees(self, db_url: str) -> None:
        """Several processes asking for the key at once all get the same one."""
        stores = [SqlStore(make_engine(db_url)) for _ in range(4)]
        barrier = threading.Barrier(len(stores))

        def ask(s: SqlStore) -> bytes:
            barrier.wait()
            return s.secret_key()

        try:
            with ThreadPoolExecutor(max_workers=len(stores)) as pool:
                keys = list(pool.map(ask, stores))
        finally:
            for s in stores:
                s.close()
        assert len(set(keys)) == 1


# --- migrations and engines -----------------------------------------------------------------


class TestMigrations:
    """migrate creates the schema; a store refuses a database without the current schema."""

    def test_unmigrated_database_refused(self, blank_url: str) -> None:
        """SqlStore on a database without the schema raises DatabaseNotReady naming
        'stixhub init'."""
        engine = make_engine(blank_url)
        try:
            with pytest.raises(DatabaseNotReady, match="stixhub init") as info:
                SqlStore(engine)
            assert "no stixhub schema" in str(info.value)
        finally:
            engine.dispose()

    def test_migrate_is_idempotent(self, blank_url: str) -> None:
        """migrate twice reaches the same head revision and keeps the data."""
        engine = make_engine(blank_url)
        try:
            head = migrate(engine)
            assert head
            store = SqlStore(engine)
            store.create_api_root("api1", "API 1")
            key = store.secret_key()
            assert migrate(engine) == head
            store = SqlStore(engine)
            assert store.get_api_root("api1").title == "API 1"
            assert store.secret_key() == key
        finally:
            engine.dispose()

    def test_older_revision_refused_then_upgraded(self, blank_url: str) -> None:
        """A database at the first revision is refused, and migrate brings it to the head."""
        engine = make_engine(blank_url)
        try:
            with engine.connect().execution_options(**{WRITE: True}) as conn:
                command.upgrade(_alembic_config(conn), "0001")
                conn.commit()
            with pytest.raises(DatabaseNotReady, match=r"revision 0001.*stixhub init"):
                SqlStore(engine)
            migrate(engine)
            store = SqlStore(engine)
            store.create_api_root("api1", "API 1")
            assert store.create_collection("api1", "Intel").title == "Intel"
        finally:
            engine.dispose()

    def test_unsupported_database_refused(self) -> None:
        """A URL of another database kind is refused with DatabaseNotReady."""
        with pytest.raises(DatabaseNotReady, match="unsupported"):
            make_engine("mysql://user@localhost/db")

    def test_plain_postgresql_url_uses_psycopg(self) -> None:
        """A postgresql:// URL is served by the psycopg 3 driver (no connection is made)."""
        engine = make_engine("postgresql://user@localhost/db")
        try:
            assert engine.dialect.driver == "psycopg"
        finally:
            engine.dispose()

    def test_sqlite_parent_folder_created(self, tmp_path: Path) -> None:
        """A SQLite file in a folder that does not exist yet gets its folder."""
        engine = make_engine(f"sqlite:///{tmp_path / 'a' / 'b' / 'hub.db'}")
        try:
            migrate(engine)
            assert (tmp_path / "a" / "b" / "hub.db").exists()
        finally:
            engine.dispose()


# --- credentials ----------------------------------------------------------------------------


class TestPasswords:
    """Password hashing and verification with argon2id."""

    def test_hash_is_argon2id_and_verifies(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A new hash is argon2id and verifies the password only (at a cheap cost here)."""
        assert _credentials._hasher.type is Type.ID
        monkeypatch.setattr(_credentials, "_hasher", CHEAP)
        h = hash_password("correct horse")
        assert h.startswith("$argon2id$")
        assert verify_password(h, "correct horse")
        assert not verify_password(h, "wrong horse")

    def test_cheap_hash_verifies(self) -> None:
        """Hashes made with other argon2 parameters verify by their own parameters."""
        h = CHEAP.hash("s3cret")
        assert verify_password(h, "s3cret") is True
        assert verify_password(h, "s3cret ") is False
        assert verify_password(h, "") is False

    def test_salted(self) -> None:
        """Two hashes of one password differ."""
        assert CHEAP.hash("pw") != CHEAP.hash("pw")

    @pytest.mark.parametrize(
        "bad", ["", "not-a-hash", "$argon2id$v=19$garbage", "$2b$12$abcdefghijklmnopqrstuv"]
    )
    def test_bad_hash_is_false(self, bad: str) -> None:
        """A malformed stored hash verifies nothing instead of raising."""
        assert verify_password(bad, "pw") is False


class TestApiTokens:
    """API tokens and their keyed hashes."""

    def test_prefix_and_length(self) -> None:
        """A token is the public prefix and 43 URL-safe characters (256 bits)."""
        token = new_token()
        assert token.startswith(TOKEN_PREFIX)
        assert TOKEN_PREFIX == "sth_"
        assert re.fullmatch(r"sth_[A-Za-z0-9_-]{43}", token)

    def test_unique(self) -> None:
        """Tokens do not repeat."""
        assert len({new_token() for _ in range(500)}) == 500

    def test_hash_is_hmac_sha256(self) -> None:
        """The stored hash is HMAC-SHA256 of the token under the key, in hex."""
        key, token = b"k" * 32, "sth_abc"
        expected = hmac.new(key, token.encode(), hashlib.sha256).hexdigest()
        assert hash_token(key, token) == expected
        assert re.fullmatch(r"[0-9a-f]{64}", expected)

    def test_hash_depends_on_key_and_token(self) -> None:
        """The same token under another key, or another token, hashes differently."""
        token = new_token()
        assert hash_token(b"a" * 32, token) == hash_token(b"a" * 32, token)
        assert hash_token(b"a" * 32, token) != hash_token(b"b" * 32, token)
        assert hash_token(b"a" * 32, token) != hash_token(b"a" * 32, new_token())


class TestAccountAdministration:
    """Listing and deleting accounts."""

    def test_list_shows_counts_and_no_secret(self, store: SqlStore, root: str) -> None:
        """Accounts list by name with password presence, token and grant counts, identity."""
        store.create_account("svc")
        store.create_account("alice", "hash-a")
        cid = store.create_collection(root, "A").id
        store.add_token("alice", "a" * 64, "laptop")
        store.add_token("alice", "b" * 64)
        store.grant("alice", cid, can_read=True, can_write=False)
        listed = store.list_accounts()
        assert [a.name for a in listed] == ["alice", "svc"]
        alice, svc = listed
        assert (alice.has_password, alice.tokens, alice.grants) == (True, 2, 1)
        assert (svc.has_password, svc.tokens, svc.grants, svc.identity_ref) == (False, 0, 0, None)
        assert "hash-a" not in repr(listed)

    def test_delete_removes_tokens_grants_and_statuses(self, store: SqlStore, root: str) -> None:
        """A deleted account is gone with its tokens, rights and statuses; others keep theirs."""
        alice, bob = store.create_account("alice"), store.create_account("bob")
        cid = store.create_collection(root, "A").id
        store.add_token("alice", "a" * 64)
        store.add_token("bob", "b" * 64)
        store.grant("alice", cid, can_read=True, can_write=True)
        store.grant("bob", cid, can_read=True, can_write=False)
        status = StatusRecord(str(uuid.uuid4()), root, alice.id, START, b"{}")
        store.save_status(status)
        store.delete_account("alice")
        with pytest.raises(NotFound):
            store.get_account("alice")
        assert store.account_for_token("a" * 64) is None
        assert store.rights(alice.id) == {}
        with pytest.raises(NotFound):
            store.get_status(root, status.id)
        assert store.account_for_token("b" * 64) == bob
        assert store.rights(bob.id) == {cid: Rights(True, False)}
        assert [a.name for a in store.list_accounts()] == ["bob"]

    def test_delete_unknown(self, store: SqlStore) -> None:
        """Deleting an account that does not exist raises NotFound."""
        with pytest.raises(NotFound):
            store.delete_account("nobody")

    def test_deleted_id_is_never_given_again(self, store: SqlStore) -> None:
        """A new account never takes the id of a deleted one, even the highest."""
        store.create_account("a")
        last = store.create_account("b")
        store.delete_account("b")
        again = store.create_account("b")
        assert again.id > last.id
        store.delete_account("b")
        store.delete_account("a")
        assert store.create_account("c").id > again.id

    def test_name_free_again_after_delete(self, store: SqlStore) -> None:
        """A deleted account's name can be used for a new account, which starts empty."""
        store.create_account("alice", "old")
        store.add_token("alice", "a" * 64)
        store.delete_account("alice")
        store.create_account("alice")
        assert store.list_tokens("alice") == []
        assert store.account_for_token("a" * 64) is None


class TestTokenAdministration:
    """Listing and revoking API tokens."""

    def test_list_shows_hash_prefix_not_token(self, store: SqlStore) -> None:
        """A token lists with its label and the first hex digits of its hash as id."""
        store.create_account("alice")
        store.create_account("bob")
        key = store.secret_key()
        token = new_token()
        store.add_token("alice", hash_token(key, token), "laptop")
        store.add_token("bob", "b" * 64)
        (listed,) = store.list_tokens("alice")
        assert listed.id == hash_token(key, token)[:TOKEN_ID_LENGTH]
        assert (listed.account, listed.label) == ("alice", "laptop")
        assert token not in repr(listed)
        assert [k.account for k in store.list_tokens()] == ["alice", "bob"]

    def test_list_of_unknown_account(self, store: SqlStore) -> None:
        """Listing the tokens of an unknown account raises NotFound."""
        with pytest.raises(NotFound):
            store.list_tokens("nobody")

    def test_revoke_by_id(self, store: SqlStore) -> None:
        """Revoking by id removes that token only, and the account stays."""
        alice = store.create_account("alice")
        store.add_token("alice", "a" * 64)
        store.add_token("alice", "b" * 64)
        assert store.revoke_tokens("alice", token_id="A" * TOKEN_ID_LENGTH) == 1
        assert store.account_for_token("a" * 64) is None
        assert store.account_for_token("b" * 64) == alice

    def test_revoke_by_label(self, store: SqlStore) -> None:
        """Revoking by label removes every token of the account with that label."""
        store.create_account("alice")
        store.create_account("bob")
        store.add_token("alice", "a" * 64, "ci")
        store.add_token("alice", "b" * 64, "ci")
        store.add_token("alice", "c" * 64, "laptop")
        store.add_token("bob", "d" * 64, "ci")
        assert store.revoke_tokens("alice", label="ci") == 2
        assert [k.label for k in store.list_tokens()] == ["laptop", "ci"]

    def test_revoke_all(self, store: SqlStore) -> None:
        """Without label or id every token of the account goes, no other account's."""
        store.create_account("alice")
        store.create_account("bob")
        store.add_token("alice", "a" * 64)
        store.add_token("alice", "b" * 64)
        store.add_token("bob", "c" * 64)
        assert store.revoke_tokens("alice") == 2
        assert [k.account for k in store.list_tokens()] == ["bob"]

    def test_id_of_two_tokens_revokes_none(self, store: SqlStore) -> None:
        """An id that fits two tokens is ambiguous and revokes neither; more digits do."""
        store.create_account("alice")
        store.add_token("alice", "ab" * 4 + "0" * 56)
        store.add_token("alice", "ab" * 4 + "1" * 56)
        with pytest.raises(AmbiguousName, match="give more digits"):
            store.revoke_tokens("alice", token_id="ab" * 4)
        assert len(store.list_tokens("alice")) == 2
        assert store.revoke_tokens("alice", token_id="ab" * 4 + "1") == 1

    @pytest.mark.parametrize("bad", ["abc", "zzzzzzzz", "a%aaaaaa", "a_aaaaaa"])
    def test_malformed_id(self, store: SqlStore, bad: str) -> None:
        """An id that is not at least eight hex digits is refused, and nothing revoked."""
        store.create_account("alice")
        store.add_token("alice", "a" * 64)
        with pytest.raises(InvalidName):
            store.revoke_tokens("alice", token_id=bad)
        assert len(store.list_tokens("alice")) == 1

    def test_nothing_to_revoke(self, store: SqlStore) -> None:
        """A label, id or account without a matching token is NotFound."""
        store.create_account("alice")
        store.add_token("alice", "a" * 64, "ci")
        for kwargs in ({"label": "laptop"}, {"token_id": "b" * 8}):
            with pytest.raises(NotFound):
                store.revoke_tokens("alice", **kwargs)
        with pytest.raises(NotFound):
            store.revoke_tokens("nobody")
        store.create_account("empty")
        with pytest.raises(NotFound, match="no token at all"):
            store.revoke_tokens("empty")


class TestResolveCollection:
    """One resolver for the collection names operators type."""

    @pytest.fixture
    def two_roots(self, store: SqlStore) -> dict[str, str]:
        """api1 and api2 each with an 'Indicators' titled collection, aliases alike and not."""
        store.create_api_root("api1", "API 1")
        store.create_api_root("api2", "API 2")
        return {
            "one": store.create_collection("api1", "Indicators", alias="indicators").id,
            "two": store.create_collection("api2", "Indicators", alias="feed").id,
            "three": store.create_collection("api2", "Reports", alias="indicators-2").id,
        }

    def test_by_id_alias_title(self, store: SqlStore, two_roots: dict[str, str]) -> None:
        """An id (any case), a unique alias or a unique title finds its collection."""
        assert resolve_collection(store, two_roots["one"].upper()).id == two_roots["one"]
        assert resolve_collection(store, "indicators").id == two_roots["one"]
        assert resolve_collection(store, "feed").id == two_roots["two"]
        assert resolve_collection(store, "Reports").id == two_roots["three"]

    def test_ambiguous_title_lists_candidates(
        self, store: SqlStore, two_roots: dict[str, str]
    ) -> None:
        """A title used in two API roots is ambiguous; the error names both collections."""
        with pytest.raises(AmbiguousName) as caught:
            resolve_collection(store, "Indicators")
        assert f"api1/{two_roots['one']}" in str(caught.value)
        assert f"api2/{two_roots['two']}" in str(caught.value)

    def test_api_root_prefix(self, store: SqlStore, two_roots: dict[str, str]) -> None:
        """API_ROOT/NAME picks within one API root, by id, alias or title."""
        assert resolve_collection(store, "api2/Indicators").id == two_roots["two"]
        assert resolve_collection(store, "api1/Indicators").id == two_roots["one"]
        assert resolve_collection(store, f"api2/{two_roots['three']}").id == two_roots["three"]
        with pytest.raises(NotFound, match="in API root 'api1'"):
            resolve_collection(store, "api1/feed")
        with pytest.raises(NotFound, match="'api3'"):
            resolve_collection(store, "api3/feed")

    def test_alias_before_title(self, store: SqlStore, root: str) -> None:
        """A name that is one collection's alias and another's title means the alias."""
        aliased = store.create_collection(root, "Alpha", alias="Beta").id
        store.create_collection(root, "Beta")
        assert resolve_collection(store, "Beta").id == aliased

    def test_unknown(self, store: SqlStore, root: str) -> None:
        """A name that fits nothing is NotFound."""
        store.create_collection(root, "Alpha")
        with pytest.raises(NotFound, match="no collection with id, alias or title 'Gamma'"):
            resolve_collection(store, "Gamma")
