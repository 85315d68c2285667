"""application's (cycle_id, status) index carries the two publicity ends: the sweep's steps
(closing unit publicity, issuing after result publicity) and the simulation's "anything to
do?" ask which applications in one status have a publicity that ended by now; from the index
alone that is a range read of the due ones, where before every row in the status was read
with its JSON (27,000 rows at 100,000 applications, ~50 ms a check on SQLite, at every
instant). The same index widened rather than a new one: a status change still rewrites one
entry.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 05:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_application_cycle_status"


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(
            NAME,
            ["cycle_id", "status", "unit_publicity_ends", "result_publicity_ends"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index(NAME)
        batch_op.create_index(NAME, ["cycle_id", "status"], unique=False)
