"""The recurring sweep: advance every application whose waiting time is over, set-based; at
the schedule's reminder instants, evaluate and store the forecast of the open phase's
deadline, and take the first escalation step early for a unit whose projected shortfall
reaches the cycle file's ``forecast_escalation_share``."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from models.application import Application
from models.context import CycleContext
from models.db import session_scope
from models.forecast import (
    CLOSING_ACTION,
    WINDOW,
    Forecast,
    ForecastEvaluation,
    detail_of,
    escalation_candidates,
    evaluated_instants,
    forecast_as_of,
)
from models.plans import stored_plan
from models.services import unit_publicity_end
from models.settings import workday_calendar
from models.transitions import transition
from notifications.cycle_schedule import cycle_schedule, planned_meetings
from notifications.escalation import escalate_units
from tasks.retry import retry_on_db_hiccup

SYSTEM = "system"
FORECAST = "forecast"  # who takes an early escalation step (Escalation.by)


def open_unit_publicity(session: Session, ctx: CycleContext, now: dt.datetime) -> int:
    """Recommended applications go on unit publicity today, for the cycle's working days."""
    workdays = ctx.policy.get("unit_publicity_min_workdays")
    if workdays is None:
        return 0
    ends = unit_publicity_end(now, int(workdays))
    return len(
        transition(
            session,
            cycle_id=ctx.cycle_id,
            action="start_unit_publicity",
            now=now,
            actor=SYSTEM,
            reason=f"单位公示不少于 {workdays} 个工作日",
            values={"unit_publicity_ends": ends},
        )
    )


def close_unit_publicity(session: Session, ctx: CycleContext, now: dt.datetime) -> int:
    return len(
        transition(
            session,
            cycle_id=ctx.cycle_id,
            action="finish_unit_publicity",
            now=now,
            actor=SYSTEM,
            reason="单位公示期满无异议，报主管部门审核",
            where=[col(Application.unit_publicity_ends) <= now],
        )
    )


def issue_after_publicity(session: Session, ctx: CycleContext, now: dt.datetime) -> int:
    """Issued once result publicity is over without objection; an objection keeps only that
    person back (their document is issued separately later)."""
    return len(
        transition(
            session,
            cycle_id=ctx.cycle_id,
            action="issue",
            now=now,
            actor=SYSTEM,
            reason="结果公示期满无异议，印发资格文件、制发电子证书",
            where=[col(Application.result_publicity_ends) <= now],
        )
    )


# ------------------------------------------------------------------ the forecast

_INSTANTS: dict[int, tuple[Plan, dict[str, list[dt.datetime]]]] = {}


def reminder_instants(plan: Plan) -> dict[str, list[dt.datetime]]:
    """For each forecast phase, the reminder instants of the one schedule that fall while it
    is open (no instant of its own: the forecast runs where the reminders run)."""
    cached = _INSTANTS.get(id(plan))
    if cached is not None and cached[0] is plan:
        return cached[1]
    reminders = [
        e.at
        for e in cycle_schedule(plan, workday_calendar(), planned_meetings(plan))
        if e.kind == "reminder"
    ]
    out: dict[str, list[dt.datetime]] = {}
    for phase in CLOSING_ACTION:
        window = plan.phase(phase) if plan.has(phase) else None
        if window is None or window.start is None or window.end is None:
            continue
        start, end = window.start, window.end
        out[phase] = sorted({at for at in reminders if start <= at < end})
    _INSTANTS[id(plan)] = (plan, out)
    return out


def evaluate_forecasts(session: Session, ctx: CycleContext, now: dt.datetime) -> int:
    """Stores the forecast at every reminder instant up to ``now`` not yet evaluated (a late
    run catches up: the audit trail gives the counts as they stood then); the latest one may
    escalate. Returns how many evaluations it stored."""
    open_now = [
        p for p, w in ctx.windows.items() if p in CLOSING_ACTION and w.start and w.start <= now
    ]
    if not open_now:
        return 0
    spec, plan = stored_plan(session, ctx.cycle_id)
    instants = reminder_instants(plan)
    done = evaluated_instants(session, ctx.cycle_id)
    stored = 0
    for phase in open_now:
        due = [at for at in instants.get(phase, []) if at <= now]
        for at in due:
            if (phase, at) in done:
                continue
            forecast, previous = forecast_as_of(session, ctx.cycle_id, phase, at, WINDOW)
            escalated = 0
            if at == due[-1]:
                escalated = escalate_early(session, ctx, spec, plan, phase, forecast, now)
            if _store(session, ctx.cycle_id, phase, at, now, forecast, previous, escalated):
                stored += 1
    return stored


def _store(
    session: Session,
    cycle_id: str,
    phase: str,
    at: dt.datetime,
    now: dt.datetime,
    forecast: Forecast,
    previous: str | None,
    escalated: int,
) -> bool:
    """One row per (cycle, phase, instant): a second run at the same instant adds nothing."""
    window = CycleContext.load(session, cycle_id).windows[phase]
    assert window.end is not None
    row = ForecastEvaluation(
        cycle_id=cycle_id,
        phase=phase,
        at=at,
        deadline=window.end,
        made_at=now,
        method=forecast.method,
        previous_cycle=previous,
        elapsed=round(forecast.elapsed, 6),
        waiting=forecast.waiting,
        projected=round(forecast.projected, 3),
        escalated=escalated,
        detail=detail_of(forecast),
    )
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stored = session.execute(
        insert(ForecastEvaluation)
        .values(**row.model_dump(exclude={"id"}))
        .on_conflict_do_nothing(index_elements=["cycle_id", "phase", "at"])
        .returning(col(ForecastEvaluation.id))
    ).scalar()
    return stored is not None


def escalate_early(
    session: Session,
    ctx: CycleContext,
    spec: CycleSpec,
    plan: Plan,
    phase: str,
    forecast: Forecast,
    now: dt.datetime,
) -> int:
    """The escalation rule's first step, taken now — before its own threshold — for each unit
    whose projected shortfall reaches ``policy.forecast_escalation_share``, through the rule's
    own steps (``notifications.escalation.escalate_units``): the same step row and message
    the threshold would have produced, so the later steps follow on from it one level at a
    time, none skipped. After the first threshold the rule itself escalates whatever still
    waits: nothing to add then."""
    share = spec.policy.forecast_escalation_share
    rule = spec.notifications.escalation if spec.notifications is not None else None
    if share is None or rule is None or rule.phase != phase or not rule.steps:
        return 0
    deadline = plan.phase(phase).end
    if deadline is None:
        return 0
    first = rule.steps[0]
    if now >= deadline + dt.timedelta(hours=first.offset_hours) or now >= deadline:
        return 0
    wanted = [u.unit_id for u in escalation_candidates(forecast, share)]
    if not wanted:
        return 0
    taken = escalate_units(
        session, ctx.cycle_id, spec, plan, now, step=1, unit_ids=wanted, by=FORECAST
    )
    return len(taken)


STEPS = (
    ("opened_unit_publicity", open_unit_publicity),
    ("closed_unit_publicity", close_unit_publicity),
    ("issued", issue_after_publicity),
    ("forecasts", evaluate_forecasts),
)


@task(
    cache_policy=NO_CACHE,
    name="sweep",
    task_run_name="{cycle_id}-sweep",
    retries=2,
    retry_condition_fn=retry_on_db_hiccup,
)
def sweep(cycle_id: str, now: dt.datetime) -> dict[str, int]:
    """Advances what is due by ``now``; a rerun finds nothing left to move."""
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle_id)
        return {name: step(session, ctx, now) for name, step in STEPS}
