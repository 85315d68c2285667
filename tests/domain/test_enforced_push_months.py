"""Push months (003 附件1 注2：“可适当提前推送，但不得延后”): a department may forward a
series to its committee in or before the series' push month, never after it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from sqlmodel import col

from models import services
from models.context import CycleContext
from models.cycle import Cycle
from models.db import session_scope
from models.refusals import RefusalCode
from tests.factories import bj, drafts, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def _publicised(push_months: list[dict[str, object]], count: int) -> tuple[str, list[int]]:
    """Jiayuguan 2024 with the given push months: applications to its engineering committee
    (series 工程) past unit publicity on 9/28, so the department may forward them."""
    from tasks.sweeps import close_unit_publicity, open_unit_publicity

    cycle = stored_cycle()
    with session_scope() as session:
        stored = session.get(Cycle, cycle)
        assert stored is not None
        spec = dict(stored.spec)
        spec["push_months"] = push_months
        session.execute(update(Cycle).where(col(Cycle.id) == cycle).values(spec=spec))
    apps = drafts(cycle, count)
    with session_scope() as session:
        for call, at in (
            (services.submit, bj(2024, 9, 20, 9)),
            (services.open_review, bj(2024, 9, 21, 9)),
            (services.recommend, bj(2024, 9, 22, 9)),
        ):
            assert call(session, cycle, apps, now=at, actor="单位").done == apps
        ctx = CycleContext.load(session, cycle)
        assert open_unit_publicity(session, ctx, bj(2024, 9, 23, 0, 30)) == count
        assert close_unit_publicity(session, ctx, bj(2024, 9, 28, 0, 30)) == count
        # 004 三(三): the unit's publicity report, which forwarding requires in 2024
        report = services.record_document(
            session,
            cycle,
            apps,
            services.DocumentKind.publicity_report,
            now=bj(2024, 9, 28, 9),
            actor="单位",
            reference="公示无异议",
        )
        assert report.done == apps
    return cycle, apps


def _forward(cycle: str, app: int, at: dt.datetime) -> services.Outcome:
    with session_scope() as session:
        return services.forward(session, cycle, [app], now=at, actor="主管部门")


def test_a_series_is_forwarded_until_the_end_of_its_push_month_and_refused_after() -> None:
    cycle, (last_second, next_day) = _publicised([{"month": 9, "series": ["工程系列"]}], 2)
    assert _forward(cycle, last_second, bj(2024, 9, 30, 23, 59, 59)).done == [last_second]
    late = _forward(cycle, next_day, bj(2024, 10, 1, 0, 0))
    assert late.done == []
    refusal = late.refusals[next_day]
    assert refusal.code == RefusalCode.past_push_month
    assert "9月" in refusal.message
    assert status_of(next_day) != "forwarded"


def test_forwarding_before_the_push_month_is_allowed() -> None:
    cycle, (app,) = _publicised([{"month": 10, "series": ["工程系列(含基层有效)"]}], 1)
    assert _forward(cycle, app, bj(2024, 9, 30, 9)).done == [app]


def test_a_series_without_a_push_month_is_not_held_to_one() -> None:
    cycle, (app,) = _publicised([{"month": 9, "series": ["会计系列"]}], 1)
    assert _forward(cycle, app, bj(2024, 10, 8, 9)).done == [app]
