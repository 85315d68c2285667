"""failed or crashed boundary runs, shown to the office until a later run succeeds

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 16:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.timeutil

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "run_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.String(length=80), nullable=False),
        sa.Column("run_label", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("flow_run_id", sa.String(length=40), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("failed_at", models.timeutil.UTCDateTime(), nullable=False),
        sa.Column("resolved_at", models.timeutil.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("flow_run_id", name="uq_run_failure_flow_run"),
    )
    with op.batch_alter_table("run_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_run_failure_cycle_id"), ["cycle_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("run_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_run_failure_cycle_id"))
    op.drop_table("run_failure")
