"""``models.filing.overdue_items`` (what the overdue filing reminders read at every instant)
says exactly what ``filing_status`` says is overdue, without reading every recommended
application: per-department items owed by no one, by some, by every department filed or not."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import col

from models.application import Application
from models.db import session_scope
from models.filing import filing_status, overdue_items, record_filing
from models.org import Organisation
from models.plans import stored_plan
from tests.factories import bj, drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")

INSTANTS = (
    bj(2024, 9, 1),
    bj(2024, 9, 6),
    bj(2024, 10, 31, 12),
    bj(2024, 11, 1, 9),
    bj(2025, 2, 1),
)


def _same(cycle: str) -> set[str]:
    """The overdue keys at the instants that matter, checked against filing_status."""
    found: set[str] = set()
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
        for now in INSTANTS:
            expected = [
                s.key for s in filing_status(session, cycle, plan, now) if s.status == "overdue"
            ]
            assert [i.key for i in overdue_items(session, cycle, plan, now)] == expected, now
            found.update(expected)
    return found


def _department_of(app: int) -> str:
    with session_scope() as session:
        unit = session.get(Organisation, session.get(Application, app).unit_id)
        return session.get(Organisation, unit.department_id).code


def _status(ids: list[int], status: str) -> None:
    with session_scope() as session:
        session.execute(
            update(Application).where(col(Application.id).in_(ids)).values(status=status)
        )


def _file(cycle: str, key: str, at: dt.datetime, department: str | None = None) -> None:
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
        record_filing(session, cycle, plan, key, by="测试", now=at, department=department)


def test_overdue_items_agree_with_the_filing_status() -> None:
    cycle = stored_cycle()
    first, second = drafts(cycle, 1), drafts(cycle, 2)
    assert "summary_sheet" not in _same(cycle)  # drafts only: no sheet lists anyone
    _status(first, "recommended")
    assert "summary_sheet" in _same(cycle)  # listed by one department, filed by none
    _file(cycle, "summary_sheet", bj(2024, 10, 30), _department_of(first[0]))
    _file(cycle, "series_notice_filing", bj(2024, 9, 4))
    found = _same(cycle)
    assert "summary_sheet" not in found and "series_notice_filing" not in found
    _status(second[:1], "issued")  # a second department's sheet now lists one
    assert "summary_sheet" in _same(cycle)
    _status(second[:1], "withdrawn")  # and no longer
    assert "summary_sheet" not in _same(cycle)
