"""audit_event's index on cycle_id alone dropped: ix_audit_event_cycle_at (cycle_id, at) and
ix_audit_event_asof (cycle_id, application_id, …) both lead with the cycle and serve every
read by cycle; the third copy was one more B-tree written for each of a cycle's ~7 audit rows
per application (100,000 applications: ~720,000 rows).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_cycle_id")


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_cycle_id", ["cycle_id"], unique=False)
