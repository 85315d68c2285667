"""Reminders written set-based (INSERT … SELECT, the text rendered once per offset with the
database filling in each name, masked number and count) say exactly what rendering each row
would; a template that computes with a per-row value is rendered row by row instead."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from sqlalchemy import literal, select
from sqlmodel import col

from models.application import Application, Person
from models.db import session_scope
from models.org import Organisation
from models.outbox import Message
from models.plans import stored_plan
from models.settings import workday_calendar
from notifications.reminders import ReminderWriter, masked_in_sql
from notifications.render import render, skeleton
from notifications.schedule import Due, notification_schedule
from rules.idcard import mask
from tests.factories import bj, drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def messages(cycle: str, kind: str) -> list[Message]:
    with session_scope() as session:
        return list(
            session.execute(
                select(Message).where(col(Message.cycle_id) == cycle, col(Message.kind) == kind)
            )
            .scalars()
            .all()
        )


def first_due(cycle: str, kind: str) -> Due:
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
    return min(d for d in notification_schedule(plan, workday_calendar()) if d.kind == kind)


def write(cycle: str, now: dt.datetime) -> int:
    with session_scope() as session:
        spec, plan = stored_plan(session, cycle)
        return ReminderWriter(session, cycle, spec, plan, workday_calendar()).write(now)


def test_each_applicant_reminder_is_what_rendering_it_gives() -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 3)
    due = first_due(cycle, "declaration_draft")
    assert write(cycle, due.at) == 3
    assert write(cycle, due.at) == 0  # written once per offset
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
        people = dict(
            session.execute(
                select(col(Application.id), col(Person.name))
                .join(Person, col(Person.id_number) == col(Application.person_id))
                .where(col(Application.id).in_(ids))
            ).all()
        )
        numbers = dict(
            session.execute(
                select(col(Application.id), col(Application.person_id)).where(
                    col(Application.id).in_(ids)
                )
            ).all()
        )
    rows = messages(cycle, "declaration_draft")
    assert sorted(m.subject for m in rows) == sorted(f"application:{i}" for i in ids)
    deadline = plan.phase("declaration").end
    for m in rows:
        app_id = int(m.subject.split(":")[1])
        title, body = render(
            "declaration_draft",
            deadline,
            pending=1,
            name=people[app_id],
            id_masked=mask(numbers[app_id]),
            cycle_title=plan.spec.title,
            days_left=(pendulum.instance(deadline) - pendulum.instance(m.due)).in_days(),
        )
        assert (m.recipient, m.title, m.body) == (numbers[app_id], title, body)
        assert people[app_id] in m.body and numbers[app_id] not in m.body
        assert (m.deadline, m.due, m.expires_at, m.status) == (
            deadline,
            due.at,
            deadline,
            "pending",
        )


def test_a_units_reminder_carries_its_name_and_count() -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 2)
    with session_scope() as session:
        for app_id in ids:
            session.get(Application, app_id).status = "unit_review"
        unit = session.get(Organisation, session.get(Application, ids[0]).unit_id)
        code, name = unit.code, unit.name
    due = first_due(cycle, "unit_pending")
    write(cycle, due.at)
    (m,) = [m for m in messages(cycle, "unit_pending") if m.recipient == code]
    assert (m.subject, m.pending, m.recipient_kind) == (code, 2, "unit")
    assert f"{name}：您单位有 2 件职称申报待审核推荐" in m.body


@pytest.mark.parametrize(
    "number",
    ["620102199001010016", "62010219900101001X", "620102900101001", "12345678901", "1234", ""],
)
def test_the_database_masks_an_id_number_as_mask_does(number: str) -> None:
    with session_scope() as session:
        found = session.execute(select(masked_in_sql(literal(number)))).scalar()
    assert (found or "") == mask(number)


def test_a_template_that_computes_with_a_row_value_has_no_skeleton() -> None:
    # The escalation text compares the step (第 2 级 and above say how often before).
    assert (
        skeleton(
            "escalation",
            bj(2024, 10, 28),
            {"step": (1, 2)},
            org_name="甲",
            unit_name="乙",
            pending=1,
            phase_title="单位审核",
        )
        is None
    )
    made = skeleton(
        "escalation",
        bj(2024, 10, 28),
        {"pending": (1, 22)},
        step=2,
        org_name="甲",
        unit_name="乙",
        phase_title="单位审核",
    )
    assert made is not None
    assert (
        made.fill(pending=7)
        == render(
            "escalation",
            bj(2024, 10, 28),
            step=2,
            org_name="甲",
            unit_name="乙",
            phase_title="单位审核",
            pending=7,
        )[1]
    )
