"""The summary sheet out of the application's row: application.profile becomes
application_profile (application_id, profile).

The sheet was ~530 bytes of JSON in a ~1,100-byte row that every status change rewrites: a
100,000 cycle's application table (109 MB) outgrew SQLite's 64 MB page cache, so a
transaction of scattered status changes spilled and rewrote its pages again and again (4.9 GB
written for a 620 MB file; benchmarks/README.md). PostgreSQL copies the whole tuple on every
update too. The sheet is written with the draft and read by the summary sheets, the
certificates, the special-category check and the import's comparison only.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_profile",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("application_id"),
    )
    op.execute(
        "INSERT INTO application_profile (application_id, profile) "
        "SELECT id, profile FROM application WHERE profile IS NOT NULL"
    )
    # Not a batch operation: on SQLite that copies the table and recreates its indexes from
    # reflection, which skips the expression index (ix_application_village_fact). The column
    # is in no index or constraint, so both databases drop it in place.
    op.execute("ALTER TABLE application DROP COLUMN profile")


def downgrade() -> None:
    op.add_column("application", sa.Column("profile", sa.JSON(), nullable=True))
    op.execute(
        "UPDATE application SET profile = (SELECT p.profile FROM application_profile AS p "
        "WHERE p.application_id = application.id)"
    )
    op.drop_table("application_profile")
