"""Three indexes another index already leads with, dropped: ix_application_person_id
(uq_one_committee_per_year is (person_id, year)), ix_application_committee_id
(ix_application_committee_series_status is (committee_id, series, status)) and
ix_message_cycle_id (uq_message_key is (cycle_id, kind, …)).

Each was written for every row inserted, and on PostgreSQL, where a change of an indexed
column (status) cannot be a heap-only update, for every row changed too: closing the
declaration phase over 100,000 drafts rewrote all eight of the application's indexes
(benchmarks/README.md, "Live side"). Every look-up they served is served by the index that
leads with the same column.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration keeps what it dropped.
DROPPED = {
    "ix_application_person_id": "CREATE INDEX ix_application_person_id ON application (person_id)",
    "ix_application_committee_id": (
        "CREATE INDEX ix_application_committee_id ON application (committee_id)"
    ),
    "ix_message_cycle_id": "CREATE INDEX ix_message_cycle_id ON message (cycle_id)",
}


def upgrade() -> None:
    for name in DROPPED:
        op.execute(f"DROP INDEX {name}")


def downgrade() -> None:
    for create in DROPPED.values():
        op.execute(create)
