"""ix_message_due (status, next_attempt_at) dropped: every query of the rows still to send
states their statuses for the partial index ix_message_waiting (cycle, due, id), which holds
only those rows — a handful at any time, against every message the outbox ever wrote in
ix_message_due. That index was written for every message inserted and again for every
status a delivery marked (a 100,000-applicant cycle writes and marks about 200,000).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP INDEX ix_message_due")


def downgrade() -> None:
    # written out, not imported: a migration keeps what it dropped
    op.execute("CREATE INDEX ix_message_due ON message (status, next_attempt_at)")
