"""The recurring sweep: advance every application whose waiting time is over, set-based."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlmodel import Session, col

from models.application import Application
from models.context import CycleContext
from models.db import session_scope
from models.services import unit_publicity_end
from models.transitions import transition
from tasks.retry import retry_on_db_hiccup

SYSTEM = "system"


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


STEPS = (
    ("opened_unit_publicity", open_unit_publicity),
    ("closed_unit_publicity", close_unit_publicity),
    ("issued", issue_after_publicity),
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
