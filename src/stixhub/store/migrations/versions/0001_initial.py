"""The first schema: API roots, collections, object versions, accounts, grants, statuses.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_PK = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "hub_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "api_roots",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("max_content_length", sa.BigInteger, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("api_root", sa.String(100), sa.ForeignKey("api_roots.name"), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("alias", sa.String(200)),
        sa.Column("media_types", sa.Text, nullable=False),
        sa.Column("public_read", sa.Boolean, nullable=False),
        sa.Column("last_date_added", sa.BigInteger, nullable=False),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("api_root", "alias", name="uq_collections_alias"),
        sa.UniqueConstraint("api_root", "title", name="uq_collections_title"),
    )
    op.create_table(
        "objects",
        sa.Column("pk", _PK, primary_key=True, autoincrement=True),
        sa.Column("collection_id", sa.String(36), sa.ForeignKey("collections.id"), nullable=False),
        sa.Column("object_id", sa.String(300), nullable=False),
        sa.Column("type", sa.String(250), nullable=False),
        sa.Column("spec_version", sa.String(8), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("version_key", sa.String(40), nullable=False),
        sa.Column("date_added", sa.BigInteger, nullable=False),
        sa.Column("in_latest_spec", sa.Boolean, nullable=False),
        sa.Column("is_first", sa.Boolean, nullable=False),
        sa.Column("is_last", sa.Boolean, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("collection_id", "date_added", name="uq_objects_date_added"),
        sa.UniqueConstraint("collection_id", "object_id", "version_key", name="uq_objects_version"),
    )
    op.create_index("ix_objects_type", "objects", ["collection_id", "type", "date_added"])
    op.create_index(
        "ix_objects_last",
        "objects",
        ["collection_id", "date_added"],
        postgresql_where=sa.text("is_last"),
        sqlite_where=sa.text("is_last"),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.Text),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("label", sa.Text),
        sa.Column("created", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "grants",
        sa.Column(
            "account_id",
            sa.Integer,
            sa.ForeignKey("accounts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "collection_id", sa.String(36), sa.ForeignKey("collections.id"), primary_key=True
        ),
        sa.Column("can_read", sa.Boolean, nullable=False),
        sa.Column("can_write", sa.Boolean, nullable=False),
    )
    op.create_table(
        "statuses",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("api_root", sa.String(100), nullable=False),
        sa.Column("account_id", sa.Integer),
        sa.Column("created", sa.BigInteger, nullable=False),
        sa.Column("body", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_statuses_created", "statuses", ["created"])


def downgrade() -> None:
    for table in ("statuses", "grants", "tokens", "accounts", "objects", "collections"):
        op.drop_table(table)
    op.drop_table("api_roots")
    op.drop_table("hub_meta")
