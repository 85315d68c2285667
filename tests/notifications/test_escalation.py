"""Escalation up the tree: one level per sweep, never skipping, stopping when resolved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from calendars.cyclefile import CycleSpec
from calendars.planner import plan_cycle
from models.application import Application
from models.cycle import Cycle
from models.db import session_scope
from models.outbox import Escalation, Message
from models.settings import workday_calendar
from notifications.escalation import escalate
from tests.factories import bj, drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def run(cycle: str, now) -> list[tuple[str, int]]:
    with session_scope() as session:
        spec = CycleSpec.model_validate(session.get(Cycle, cycle).spec)
        steps = escalate(session, cycle, spec, plan_cycle(spec, workday_calendar()), now)
        return [(s.level, s.items) for s in steps]


def pend(ids: list[int], status: str = "unit_review") -> None:
    with session_scope() as session:
        for app_id in ids:
            session.get(Application, app_id).status = status


def test_an_overdue_unit_climbs_one_level_at_a_time() -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 2)
    pend(ids)
    assert run(cycle, bj(2024, 10, 28, 9)) == []  # more than 3 days before the deadline
    assert run(cycle, bj(2024, 10, 29, 9)) == [("department", 2)]
    assert run(cycle, bj(2024, 10, 29, 10)) == []  # the city's threshold has not come
    # Both later thresholds have passed: still only the next level, never a skip.
    assert run(cycle, bj(2024, 11, 1, 0, 0)) == [("city", 2)]
    assert run(cycle, bj(2024, 11, 1, 9)) == [("province", 2)]
    assert run(cycle, bj(2024, 11, 2, 9)) == []
    with session_scope() as session:
        rows = (
            session.execute(
                select(Escalation).where(Escalation.cycle_id == cycle).order_by(Escalation.step)
            )
            .scalars()
            .all()
        )
        assert [r.step for r in rows] == [1, 2, 3]
        messages = (
            session.execute(
                select(Message).where(Message.cycle_id == cycle, Message.kind == "escalation")
            )
            .scalars()
            .all()
        )
        assert {m.recipient_kind for m in messages} == {"department", "city", "province"}
        assert all("2 件" in m.body for m in messages)


def test_escalation_stops_once_the_unit_has_nothing_pending() -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 1)
    pend(ids)
    assert run(cycle, bj(2024, 10, 29, 9)) == [("department", 1)]
    pend(ids, "recommended")  # still pending for the unit: counts
    pend(ids, "department_review")  # the unit has done its part
    assert run(cycle, bj(2024, 10, 31, 9)) == []


def test_two_overdue_units_to_one_department_are_two_messages() -> None:
    from tests.factories import unit_in_tree

    cycle = stored_cycle()
    tag = "shared0001"
    first = drafts(cycle, 1, unit_id=unit_in_tree(tag))
    with session_scope() as session:
        from models.org import Organisation

        dept = session.execute(
            select(Organisation).where(Organisation.code == f"D-{tag}")
        ).scalar_one()
        other = Organisation(
            code=f"U2-{tag}",
            name="第二单位",
            kind="unit",
            parent_id=dept.parent_id,
            department_id=dept.id,
            city_code="620200",
            path="x",
        )
        session.add(other)
        session.flush()
        other_id = other.id
    second = drafts(cycle, 1, unit_id=other_id)
    pend(first + second)
    assert sorted(run(cycle, bj(2024, 10, 29, 9))) == [("department", 1), ("department", 1)]
    with session_scope() as session:
        msgs = session.execute(
            select(Message.recipient, Message.subject).where(Message.cycle_id == cycle)
        ).all()
    assert len({m.subject for m in msgs}) == 2 and len({m.recipient for m in msgs}) == 1
