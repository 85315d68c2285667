"""A stored cycle's plan: its cycle file as stored, planned again on the working-day calendar."""

from __future__ import annotations

import json
from functools import lru_cache

from sqlalchemy import String, Text, bindparam, cast, select
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from calendars.planner import plan_cycle
from models.cycle import Cycle
from models.settings import workday_calendar

# Built once: read at every instant of a cycle's schedule. The text as stored, not the parsed
# JSON: whether it is the text planned before is a string comparison, where parsing the 65 KB
# cycle file and writing it out again cost more than the rest of a quiet instant.
_STORED_TEXT = select(col(Cycle.revision), cast(col(Cycle.spec), Text)).where(
    col(Cycle.id) == bindparam("cycle_id", type_=String)
)


@lru_cache(maxsize=64)
def _plan(cycle_id: str, revision: int, spec_text: str) -> tuple[CycleSpec, Plan]:
    spec = CycleSpec.model_validate(json.loads(spec_text))
    return spec, plan_cycle(spec, workday_calendar())


def stored_plan(session: Session, cycle_id: str) -> tuple[CycleSpec, Plan]:
    """The stored cycle re-planned, kept per revision and stored text of its cycle file: an
    extension, or anything else that rewrites the stored file, gives a new plan."""
    found = session.execute(_STORED_TEXT, {"cycle_id": cycle_id}).one_or_none()
    assert found is not None, f"no stored cycle {cycle_id}"
    revision, text = found
    return _plan(cycle_id, int(revision), str(text))
