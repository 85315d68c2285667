"""figures as of any instant: when each message failed (first), expired or found no channel
(it already records when it was sent), backfilled for rows written before; an index on the
audit trail that finds an application's last event at or before an instant, one that says
whether anything happened after it, and one on applications with what the figures count

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.timeutil

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMES = ("failed_at", "expired_at", "no_channel_at")


def upgrade() -> None:
    with op.batch_alter_table("message", schema=None) as batch_op:
        for name in _TIMES:
            batch_op.add_column(sa.Column(name, models.timeutil.UTCDateTime(), nullable=True))
    # Rows from before: the best instant they record (a claim for a failure or a missing
    # channel, the expiry instant for an expired row).
    op.execute(
        "UPDATE message SET failed_at = claimed_at WHERE status = 'failed' AND failed_at IS NULL"
    )
    op.execute(
        "UPDATE message SET no_channel_at = claimed_at "
        "WHERE status = 'no_channel' AND no_channel_at IS NULL"
    )
    op.execute(
        "UPDATE message SET expired_at = COALESCE(expires_at, created_at) "
        "WHERE status = 'expired' AND expired_at IS NULL"
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_asof",
            ["cycle_id", "application_id", sa.text("at DESC"), sa.text("id DESC"), "to_status"],
            unique=False,
        )
        batch_op.create_index("ix_audit_event_cycle_at", ["cycle_id", "at"], unique=False)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_asof",
            ["cycle_id", "unit_id", "id", "created_at", "committee_id", "status"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_asof")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_cycle_at")
        batch_op.drop_index("ix_audit_event_asof")
    with op.batch_alter_table("message", schema=None) as batch_op:
        for name in reversed(_TIMES):
            batch_op.drop_column(name)
