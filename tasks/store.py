"""Storing a planned cycle: the cycle, its phases as UTC instants, its committees (with whom
each hears, for routing imported declarations)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlmodel import Session

from calendars.plan import Plan
from models.context import Refused
from models.cycle import Committee, Cycle, Phase
from models.db import session_scope


def spec_json(plan: Plan) -> dict[str, Any]:
    return plan.spec.model_dump(mode="json")


def write_cycle(
    session: Session, plan: Plan, *, now: dt.datetime, by: str, cycle_id: str | None = None
) -> tuple[Cycle, bool]:
    """Stores the plan once; launching the same file again changes nothing. ``cycle_id``
    stores it under another id (a simulation beside the real cycle)."""
    spec = plan.spec
    cycle_id = cycle_id or spec.id
    stored = spec_json(plan)
    existing = session.get(Cycle, cycle_id)
    if existing is not None:
        if _comparable(existing.spec) != _comparable(stored):
            raise Refused(
                f"周期 {cycle_id} 已于此前启动，且周期文件已改动；调整截止时间请用 zhicheng extend",
                "already_launched",
            )
        return existing, False
    cycle = Cycle(
        id=cycle_id,
        title=spec.title,
        year=spec.year,
        region_code=spec.region.code,
        region_name=spec.region.name,
        parent_id=spec.parent,
        spec=stored,
        file=spec.file,
        launched_at=now,
        launched_by=by,
    )
    session.add(cycle)
    session.flush()
    for position, phase in enumerate(plan.phases):
        session.add(
            Phase(
                cycle_id=cycle_id,
                key=phase.key,
                parent_key=phase.parent,
                title=phase.title,
                position=position,
                start=phase.start,
                end=phase.end,
            )
        )
    for c in plan.committees:
        filed = spec.committees[c.key]
        session.add(
            Committee(
                cycle_id=cycle_id,
                key=c.key,
                name=c.name,
                organiser=c.organiser,
                series=c.series,
                specialties=None if filed.specialties == "all" else list(filed.specialties),
                grants=list(filed.granted_levels()),
                region=filed.region,
                owners=list(filed.owners) or None,
                level=c.level,
                scope=c.scope,
                window_start=c.window_start,
                window_last_day=c.window_last_day,
                meeting=c.meeting,
            )
        )
    return cycle, True


def _comparable(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k not in ("file", "chain")}


@task(cache_policy=NO_CACHE, name="store-cycle", task_run_name="store-cycle")
def store_cycle(plan: Plan, now: dt.datetime, by: str, cycle_id: str | None = None) -> bool:
    """Writes the cycle, phases and committees; keyed by the cycle id, so a rerun is a no-op."""
    with session_scope() as session:
        _, created = write_cycle(session, plan, now=now, by=by, cycle_id=cycle_id)
        return created
