"""person.barred_until and person.bar_reason dropped: migration 0009 moved the bars they held
into integrity_record, which is what every reader has used since (models.integrity); nothing
wrote them after it, so they stayed empty beside every person, where a reader could take an
empty column for "not barred".

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03 16:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite drops a plain column in place (3.35 and later): no rebuild of a table every
# application's foreign key points at
_COLUMNS = ("barred_until", "bar_reason")


def upgrade() -> None:
    for column in _COLUMNS:
        op.execute(f"ALTER TABLE person DROP COLUMN {column}")


def downgrade() -> None:
    # empty again, as they were since 0009: the bars stay in integrity_record
    op.execute("ALTER TABLE person ADD COLUMN barred_until DATE")
    op.execute("ALTER TABLE person ADD COLUMN bar_reason VARCHAR")
