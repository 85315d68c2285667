"""How many applications each (cycle, unit, committee, status) holds, kept as they change: on
PostgreSQL a statement-level trigger on ``application`` (migration 0024) adds one row of
differences per group an INSERT, UPDATE or DELETE changed, and now and then folds a cycle's
rows into one per group. The dashboard's counts as they stand read these few thousand rows
instead of counting every application of the cycle (the province's count: a scan and a hash
aggregate of 100,000 rows, 38 of its page's 59 ms at 100,000 applications).

Only ever added to, by the trigger and the fold: concurrent writers never wait for each other
here (a row per group updated in place would make every submission of a unit wait for the
one before it to commit, and two transactions touching groups in a different order could
deadlock). A group's count is the sum of its rows.

SQLite keeps the table empty and its pages count the applications (a row-level trigger there
would cost every status change of a simulated cycle a write)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Column, ColumnElement, Index, delete, func, insert, select, text
from sqlalchemy.sql.util import ClauseAdapter, find_tables
from sqlmodel import Field, Session, SQLModel, col

from models.timeutil import UTCDateTime


class ApplicationTally(SQLModel, table=True):
    __tablename__ = "application_tally"
    # A cycle's rows, and its newest creation from the index's end (``created_through``).
    __table_args__ = (Index("ix_application_tally_cycle", "cycle_id", "created_max"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str
    unit_id: int
    committee_id: int
    status: str
    # added (positive) or taken away (negative) from the group
    n: int
    # the latest creation among the applications this row added: whether every application
    # counted here already existed at an instant (None on rows that only take away)
    created_max: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


_TALLY = SQLModel.metadata.tables["application_tally"]
_APPLICATION = SQLModel.metadata.tables["application"]
_ORGANISATION = SQLModel.metadata.tables["organisation"]


def kept(session: Session) -> bool:
    """Whether this database keeps the tally (PostgreSQL: its trigger)."""
    return session.get_bind().dialect.name == "postgresql"


def created_through(session: Session, cycle_id: str) -> dt.datetime | None:
    """The latest creation of an application the cycle's tally ever counted."""
    return session.execute(
        select(func.max(col(ApplicationTally.created_max))).where(
            col(ApplicationTally.cycle_id) == cycle_id
        )
    ).scalar()


def _on_tally(element: Any) -> Any:
    """``element`` (over ``application``'s columns) over the tally's columns of the same
    names; columns of other tables (the units joined) left as they are."""
    adapter = ClauseAdapter(
        _TALLY,
        adapt_on_names=True,
        include_fn=lambda c: getattr(c, "table", None) is _APPLICATION,
    )
    return adapter.traverse(element)


def counted(cycle_id: str, key: Any, where: ColumnElement[bool], joins_units: bool) -> Any | None:
    """The cycle's applications matching ``where`` as they stand, counted by ``key`` and
    status from the tally: a subquery (key, status, n) like ``dashboard.figures._counted``'s,
    or None when ``where`` or ``key`` reads a column of ``application`` the tally does not
    keep. The units (``organisation``) are joined to the tally's ``unit_id`` when
    ``joins_units``."""
    # an ORM attribute (``col(Application.unit_id)``) as the column it stands for: adapted
    # as it is, it would be left over ``application``
    column = key.__clause_element__() if hasattr(key, "__clause_element__") else key
    on_key, on_where = _on_tally(column), _on_tally(where)
    if any(
        t is _APPLICATION for e in (on_key, on_where) for t in find_tables(e, check_columns=True)
    ):
        return None
    base: Any = select(on_key.label("key"), _TALLY.c.status, _TALLY.c.n).select_from(_TALLY)
    if joins_units:
        base = base.join(_ORGANISATION, _ORGANISATION.c.id == _TALLY.c.unit_id)
    each = base.where(_TALLY.c.cycle_id == cycle_id, on_where).subquery("each")
    total = func.sum(each.c.n)
    return (
        select(each.c.key, each.c.status, total.label("n"))
        .group_by(each.c.key, each.c.status)
        .having(total != 0)
        .subquery("counted")
    )


def _counted_now(cycle_id: str) -> Any:
    a = _APPLICATION.c
    return (
        select(
            a.cycle_id,
            a.unit_id,
            a.committee_id,
            a.status,
            func.count().label("n"),
            func.max(a.created_at).label("created_max"),
        )
        .where(a.cycle_id == cycle_id)
        .group_by(a.cycle_id, a.unit_id, a.committee_id, a.status)
    )


def differences(session: Session, cycle_id: str) -> list[tuple[int, int, str, int, int]]:
    """The groups of the cycle whose kept count is not the applications counted: (unit,
    committee, status, kept, counted). Empty where the database keeps no tally."""
    if not kept(session):
        return []
    t = _TALLY.c
    kept_rows = session.execute(
        select(t.unit_id, t.committee_id, t.status, func.sum(t.n))
        .where(t.cycle_id == cycle_id)
        .group_by(t.unit_id, t.committee_id, t.status)
    )
    tallied = {(u, c, s): int(n) for u, c, s, n in kept_rows if n}
    counted = {
        (r.unit_id, r.committee_id, r.status): r.n for r in session.execute(_counted_now(cycle_id))
    }
    return sorted(
        (*group, tallied.get(group, 0), counted.get(group, 0))
        for group in tallied.keys() | counted.keys()
        if tallied.get(group, 0) != counted.get(group, 0)
    )


def rebuild(session: Session, cycle_id: str) -> None:
    """The cycle's tally written afresh from its applications, while no one writes them (a
    SHARE lock until the transaction ends: writers wait that long, a fraction of a second at
    100,000 applications)."""
    if not kept(session):
        return
    session.execute(text("LOCK TABLE application IN SHARE MODE"))
    session.execute(delete(_TALLY).where(_TALLY.c.cycle_id == cycle_id))
    columns = ["cycle_id", "unit_id", "committee_id", "status", "n", "created_max"]
    session.execute(insert(_TALLY).from_select(columns, _counted_now(cycle_id)))
