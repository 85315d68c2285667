"""Extending a phase on the server: record it, then move the scheduled runs it moved."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from prefect import flow

from models.db import session_scope
from models.extension import extend_phase
from models.settings import workday_calendar
from tasks.schedule import cancel_superseded, schedule_runs


@flow(name="extend-phase", flow_run_name="extend-{cycle_id}-{phase}")
def extend(
    cycle_id: str,
    phase: str,
    new_last_day: dt.date,
    by: str,
    reason: str,
    now: dt.datetime | None = None,
    reschedule: bool = True,
) -> dict[str, Any]:
    """Moves the boundary and everything tied to it (reminders, escalations, publicity ends
    counted from it); superseded runs are cancelled, the new instants scheduled."""
    now = pendulum.instance(now) if now is not None else pendulum.now("UTC")
    with session_scope() as session:
        moves = extend_phase(
            session,
            cycle_id,
            phase,
            new_last_day,
            by=by,
            reason=reason,
            now=now,
            calendar=workday_calendar(),
        )
    rescheduled: list[str] = []
    if reschedule and moves:
        cancel_superseded(cycle_id)
        rescheduled = schedule_runs(cycle_id, now)
    return {"moved": [m.describe() for m in moves], "rescheduled": rescheduled}
