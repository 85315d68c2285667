"""An application's audit trail indexed without its cycle: ix_audit_event_trail
(application_id, at DESC, id DESC, to_status) replaces ix_audit_event_asof (the same after
cycle_id) and ix_audit_event_application_id (its first column).

Every audit row wrote an entry of ~80 bytes into ix_audit_event_asof, ~33 of them the cycle's
id, at a random place in a 50 MB index (at 100,000 applications): with SQLite's page cache
that was most of the cost of the row (17.8–21.0 µs against 8.7–12.2 µs without it, 532 MB
written against 95 MB for 210,000 rows; benchmarks/README.md). An application belongs to one
cycle, so its events need no cycle in the index: the figures as of an instant read an
application's events by its id, and a cycle's by the range of its applications' ids
(models.asof). The foreign key's checks use the new index, which leads with application_id.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 11:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration keeps what it created.
TRAIL = (
    "CREATE INDEX ix_audit_event_trail ON audit_event (application_id, at DESC, id DESC, to_status)"
)
ASOF = (
    "CREATE INDEX ix_audit_event_asof ON audit_event "
    "(cycle_id, application_id, at DESC, id DESC, to_status)"
)
BY_APPLICATION = "CREATE INDEX ix_audit_event_application_id ON audit_event (application_id)"


def upgrade() -> None:
    op.execute(TRAIL)
    op.execute("DROP INDEX ix_audit_event_asof")
    op.execute("DROP INDEX ix_audit_event_application_id")


def downgrade() -> None:
    op.execute(BY_APPLICATION)
    op.execute(ASOF)
    op.execute("DROP INDEX ix_audit_event_trail")
