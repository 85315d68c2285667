"""documents an application carries (collective review, publicity report, commissioned-review
letter) and committees' meeting records with their recordings; a filing per department
(filing_record.org, unique with the cycle and item)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.timeutil

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", models.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["application_id"], ["application.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_id", "kind", name="uq_document_once"),
    )
    with op.batch_alter_table("application_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_application_document_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_application_document_cycle_id"), ["cycle_id"], unique=False
        )
    op.create_table(
        "meeting_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("committee_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("video", sa.Boolean(), nullable=False),
        sa.Column("recording", sa.Text(), nullable=True),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("at", models.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["committee_id"], ["committee.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_record_cycle_id"), ["cycle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_meeting_record_committee_id"), ["committee_id"], unique=False
        )
    with op.batch_alter_table("filing_record", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("org", sa.String(length=40), nullable=False, server_default="")
        )
        batch_op.drop_constraint("uq_filing_once", type_="unique")
        batch_op.create_unique_constraint("uq_filing_once", ["cycle_id", "item_key", "org"])


def downgrade() -> None:
    with op.batch_alter_table("filing_record", schema=None) as batch_op:
        batch_op.drop_constraint("uq_filing_once", type_="unique")
        batch_op.create_unique_constraint("uq_filing_once", ["cycle_id", "item_key"])
        batch_op.drop_column("org")
    with op.batch_alter_table("meeting_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_record_committee_id"))
        batch_op.drop_index(batch_op.f("ix_meeting_record_cycle_id"))
    op.drop_table("meeting_record")
    with op.batch_alter_table("application_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_document_cycle_id"))
        batch_op.drop_index(batch_op.f("ix_application_document_application_id"))
    op.drop_table("application_document")
