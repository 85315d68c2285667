"""integrity records (弄虚作假): who found falsified materials, when and why, with the bar the
cycle's policy set (null: no years set, the record is flagged on later declarations). The
bars stored on the person (person.barred_until, bar_reason) move into records.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.timeutil

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "integrity_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("found_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("cycle_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("bar_years", sa.Integer(), nullable=True),
        sa.Column("barred_until", sa.Date(), nullable=True),
        sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", models.timeutil.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id_number"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_integrity_record_person_id"), ["person_id"], unique=False
        )
    person = sa.table(
        "person",
        sa.column("id_number", sa.String()),
        sa.column("barred_until", sa.Date()),
        sa.column("bar_reason", sa.String()),
    )
    record = sa.table(
        "integrity_record",
        sa.column("person_id", sa.String()),
        sa.column("reason", sa.Text()),
        sa.column("barred_until", sa.Date()),
        sa.column("recorded_by", sa.String()),
        sa.column("recorded_at", models.timeutil.UTCDateTime()),
    )
    moved = sa.select(
        person.c.id_number,
        sa.func.coalesce(person.c.bar_reason, "（旧版停止申报记录，未写情形）"),
        person.c.barred_until,
        sa.literal("迁移"),
        _utc_now(),
    ).where(person.c.barred_until.is_not(None))
    op.execute(
        record.insert().from_select(
            ["person_id", "reason", "barred_until", "recorded_by", "recorded_at"], moved
        )
    )


def _utc_now() -> sa.ColumnElement[object]:
    """When the move happened, by the database's clock (naive UTC, as UTCDateTime stores)."""
    if op.get_bind().dialect.name == "sqlite":
        return sa.func.current_timestamp()
    return sa.func.timezone("UTC", sa.func.now())


def downgrade() -> None:
    with op.batch_alter_table("integrity_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_integrity_record_person_id"))
    op.drop_table("integrity_record")
