"""columns for importing organisations, committees, accounts and declarations

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 14:54:15.502980
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("specialty", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(
            sa.Column("level_sought", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )

    with op.batch_alter_table("committee", schema=None) as batch_op:
        batch_op.add_column(sa.Column("specialties", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("grants", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("region", sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column("owners", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("owner_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_committee_owner_id"), ["owner_id"], unique=False)
        batch_op.create_foreign_key("fk_committee_owner_id", "organisation", ["owner_id"], ["id"])

    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_person", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.add_column(sa.Column("mobile", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("notify_url", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("notify_url")
        batch_op.drop_column("mobile")
        batch_op.drop_column("contact_person")

    with op.batch_alter_table("committee", schema=None) as batch_op:
        batch_op.drop_constraint("fk_committee_owner_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_committee_owner_id"))
        batch_op.drop_column("owner_id")
        batch_op.drop_column("owners")
        batch_op.drop_column("region")
        batch_op.drop_column("grants")
        batch_op.drop_column("specialties")

    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("level_sought")
        batch_op.drop_column("specialty")

    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_column("must_change_password")
