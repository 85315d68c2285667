"""Pingliang 2022's city review (002 一 "10月31日前市工信局会同市职改办完成网上审核") is the
department level's own window (``level: department`` on its phase): the city's returns,
resubmissions and forwarding close at 10/31 24:00, the units' at 9/30 24:00. Its return limit
counts returns from 9/30 on (002 五(六) "9月30日后…退回次数不得超过3次，超过3次系统将自动
锁定"); 2024 counts them all (004 三(四))."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from models import services
from models.application import Application
from models.context import CycleContext
from models.cycle import Committee
from models.db import session_scope
from models.refusals import RefusalCode
from tests.factories import bj, drafts, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db")

PINGLIANG = "pingliang-engineering-2022"


def pingliang(count: int) -> tuple[str, list[int]]:
    """Pingliang 2022 stored, with one engineering committee (002 names none) and ``count``
    drafts to it."""
    cycle = stored_cycle(PINGLIANG)
    with session_scope() as session:
        session.add(
            Committee(
                cycle_id=cycle,
                key="pl-gc",
                name="平凉市工程系列中级职称评审委员会",
                organiser="平凉市工信局",
                series="工程",
                level="intermediate",
                scope="city",
                region="620800",
            )
        )
    return cycle, drafts(cycle, count, committee_key="pl-gc") if count else []


def act(call, *args, **kwargs) -> services.Outcome:
    with session_scope() as session:
        return call(session, *args, **kwargs)


def at_department(ids: list[int]) -> None:
    """Through unit review and publicity (the sweeps' part, not under test here)."""
    with session_scope() as session:
        session.execute(
            update(Application)
            .where(col(Application.id).in_(ids))
            .values(status="department_review")
        )


def returned(cycle: str, ids: list[int], at, who: str = "市工信局") -> services.Outcome:
    return act(services.return_for_changes, cycle, ids, now=at, actor=who, reason="一次性修改意见")


def test_the_city_review_is_the_department_levels_window() -> None:
    cycle, _ = pingliang(0)
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        city = ctx.level_window("department")
        unit = ctx.level_window("unit")
    assert (city.key, city.end) == ("city_review", bj(2022, 11, 1))
    assert (unit.key, unit.end) == ("unit_review", bj(2022, 10, 1))


def test_a_return_at_the_city_review_is_accepted_at_10_31_23_59_and_refused_at_11_1() -> None:
    cycle, (last_minute, midnight, at_unit) = pingliang(3)
    act(
        services.submit,
        cycle,
        [last_minute, midnight, at_unit],
        now=bj(2022, 9, 20),
        actor="申报人",
    )
    at_department([last_minute, midnight])
    ok = returned(cycle, [last_minute], bj(2022, 10, 31, 23, 59))
    assert ok.done == [last_minute]
    assert status_of(last_minute) == "returned"
    late = returned(cycle, [midnight], bj(2022, 11, 1, 0, 0))
    assert late.done == []
    assert late.refusals[midnight].code == RefusalCode.closed
    assert "2022年10月31日24:00" in late.refusals[midnight].message
    assert status_of(midnight) == "department_review"
    # The unit level closed with unit review on 9/30 24:00, as before.
    unit = returned(cycle, [at_unit], bj(2022, 10, 1, 0, 0), who="用人单位")
    assert unit.refusals[at_unit].code == RefusalCode.closed
    assert "2022年9月30日24:00" in unit.refusals[at_unit].message


def test_after_a_city_return_resubmission_and_forwarding_stay_open_to_10_31() -> None:
    cycle, (app, other) = pingliang(2)
    act(services.submit, cycle, [app, other], now=bj(2022, 9, 20), actor="申报人")
    at_department([app, other])
    assert returned(cycle, [app, other], bj(2022, 10, 20, 9)).done == [app, other]
    again = act(services.resubmit, cycle, [app], now=bj(2022, 10, 31, 23, 59), actor="申报人")
    assert again.done == [app]
    assert status_of(app) == "department_review"
    late = act(services.resubmit, cycle, [other], now=bj(2022, 11, 1), actor="申报人")
    assert late.refusals[other].code == RefusalCode.closed
    sent = act(services.forward, cycle, [app], now=bj(2022, 10, 31, 23, 59), actor="市工信局")
    assert sent.done == [app]


def test_only_returns_from_9_30_on_count_and_the_fourth_is_refused_and_locks() -> None:
    cycle, (app,) = pingliang(1)
    act(services.submit, cycle, [app], now=bj(2022, 9, 20), actor="申报人")
    # Two returns before 9/30, the last a second before it: they do not count.
    for at, back in (
        (bj(2022, 9, 27, 9), bj(2022, 9, 27, 10)),
        (bj(2022, 9, 29, 23, 59, 59), bj(2022, 9, 29, 23, 59, 59)),
    ):
        assert returned(cycle, [app], at, who="用人单位").done == [app]
        assert act(services.resubmit, cycle, [app], now=back, actor="申报人").done == [app]
    # The first that counts: 9/30 0:00, by the unit.
    assert returned(cycle, [app], bj(2022, 9, 30, 0, 0), who="用人单位").done == [app]
    act(services.resubmit, cycle, [app], now=bj(2022, 9, 30, 9), actor="申报人")
    at_department([app])
    for day in (10, 20):  # the second and third
        assert returned(cycle, [app], bj(2022, 10, day, 9)).done == [app]
        act(services.resubmit, cycle, [app], now=bj(2022, 10, day, 10), actor="申报人")
    fourth = returned(cycle, [app], bj(2022, 10, 25, 9))
    assert fourth.done == []
    assert fourth.refusals[app].code == RefusalCode.return_limit
    assert "2022年9月30日起已退回 3 次，达到上限 3 次" in fourth.refusals[app].message
    with session_scope() as session:
        row = session.get(Application, app)
        assert row is not None
        assert (row.return_count, row.locked, row.status) == (5, True, "department_review")


def test_without_a_counting_date_every_return_counts_2024() -> None:
    cycle = stored_cycle("jiayuguan-2024")
    (app,) = drafts(cycle, 1)
    act(services.submit, cycle, [app], now=bj(2024, 9, 20, 9), actor="申报人")
    for day in (21, 23, 25):
        assert returned(cycle, [app], bj(2024, 9, day, 9), who="单位").done == [app]
        act(services.resubmit, cycle, [app], now=bj(2024, 9, day + 1, 9), actor="申报人")
    fourth = returned(cycle, [app], bj(2024, 9, 28, 9), who="单位")
    assert fourth.refusals[app].code == RefusalCode.return_limit
    assert fourth.refusals[app].message.startswith("已退回 3 次")
