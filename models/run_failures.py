"""Failed or crashed boundary runs: the office sees each until a later run of the same
boundary succeeds."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, String, Text, UniqueConstraint, and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col

from models.timeutil import UTCDateTime


class RunFailure(SQLModel, table=True):
    """One failed flow run (a run fails once: its id is the key, a repeated hook adds nothing).
    No foreign key to the cycle: the record outlives nothing but must not block a purge."""

    __tablename__ = "run_failure"
    __table_args__ = (UniqueConstraint("flow_run_id", name="uq_run_failure_flow_run"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(sa_column=Column(String(80), nullable=False, index=True))
    run_label: str  # the boundary (``declaration-close``) or ``sweep``
    flow_run_id: str = Field(sa_column=Column(String(40), nullable=False))
    state: str  # FAILED | CRASHED
    message: str = Field(sa_column=Column(Text, nullable=False))
    failed_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    resolved_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


def record_failure(
    session: Session,
    cycle_id: str,
    run_label: str,
    flow_run_id: str,
    state: str,
    message: str,
    now: dt.datetime,
) -> bool:
    """Stores the failure; False when this run's failure was already stored."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(
        insert(RunFailure)
        .values(
            cycle_id=cycle_id,
            run_label=run_label,
            flow_run_id=flow_run_id,
            state=state,
            message=message,
            failed_at=now,
        )
        .on_conflict_do_nothing(index_elements=["flow_run_id"])
        .returning(col(RunFailure.id))
    )
    return result.first() is not None


def resolve_failures(session: Session, cycle_id: str, run_label: str, now: dt.datetime) -> int:
    """A successful run of a boundary settles every earlier failure of that boundary."""
    result = session.execute(
        update(RunFailure)
        .where(
            col(RunFailure.cycle_id) == cycle_id,
            col(RunFailure.run_label) == run_label,
            col(RunFailure.resolved_at).is_(None),
            col(RunFailure.failed_at) <= now,
        )
        .values(resolved_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def open_run_failures(session: Session, cycle_id: str) -> list[RunFailure]:
    """The cycle's unresolved failures, latest first (what the province's page shows)."""
    return list(
        session.execute(
            select(RunFailure)
            .where(
                and_(col(RunFailure.cycle_id) == cycle_id, col(RunFailure.resolved_at).is_(None))
            )
            .order_by(col(RunFailure.failed_at).desc(), col(RunFailure.id).desc())
        ).scalars()
    )
