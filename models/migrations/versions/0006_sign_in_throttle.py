"""sign-in throttling per client address, shared by every dashboard process; a session's
last use, for the idle timeout

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.timeutil

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failed_at", models.timeutil.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_failure_client"), ["client"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sign_in_failure_failed_at"), ["failed_at"], unique=False
        )
    op.create_table(
        "client_block",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("blocked_until", models.timeutil.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client"),
    )
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", models.timeutil.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_session", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
    op.drop_table("client_block")
    with op.batch_alter_table("sign_in_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_failed_at"))
        batch_op.drop_index(batch_op.f("ix_sign_in_failure_client"))
    op.drop_table("sign_in_failure")
