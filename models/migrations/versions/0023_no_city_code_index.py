"""ix_application_city_code dropped: no statement read it (the figures and the forecast read an
application's city with its cycle through ix_application_asof; a city office's integrity
records look each person up through uq_one_committee_per_year), and PostgreSQL, which
rewrites every index of a row whose indexed status changes, wrote it at every status change
(a 100,000-applicant cycle makes about 600,000; closing the declaration over 100,000 drafts
makes 100,000 at once). Index scans it served, counted by PostgreSQL: 0 in a simulated
100,000-applicant cycle, 0 under the live side's load.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 00:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DROP INDEX ix_application_city_code")


def downgrade() -> None:
    # written out, not imported: a migration keeps what it dropped
    op.execute("CREATE INDEX ix_application_city_code ON application (city_code)")
