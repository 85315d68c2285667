"""Committee meetings (planning flags, postponement rules) and the filing checklist."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models.committees import CommitteeMeeting, plan_meeting, postpone_meeting
from models.context import Refused
from models.db import session_scope
from models.filing import filing_status, record_filing
from models.outbox import Message
from tests.factories import bj, stored_cycle

pytestmark = pytest.mark.usefixtures("db")
D = dt.date


def plan(cycle: str, key: str, day: dt.date) -> CommitteeMeeting:
    with session_scope() as session:
        return plan_meeting(session, cycle, key, day, by="评委会办公室", now=bj(2024, 11, 1))


def test_a_meeting_inside_its_window_is_planned_and_a_late_one_flagged() -> None:
    cycle = stored_cycle()
    assert plan(cycle, "gs-01", D(2024, 11, 5)).flag is None
    late = plan(cycle, "gs-60", D(2024, 12, 20))  # 12月中旬: publicity ends after 12/25
    assert "2024-12-26" in late.flag and "2024-12-25" in late.flag


def test_a_meeting_outside_its_window_is_refused() -> None:
    cycle = stored_cycle()
    with pytest.raises(Refused, match="评审时间 2024-11-01 至 2024-11-10"):
        plan(cycle, "gs-01", D(2024, 11, 15))


@pytest.mark.parametrize(
    ("approved_by", "notice", "reason", "message"),
    [
        ("", "公告", "专家冲突", "市人社局同意"),
        ("嘉峪关市人社局", "", "专家冲突", "公告"),
        ("嘉峪关市人社局", "公告", " ", "原因"),
    ],
)
def test_postponement_needs_approval_notice_and_reason(
    approved_by: str, notice: str, reason: str, message: str
) -> None:
    cycle = stored_cycle()
    plan(cycle, "jyg-gc-zj", D(2024, 12, 1))
    with pytest.raises(Refused, match=message):
        with session_scope() as session:
            postpone_meeting(
                session,
                cycle,
                "jyg-gc-zj",
                D(2024, 12, 8),
                by="市工信局",
                approved_by=approved_by,
                notice=notice,
                reason=reason,
                now=bj(2024, 11, 28),
            )


def test_an_approved_postponement_is_recorded_but_not_past_the_finish_by_date() -> None:
    cycle = stored_cycle()
    plan(cycle, "jyg-gc-zj", D(2024, 12, 1))
    with session_scope() as session:
        moved = postpone_meeting(
            session,
            cycle,
            "jyg-gc-zj",
            D(2024, 12, 15),
            by="市工信局",
            approved_by="嘉峪关市人社局",
            notice="关于调整评审时间的公告",
            reason="专家冲突",
            now=bj(2024, 11, 28),
        )
        assert moved.approved_by == "嘉峪关市人社局"
    with pytest.raises(Refused, match="2024-12-20 前完成评审"):
        with session_scope() as session:
            postpone_meeting(
                session,
                cycle,
                "jyg-gc-zj",
                D(2024, 12, 21),
                by="市工信局",
                approved_by="嘉峪关市人社局",
                notice="公告",
                reason="再调整",
                now=bj(2024, 12, 10),
            )
    with session_scope() as session:
        rows = (
            session.execute(
                select(CommitteeMeeting.meeting_day).where(CommitteeMeeting.cycle_id == cycle)
            )
            .scalars()
            .all()
        )
    assert rows == [D(2024, 12, 1), D(2024, 12, 15)]


def test_filing_status_follows_the_deadlines() -> None:
    from models.plans import stored_plan

    cycle = stored_cycle()
    with session_scope() as session:
        _, planned = stored_plan(session, cycle)
        record_filing(
            session, cycle, planned, "series_notice_filing", by="市教育局", now=bj(2024, 9, 4, 10)
        )
        record_filing(
            session, cycle, planned, "deputy_senior_documents", by="市人社局", now=bj(2025, 1, 10)
        )
        with pytest.raises(Refused, match="已备案"):
            record_filing(
                session, cycle, planned, "series_notice_filing", by="市教育局", now=bj(2024, 9, 5)
            )
        status = {
            s.key: s.status for s in filing_status(session, cycle, planned, bj(2025, 1, 2, 9))
        }
    assert status["series_notice_filing"] == "filed"
    assert (
        status["deputy_senior_documents"] == "filed_late"
    )  # due 2025-01-02 (5 working days after 12/25)
    assert status["work_summary"] == "overdue"
    assert status["intermediate_committee_approval"] == "standing"


def test_an_overdue_filing_goes_to_the_receiving_office_once() -> None:
    from models.plans import stored_plan
    from notifications.filing import overdue_filings

    cycle = stored_cycle()
    for _ in range(2):
        with session_scope() as session:
            spec, planned = stored_plan(session, cycle)
            overdue_filings(session, cycle, spec, planned, bj(2025, 1, 3, 10))
    with session_scope() as session:
        rows = (
            session.execute(
                select(Message).where(Message.cycle_id == cycle, Message.kind == "filing_overdue")
            )
            .scalars()
            .all()
        )
    subjects = sorted(m.subject for m in rows)
    assert "filing:work_summary" in subjects and len(subjects) == len(set(subjects))
    assert all(m.recipient == "620200" and "至今未备案" in m.body for m in rows)
