"""The applications' city in ix_application_asof, last: the figures by city read the index
alone.

The progress each real run publishes counts the cycle's applications by city and status, and
the forecast counts the waiting ones by unit and city: both read every application's row
(~1 KB each, 700 MB at 100,000) for a column of a few bytes. With the city in the index
(after status, so the index reads as before) they are covering scans of it. A status change
rewrites this index's entry already, so a city beside it costs the writes nothing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 11:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration keeps what it created.
NAME = "ix_application_asof"
BEFORE = ["cycle_id", "unit_id", "id", "created_at", "committee_id", "status"]


def upgrade() -> None:
    op.drop_index(NAME, "application")
    op.create_index(NAME, "application", [*BEFORE, "city_code"])


def downgrade() -> None:
    op.drop_index(NAME, "application")
    op.create_index(NAME, "application", BEFORE)
