"""A status change and its audit rows without SQLite's statement journal.

SQLite copies every page a multi-row statement touches into a statement journal (a temporary
file) whenever the statement could fail midway and must then be undone alone. Two things in
the schema made every status change such a statement, whatever its conflict clause:

- ix_application_village (migration 0013) holds status beside an expression
  (json_extract(facts, '$.village_unit')): an expression can fail as it is evaluated. It is
  replaced by ix_application_committee_series_status (plain columns: the village quota's
  totals, declared in the model) and ix_application_village_fact, which keeps the expression
  but not status, so a status change does not touch it (the village-unit applicants are
  found there and their status read from their rows).
- audit_event's foreign key to application was checked row by row (immediate). It is now
  checked when the transaction commits (DEFERRABLE INITIALLY DEFERRED): a dangling audit row
  still fails the commit. SQLite cannot alter a constraint, so the table is rebuilt.

The statements themselves say OR FAIL on SQLite (models.transitions), so a NOT NULL column
does not ask for the journal either; an error still fails the transaction, which rolls back.
benchmarks/row_writes.py: 300 random rows a statement, 33 → 18 µs a status change and 17 →
11 µs an audit row.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration keeps what it created.
VILLAGE = "json_extract(facts, '$.village_unit')"
TOTALS = "ix_application_committee_series_status"

AUDIT_COLUMNS = "id, cycle_id, application_id, at, actor, action, from_status, to_status, reason"
AUDIT_TABLE = """
CREATE TABLE {name} (
    id INTEGER NOT NULL,
    cycle_id VARCHAR NOT NULL,
    application_id INTEGER NOT NULL,
    at DATETIME NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    from_status VARCHAR NOT NULL,
    to_status VARCHAR NOT NULL,
    reason TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(application_id) REFERENCES application (id){deferred}
)"""
AUDIT_INDEXES = (
    "CREATE INDEX ix_audit_event_application_id ON audit_event (application_id)",
    "CREATE INDEX ix_audit_event_cycle_at ON audit_event (cycle_id, at)",
    "CREATE INDEX ix_audit_event_asof ON audit_event "
    "(cycle_id, application_id, at DESC, id DESC, to_status)",
)


def upgrade() -> None:
    op.create_index(TOTALS, "application", ["committee_id", "series", "status"])
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP INDEX IF EXISTS ix_application_village")
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_application_village_fact ON application "
            f"(committee_id, {VILLAGE}, series)"
        )
        _rebuild_audit(" DEFERRABLE INITIALLY DEFERRED")
    else:
        op.execute(
            f"ALTER TABLE audit_event ALTER CONSTRAINT {_audit_fk()} DEFERRABLE INITIALLY DEFERRED"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_audit("")
        op.execute("DROP INDEX IF EXISTS ix_application_village_fact")
        op.execute(
            "CREATE INDEX IF NOT EXISTS ix_application_village ON application "
            f"(committee_id, series, status, {VILLAGE})"
        )
    else:
        op.execute(f"ALTER TABLE audit_event ALTER CONSTRAINT {_audit_fk()} NOT DEFERRABLE")
    op.drop_index(TOTALS, "application")


def _rebuild_audit(deferred: str) -> None:
    """audit_event again with the foreign key said as ``deferred``: rows, ids and indexes as
    they were (SQLite alters no constraint)."""
    op.execute(AUDIT_TABLE.format(name="audit_event_rebuilt", deferred=deferred))
    op.execute(
        f"INSERT INTO audit_event_rebuilt ({AUDIT_COLUMNS}) "
        f"SELECT {AUDIT_COLUMNS} FROM audit_event ORDER BY id"
    )
    op.execute("DROP TABLE audit_event")
    op.execute("ALTER TABLE audit_event_rebuilt RENAME TO audit_event")
    for index in AUDIT_INDEXES:
        op.execute(index)


def _audit_fk() -> str:
    """The name PostgreSQL gave audit_event's foreign key to application."""
    keys = sa.inspect(op.get_bind()).get_foreign_keys("audit_event")
    (name,) = [k["name"] for k in keys if k["constrained_columns"] == ["application_id"]]
    return str(name)
