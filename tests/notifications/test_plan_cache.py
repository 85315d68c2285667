"""A stored cycle's plan (``models.plans.stored_plan``) is planned once per stored text of the
cycle file: the same object while nothing changed, a new one as soon as the stored cycle
file (or its revision) changes, whatever wrote it."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from models.cycle import Cycle
from models.db import session_scope
from models.plans import stored_plan
from tests.factories import stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def test_the_plan_is_read_again_only_when_the_stored_cycle_changes() -> None:
    cycle = stored_cycle()
    with session_scope() as session:
        first = stored_plan(session, cycle)
        assert stored_plan(session, cycle) is first
        spec = dict(session.get(Cycle, cycle).spec)
    spec["title"] = spec["title"] + "（修订）"
    with session_scope() as session:
        session.execute(update(Cycle).where(col(Cycle.id) == cycle).values(spec=spec))
    with session_scope() as session:
        changed = stored_plan(session, cycle)
        assert changed[0].title.endswith("（修订）")
    with session_scope() as session:
        session.execute(update(Cycle).where(col(Cycle.id) == cycle).values(revision=7))
    with session_scope() as session:
        assert stored_plan(session, cycle) is not changed
