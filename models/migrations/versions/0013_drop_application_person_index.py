"""application: drop ix_application_person_id, which uq_one_committee_per_year (person_id,
year) makes redundant — every look-up of applications by person (by ID number, IN lists with
or without the year, the join from person, the foreign key's checks) uses the unique index
instead, on PostgreSQL and SQLite alike (EXPLAIN checked). One index write fewer per row
rewritten, e.g. for each of the drafts a phase's closing expires (issue 14 part c).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 01:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_person_id")


def downgrade() -> None:
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index("ix_application_person_id", ["person_id"], unique=False)
