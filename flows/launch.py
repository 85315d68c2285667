"""The yearly cycle: plan the file, store it, schedule a run at every instant of its schedule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pendulum
from prefect import flow

from calendars.plan import Plan
from calendars.planner import plan_file
from models.context import Refused
from models.settings import workday_calendar
from tasks.schedule import schedule_runs
from tasks.store import store_cycle


def checked_plan(cycle_file: str | Path) -> Plan:
    """A plan fit to run: any error finding refuses the launch, naming every error."""
    plan = plan_file(cycle_file, workday_calendar())
    if plan.errors:
        lines = "；".join(f"{f.code}：{f.message}" for f in plan.errors)
        raise Refused(f"周期文件有 {len(plan.errors)} 个错误，不能启动：{lines}", "plan_errors")
    return plan


@flow(name="annual-cycle", flow_run_name="launch-{cycle_file}")
def annual_cycle(
    cycle_file: str,
    now: dt.datetime | None = None,
    by: str = "省职改办",
    schedule: bool = True,
    cycle_id: str | None = None,
) -> dict[str, Any]:
    """Launches a year's cycle (idempotent: launching the same file twice changes nothing)."""
    now = pendulum.instance(now) if now is not None else pendulum.now("UTC")
    plan = checked_plan(cycle_file)
    cycle_id = cycle_id or plan.spec.id
    created = store_cycle(plan, now, by, cycle_id)
    scheduled = schedule_runs(cycle_id, now) if schedule else []
    return {"cycle_id": cycle_id, "created": created, "scheduled": scheduled}
