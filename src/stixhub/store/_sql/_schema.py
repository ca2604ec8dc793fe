"""The database schema, described once with SQLAlchemy Core.

Migrations under ``stixhub/store/migrations`` create and change these tables; this module is
what queries are written against. Times are BIGINT microseconds since the epoch, UTC.

``objects`` keeps one row per stored version. The flags ``in_latest_spec``, ``is_first`` and
``is_last`` answer TAXII's default filters (newest spec_version, then first/last version) with
an index scan instead of a per-row subquery; the write path recomputes them for each object it
touches, under the collection's write lock.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

__all__ = [
    "accounts",
    "api_roots",
    "collections",
    "grants",
    "hub_meta",
    "metadata",
    "objects",
    "statuses",
    "tokens",
]

metadata = MetaData()

hub_meta = Table(
    "hub_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

api_roots = Table(
    "api_roots",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("max_content_length", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
)

collections = Table(
    "collections",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("api_root", String(100), ForeignKey("api_roots.name"), nullable=False),
    Column("title", Text, nullable=False),
    Column("description", Text),
    Column("alias", String(200)),
    Column("media_types", Text, nullable=False),
    Column("public_read", Boolean, nullable=False),
    # Validation policy at the door: custom content is an error; warnings refuse an object.
    Column("strict", Boolean, nullable=False, server_default=false()),
    Column("refuse_warnings", Boolean, nullable=False, server_default=false()),
    # An inbox for sighting reports accepts only what a report needs (docs/sightings.md).
    Column("sightings_inbox", Boolean, nullable=False, server_default=false()),
    # The write lock's row and the date_added high-water mark of this collection.
    Column("last_date_added", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
    UniqueConstraint("api_root", "alias", name="uq_collections_alias"),
    UniqueConstraint("api_root", "title", name="uq_collections_title"),
)

objects = Table(
    "objects",
    metadata,
    Column(
        "pk", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("collection_id", String(36), ForeignKey("collections.id"), nullable=False),
    Column("object_id", String(300), nullable=False),
    Column("type", String(250), nullable=False),
    Column("spec_version", String(8), nullable=False),
    Column("version", String(64), nullable=False),
    Column("version_key", String(40), nullable=False),
    Column("date_added", BigInteger, nullable=False),
    Column("in_latest_spec", Boolean, nullable=False),
    Column("is_first", Boolean, nullable=False),
    Column("is_last", Boolean, nullable=False),
    Column("body", LargeBinary, nullable=False),
    # Where a mirrored version came from (the source collection's URL); None if posted here.
    Column("origin", Text),
    UniqueConstraint("collection_id", "date_added", name="uq_objects_date_added"),
    UniqueConstraint("collection_id", "object_id", "version_key", name="uq_objects_version"),
)
Index("ix_objects_type", objects.c.collection_id, objects.c.type, objects.c.date_added)
Index(
    "ix_objects_last",
    objects.c.collection_id,
    objects.c.date_added,
    postgresql_where=objects.c.is_last,
    sqlite_where=objects.c.is_last,
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("password_hash", Text),
    Column("created", BigInteger, nullable=False),
    # The STIX identity bound to the account: its id, and the identity object's JSON bytes.
    Column("identity_ref", String(300)),
    Column("identity", LargeBinary),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Integer, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", Text),
    Column("created", BigInteger, nullable=False),
)

grants = Table(
    "grants",
    metadata,
    Column(
        "account_id",
        Integer,
        ForeignKey("accounts.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("collection_id", String(36), ForeignKey("collections.id"), primary_key=True),
    Column("can_read", Boolean, nullable=False),
    Column("can_write", Boolean, nullable=False),
)

statuses = Table(
    "statuses",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("api_root", String(100), nullable=False),
    Column("account_id", Integer),
    Column("created", BigInteger, nullable=False, index=True),
    Column("body", LargeBinary, nullable=False),
)
