"""Escalation along the organisation tree: an overdue unit goes to its department, then the
city office, then the province — one level per sweep, never skipping one, stopping as soon as
the unit has nothing pending. Every step is recorded and announced through the outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from models.application import Application
from models.org import Organisation
from models.outbox import Escalation
from notifications.reminders import insert_messages, message_row
from notifications.schedule import Offset, outside_quiet_hours


def _pending_units(
    session: Session, cycle_id: str, states: list[str], as_of: dt.datetime | None = None
) -> dict[int, int]:
    """Units with items pending now (and their count); with ``as_of``, only those that had one
    pending already then (an item's status has not changed since its ``updated_at``)."""
    stmt = (
        select(col(Application.unit_id), func.count())
        .where(col(Application.cycle_id) == cycle_id, col(Application.status).in_(states))
        .group_by(col(Application.unit_id))
    )
    if as_of is not None:
        stmt = stmt.having(func.min(col(Application.updated_at)) <= as_of)
    return {unit: count for unit, count in session.execute(stmt)}


def _steps_taken(session: Session, cycle_id: str, deadline: dt.datetime) -> dict[int, int]:
    stmt = (
        select(col(Escalation.unit_id), func.max(col(Escalation.step)))
        .where(col(Escalation.cycle_id) == cycle_id, col(Escalation.deadline) == deadline)
        .group_by(col(Escalation.unit_id))
    )
    return {unit: step for unit, step in session.execute(stmt)}


def _targets(session: Session, unit_ids: list[int]) -> dict[int, dict[str, Any]]:
    """For each unit: itself, its department, its city office and the province."""
    units = {
        u.id: u
        for u in session.execute(
            select(Organisation).where(col(Organisation.id).in_(unit_ids))
        ).scalars()
    }
    wanted = {u.department_id for u in units.values() if u.department_id}
    codes = {u.city_code for u in units.values() if u.city_code}
    departments = {
        o.id: o
        for o in session.execute(
            select(Organisation).where(col(Organisation.id).in_(wanted))
        ).scalars()
    }
    cities = {
        o.code: o
        for o in session.execute(
            select(Organisation).where(
                col(Organisation.kind) == "city", col(Organisation.code).in_(codes)
            )
        ).scalars()
    }
    province = (
        session.execute(select(Organisation).where(col(Organisation.kind) == "province"))
        .scalars()
        .first()
    )
    return {
        uid: {
            "unit": u,
            "department": departments.get(u.department_id) if u.department_id else None,
            "city": cities.get(u.city_code or ""),
            "province": province,
        }
        for uid, u in units.items()
    }


def escalate(
    session: Session,
    cycle_id: str,
    spec: CycleSpec,
    plan: Plan,
    now: dt.datetime,
    as_of: dt.datetime | None = None,
) -> list[Escalation]:
    """Takes the next step for every unit whose next threshold has passed by ``as_of``
    (``now`` unless a late run catches up an earlier instant, when only units with an item
    pending already then count); it is taken ``now``."""
    if spec.notifications is None or spec.notifications.escalation is None:
        return []
    rule = spec.notifications.escalation
    phase = plan.phase(rule.phase)
    if phase.end is None:
        return []
    deadline = phase.end
    pending = _pending_units(session, cycle_id, rule.states, as_of)
    if not pending:
        return []
    taken = _steps_taken(session, cycle_id, deadline)
    targets = _targets(session, list(pending))
    recorded: list[Escalation] = []
    messages: list[dict[str, Any]] = []
    for unit_id, items in sorted(pending.items()):
        step = taken.get(unit_id, 0) + 1
        if step > len(rule.steps):
            continue
        level = rule.steps[step - 1]
        if (as_of or now) < deadline + dt.timedelta(hours=level.offset_hours):
            continue
        place = targets[unit_id]
        target = place[level.level]
        if target is None:
            continue
        step_row = Escalation(
            cycle_id=cycle_id,
            unit_id=unit_id,
            phase=rule.phase,
            deadline=deadline,
            level=level.level,
            step=step,
            to_org_id=target.id,
            at=now,
            items=items,
        )
        if not _record(session, step_row):
            continue  # another run took this step first (and announced it)
        recorded.append(step_row)
        due = outside_quiet_hours(now, deadline + dt.timedelta(days=365), spec.notifications)
        messages.append(
            message_row(
                cycle_id,
                "escalation",
                target.code,
                level.level,
                place["unit"].code,
                deadline,
                Offset(f"step{step}", due),
                now,
                items,
                False,
                step=step,
                org_name=target.name,
                unit_name=place["unit"].name,
                phase_title=phase.title,
            )
        )
    insert_messages(session, messages)
    return recorded


def escalate_through(
    session: Session, cycle_id: str, spec: CycleSpec, plan: Plan, now: dt.datetime
) -> list[Escalation]:
    """The steps the runs at each threshold up to ``now`` would have taken, one level per
    instant: a run that comes after the instants of earlier steps (the server was down for
    days) takes them in order, none skipped, each recorded when it is taken."""
    if spec.notifications is None or spec.notifications.escalation is None:
        return []
    rule = spec.notifications.escalation
    deadline = plan.phase(rule.phase).end
    if deadline is None:
        return []
    thresholds = sorted({deadline + dt.timedelta(hours=s.offset_hours) for s in rule.steps})
    taken: list[Escalation] = []
    for at in [t for t in thresholds if t < now]:
        taken += escalate(session, cycle_id, spec, plan, now, as_of=at)
    return taken + escalate(session, cycle_id, spec, plan, now)


def _record(session: Session, step: Escalation) -> bool:
    """Stores the step unless it is already there: two runs of the cycle at once (a stray
    manual run beside the scheduled one) both read no step taken, and the second waits for
    the first's commit and then adds nothing, instead of failing on the unique key."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stored = session.execute(
        insert(Escalation)
        .values(**step.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=["cycle_id", "unit_id", "deadline", "level"])
        .returning(col(Escalation.id))
    ).scalar()
    step.id = stored
    return stored is not None
