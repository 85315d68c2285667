"""The sweep moves what is due by ``now`` and nothing else: unit publicity runs the cycle's
working days (2024's National Day holiday does not count), a rerun moves nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.application import Application
from models.db import session_scope
from tasks.sweeps import sweep
from tests.factories import bj, recommended, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def test_unit_publicity_skips_the_national_day_holiday() -> None:
    """The province asks for 5 working days (002 五(三), which jiayuguan-2024 inherits). Posted on Monday 9/30: 9/30, then
    10/8–10/11 after the 10/1–10/7 holiday, so it runs to Friday 10/11 24:00."""
    cycle = stored_cycle()
    apps = recommended(cycle, 2)
    assert sweep.fn(cycle, bj(2024, 9, 30, 0, 30))["opened_unit_publicity"] == 2
    with session_scope() as session:
        ends = set(
            session.execute(
                select(Application.unit_publicity_ends).where(Application.id.in_(apps))
            ).scalars()
        )
    assert ends == {bj(2024, 10, 12)}
    assert sweep.fn(cycle, bj(2024, 10, 11, 23, 59))["closed_unit_publicity"] == 0
    assert {status_of(a) for a in apps} == {"unit_publicity"}
    assert sweep.fn(cycle, bj(2024, 10, 12, 0, 0))["closed_unit_publicity"] == 2
    assert {status_of(a) for a in apps} == {"department_review"}


def test_a_rerun_of_the_sweep_moves_nothing() -> None:
    cycle = stored_cycle()
    recommended(cycle, 3)
    first = sweep.fn(cycle, bj(2024, 9, 30, 0, 30))
    again = sweep.fn(cycle, bj(2024, 9, 30, 0, 31))
    assert first["opened_unit_publicity"] == 3
    assert again == {name: 0 for name in first}
