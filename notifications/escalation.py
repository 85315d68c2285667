"""Escalation along the organisation tree: an overdue unit goes to its department, then the
city office, then the province — one level per sweep, never skipping one, stopping as soon as
the unit has nothing pending. Every step is recorded and announced through the outbox."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, and_, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from models.application import Application
from models.org import Organisation
from models.outbox import Escalation
from models.timeutil import UTCDateTime
from models.transitions import CHUNK
from notifications.reminders import insert_selected, message_constants
from notifications.schedule import Offset, outside_quiet_hours

SYSTEM = "system"  # who takes a step (Escalation.by)


def _steps_taken(session: Session, cycle_id: str, deadline: dt.datetime) -> dict[int, int]:
    """Each unit's last step for ``deadline``."""
    stmt = (
        select(col(Escalation.unit_id), func.max(col(Escalation.step)))
        .where(col(Escalation.cycle_id) == cycle_id, col(Escalation.deadline) == deadline)
        .group_by(col(Escalation.unit_id))
    )
    return {unit: step for unit, step in session.execute(stmt)}


def _province_id(session: Session) -> int | None:
    """The province's organisation: where the last step goes."""
    return session.execute(
        select(col(Organisation.id)).where(col(Organisation.kind) == "province")
    ).scalar()


def _target_join(level: str, unit: Any, target: Any, province: int | None) -> Any:
    """How a unit's target at ``level`` is found: its department, its city office (by city
    code), the province."""
    if level == "department":
        return target.id == unit.department_id
    if level == "city":
        return and_(target.kind == "city", target.code == unit.city_code)
    return target.id == province


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
    pending already then count); it is taken ``now``. Set-based: one INSERT … SELECT of the
    steps per level and one of their messages, the text rendered once per level."""
    if spec.notifications is None or spec.notifications.escalation is None:
        return []
    rule = spec.notifications.escalation
    phase = plan.phase(rule.phase)
    if phase.end is None:
        return []
    deadline = phase.end
    reached = as_of or now
    if not rule.steps:
        return []
    if reached < deadline + dt.timedelta(hours=min(s.offset_hours for s in rule.steps)):
        return []  # before the first threshold: no step is due, nothing to read
    if not _anything_pending(session, cycle_id, rule.states, as_of):
        return []  # most runs after it: nothing overdue, one probe of the index per state
    query = _pending_query(cycle_id, rule.states, as_of)
    pending_units = {unit: items for unit, items in session.execute(query)}
    if not pending_units:
        return []
    # The steps some pending unit takes next; each INSERT checks again, in its WHERE, that
    # the unit's last step is the one before (another run may have moved on meanwhile).
    last = _steps_taken(session, cycle_id, deadline)
    wanted = {
        step
        for step in {last.get(unit, 0) + 1 for unit in pending_units}
        if step <= len(rule.steps)
        and reached >= deadline + dt.timedelta(hours=rule.steps[step - 1].offset_hours)
    }
    if not wanted:
        return []
    recorded: list[Escalation] = []
    # The last step first: a unit that takes a step here is not seen again for the next one
    # (one level per run, as each unit's next step is read before any is taken).
    for step in sorted(wanted, reverse=True):
        recorded += escalate_units(session, cycle_id, spec, plan, now, step=step, as_of=as_of)
    recorded.sort(key=lambda s: s.unit_id)  # in unit order, as each is one step at most
    return recorded


def escalate_units(
    session: Session,
    cycle_id: str,
    spec: CycleSpec,
    plan: Plan,
    now: dt.datetime,
    *,
    step: int,
    unit_ids: Sequence[int] | None = None,
    as_of: dt.datetime | None = None,
    by: str = SYSTEM,
) -> list[Escalation]:
    """Step ``step`` of the escalation rule, taken ``now``, for each unit (of ``unit_ids``, or
    any) with items pending (already at ``as_of``, if given) whose last step for the deadline
    is the one before and that has someone at the step's level to go to: the step recorded
    and announced to that organisation. Whether the step's threshold has come is the
    caller's to decide: ``escalate`` at the thresholds, the forecast (``by="forecast"``)
    before the first one — after which the rule's later steps follow on from it at their own
    thresholds, one level per run, none skipped. A unit already at the step or beyond is
    left as it is. Set-based: one INSERT … SELECT of the steps and one of their messages."""
    if spec.notifications is None or spec.notifications.escalation is None:
        return []
    rule = spec.notifications.escalation
    phase = plan.phase(rule.phase)
    if phase.end is None or not 1 <= step <= len(rule.steps):
        return []
    if unit_ids is not None and not unit_ids:
        return []
    query = _pending_query(cycle_id, rule.states, as_of)
    if unit_ids is not None:
        query = query.where(col(Application.unit_id).in_(sorted(set(unit_ids))))
    taken = _take(
        session,
        cycle_id,
        rule.phase,
        phase.end,
        step,
        rule.steps[step - 1].level,
        query.subquery("pending"),
        _province_id(session),
        now,
        by,
    )
    if taken:
        _announce(session, cycle_id, spec, phase.title, phase.end, taken, now)
    return sorted(taken, key=lambda s: s.unit_id)


def _anything_pending(
    session: Session, cycle_id: str, states: list[str], as_of: dt.datetime | None
) -> bool:
    """Whether any application waits in ``states`` (since ``as_of`` or before). Asked at every
    instant after the first threshold, mostly to hear that nothing does: one statement of a
    probe per state, each the first entry of the (cycle, status) index in its own order. As
    one ``status IN (…) LIMIT 1``, PostgreSQL planned by statistics from when many were
    waiting: a sequential scan expected to stop at once, which read the whole table to find
    none (100,000 applications: 109 ms against 2 ms, benchmarks/README.md); the index's order
    makes the first entry the cheap plan whatever the statistics say."""
    probes = []
    for state in states:
        probe = select(col(Application.id)).where(
            col(Application.cycle_id) == cycle_id, col(Application.status) == state
        )
        if as_of is not None:
            probe = probe.where(col(Application.updated_at) <= as_of)
        probes.append(
            probe.order_by(col(Application.unit_publicity_ends)).limit(1).scalar_subquery()
        )
    if not probes:
        return False
    return any(found is not None for found in session.execute(select(*probes)).one())


def _pending_query(cycle_id: str, states: list[str], as_of: dt.datetime | None) -> Any:
    stmt: Any = (
        select(col(Application.unit_id).label("unit_id"), func.count().label("items"))
        .where(col(Application.cycle_id) == cycle_id, col(Application.status).in_(states))
        .group_by(col(Application.unit_id))
    )
    if as_of is not None:
        stmt = stmt.having(func.min(col(Application.updated_at)) <= as_of)
    return stmt


def _take(
    session: Session,
    cycle_id: str,
    phase: str,
    deadline: dt.datetime,
    step: int,
    level: str,
    pending: Any,
    province: int | None,
    now: dt.datetime,
    by: str,
) -> list[Escalation]:
    """Step ``step`` for every pending unit whose last step is the one before, and that has
    someone at ``level`` to go to; a step another run took first is left as it was."""
    unit = aliased(Organisation, name="unit")
    target = aliased(Organisation, name="target")
    taken = (
        select(func.max(col(Escalation.step)))
        .where(
            col(Escalation.cycle_id) == cycle_id,
            col(Escalation.deadline) == deadline,
            col(Escalation.unit_id) == pending.c.unit_id,
        )
        .scalar_subquery()
    )
    stamp = UTCDateTime()
    values: list[Any] = [
        literal(cycle_id, String),
        pending.c.unit_id,
        literal(phase, String),
        literal(deadline, stamp),
        literal(level, String),
        literal(step),
        target.id,
        literal(now, stamp),
        pending.c["items"],
        literal(by, String),
    ]
    rows = (
        select(*values)
        .select_from(pending)
        .join(unit, unit.id == pending.c.unit_id)
        .join(target, _target_join(level, unit, target, province))
        .where(func.coalesce(taken, 0) == step - 1)
    )
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = (
        insert(Escalation)
        .from_select(
            [
                "cycle_id",
                "unit_id",
                "phase",
                "deadline",
                "level",
                "step",
                "to_org_id",
                "at",
                "items",
                "by",
            ],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["cycle_id", "unit_id", "deadline", "level"])
        .returning(
            col(Escalation.id),
            col(Escalation.unit_id),
            col(Escalation.to_org_id),
            col(Escalation.items),
        )
    )
    return [
        Escalation(
            id=id_,
            cycle_id=cycle_id,
            unit_id=unit_id,
            phase=phase,
            deadline=deadline,
            level=level,
            step=step,
            to_org_id=to_org,
            at=now,
            items=items,
            by=by,
        )
        for id_, unit_id, to_org, items in session.execute(stmt).all()
    ]


def _announce(
    session: Session,
    cycle_id: str,
    spec: CycleSpec,
    phase_title: str,
    deadline: dt.datetime,
    steps: list[Escalation],
    now: dt.datetime,
) -> None:
    """One message per step taken, to the organisation it went to: the text rendered once
    per step number, the names and the count put in by the database."""
    assert spec.notifications is not None
    due = outside_quiet_hours(now, deadline + dt.timedelta(days=365), spec.notifications)
    unit = aliased(Organisation, name="unit")
    target = aliased(Organisation, name="target")
    for step in sorted({s.step for s in steps}):
        ids = [s.id for s in steps if s.step == step]
        level = next(s.level for s in steps if s.step == step)
        shared = message_constants(
            cycle_id, "escalation", level, deadline, Offset(f"step{step}", due), now, False
        )
        for i in range(0, len(ids), CHUNK):
            rows = (
                select(
                    *(value.label(name) for name, value in shared.items()),
                    col(target.code).label("recipient"),
                    col(unit.code).label("subject"),
                    col(Escalation.items).label("pending"),
                    col(target.name).label("org_name"),
                    col(unit.name).label("unit_name"),
                )
                .select_from(Escalation)
                .join(unit, col(unit.id) == col(Escalation.unit_id))
                .join(target, col(target.id) == col(Escalation.to_org_id))
                .where(col(Escalation.id).in_(ids[i : i + CHUNK]))
            )
            insert_selected(
                session,
                rows,
                "escalation",
                deadline,
                {
                    "org_name": ("某某主管部门", "另一市（州）人社局"),
                    "unit_name": ("某某单位", "另一单位（2）"),
                    "pending": (1, 2345),
                },
                step=step,
                phase_title=phase_title,
            )


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
