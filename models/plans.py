"""A stored cycle's plan: its cycle file as stored, planned again on the working-day calendar."""

from __future__ import annotations

import json
from functools import lru_cache

from sqlmodel import Session

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from calendars.planner import plan_cycle
from models.cycle import Cycle
from models.settings import workday_calendar


@lru_cache(maxsize=64)
def _plan(cycle_id: str, revision: int, spec_json: str) -> tuple[CycleSpec, Plan]:
    spec = CycleSpec.model_validate(json.loads(spec_json))
    return spec, plan_cycle(spec, workday_calendar())


def stored_plan(session: Session, cycle_id: str) -> tuple[CycleSpec, Plan]:
    """The stored cycle re-planned (cached per revision: an extension gives a new plan)."""
    cycle = session.get(Cycle, cycle_id)
    assert cycle is not None
    return _plan(cycle_id, cycle.revision, json.dumps(cycle.spec, sort_keys=True))
