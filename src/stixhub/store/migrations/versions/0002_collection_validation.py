"""Per-collection validation policy: strict custom content, refuse warnings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: both SQLite and PostgreSQL add a NOT NULL column with a
    # constant default in place, without copying the table (batch mode would
    # rebuild it and trip over the existing foreign keys).
    op.add_column(
        "collections",
        sa.Column("strict", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "collections",
        sa.Column("refuse_warnings", sa.Boolean, nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("collections") as batch:
        batch.drop_column("refuse_warnings")
        batch.drop_column("strict")
