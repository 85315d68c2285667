"""the cycle an intake (applicants' front end) account is bound to

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("cycle_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_account_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_foreign_key("fk_account_cycle_id", "cycle", ["cycle_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("account", schema=None) as batch_op:
        batch_op.drop_constraint("fk_account_cycle_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_account_cycle_id"))
        batch_op.drop_column("cycle_id")
