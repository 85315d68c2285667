"""uq_message_key in the order the outbox is written and asked: (cycle, kind, deadline,
offset, recipient, subject) instead of (cycle, kind, recipient, subject, deadline, offset).
The same columns, so the same messages are one message: only where its entries lie changes.

A reminder writes an offset's messages in one INSERT … SELECT and asks, before writing it,
whether any of them is there (notifications.reminders). With the recipient second, an
offset's entries were spread through every entry of its kind — each insert a seek into the
whole kind, and the question, when the answer is no, a walk through all of them (PostgreSQL,
100,000 simulated: 150,000 declaration reminders read, 226 ms, for every offset before it is
written, and at every instant while one that found nobody pending stays fresh). Led by the
offset, they are one range of the index: appended together, and asked by one seek.

SQLite cannot change a table's constraint in place: the table is rebuilt (in one
transaction, like every migration here).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03 23:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out, not imported: a migration keeps what it made.
NAME = "uq_message_key"
BEFORE = ["cycle_id", "kind", "recipient", "subject", "deadline", "offset"]
AFTER = ["cycle_id", "kind", "deadline", "offset", "recipient", "subject"]


def _key(columns: list[str]) -> None:
    with op.batch_alter_table("message", recreate="auto") as batch:
        batch.drop_constraint(NAME, type_="unique")
        batch.create_unique_constraint(NAME, columns)


def upgrade() -> None:
    _key(AFTER)


def downgrade() -> None:
    _key(BEFORE)
