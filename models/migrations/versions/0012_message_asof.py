"""the dashboard's message counts as of an instant from an index: message (cycle_id,
recipient, created_at, sent_at, expired_at, no_channel_at, failed_at, claimed_at, status)
carries every column a message's delivery status at an instant is computed from
(models.asof.message_status), so a page's counts probe its recipients' entries (a county's
people and units) and the province's read the index alone, instead of scanning the cycle's
messages with their bodies (100,000 messages, PostgreSQL: 40–50 ms of CPU a page)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = [
    "cycle_id",
    "recipient",
    "created_at",
    "sent_at",
    "expired_at",
    "no_channel_at",
    "failed_at",
    "claimed_at",
    "status",
]


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.create_index("ix_message_asof", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        batch_op.drop_index("ix_message_asof")
