"""forecast_evaluation: the deadline forecast the sweep stores at each reminder instant

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from models.timeutil import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "forecast_evaluation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.String(length=80), nullable=False),
        sa.Column("phase", sa.String(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("made_at", UTCDateTime(), nullable=False),
        sa.Column("method", sa.String(), nullable=False),
        sa.Column("previous_cycle", sa.String(), nullable=True),
        sa.Column("elapsed", sa.Float(), nullable=False),
        sa.Column("waiting", sa.Integer(), nullable=False),
        sa.Column("projected", sa.Float(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cycle_id", "phase", "at", name="uq_forecast_instant"),
    )
    op.create_index(
        "ix_forecast_evaluation_cycle_id", "forecast_evaluation", ["cycle_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_forecast_evaluation_cycle_id", table_name="forecast_evaluation")
    op.drop_table("forecast_evaluation")
