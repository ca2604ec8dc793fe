"""Object provenance for mirrored collections; sightings inboxes; identities bound to accounts.

``objects.origin`` names where a mirrored object version came from (the source collection's
URL), so a sector hub that re-shares its CERT's feed can say so for each object.
``collections.sightings_inbox`` turns a collection into an inbox that accepts only what a
sighting report needs. ``accounts.identity`` holds the STIX identity bound to an account:
a sighting's ``created_by_ref`` posted by that account must name it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, nullable or with a constant default: both dialects add it in place.
    op.add_column("objects", sa.Column("origin", sa.Text, nullable=True))
    op.add_column(
        "collections",
        sa.Column("sightings_inbox", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("accounts", sa.Column("identity_ref", sa.String(300), nullable=True))
    op.add_column("accounts", sa.Column("identity", sa.LargeBinary, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("identity")
        batch.drop_column("identity_ref")
    with op.batch_alter_table("collections") as batch:
        batch.drop_column("sightings_inbox")
    with op.batch_alter_table("objects") as batch:
        batch.drop_column("origin")
