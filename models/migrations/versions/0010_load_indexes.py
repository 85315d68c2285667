"""the outbox's waiting rows in the order a deliverer claims them: a partial index on
message (cycle_id, due, id) over the rows still to send (pending, failed, sending), so each
claim of a batch reads that batch instead of sorting every waiting row of the cycle (measured
on PostgreSQL with 40,000 waiting rows: 125–210 ms a claim before, under 1 ms after; a
100,000-row outbox takes 200 claims)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = "status IN ('pending', 'failed', 'sending')"


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_message_waiting",
            ["cycle_id", "due", "id"],
            unique=False,
            postgresql_where=sa.text(WAITING),
            sqlite_where=sa.text(WAITING),
        )


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_waiting")
