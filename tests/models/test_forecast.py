"""The deadline forecast: the pure projection, its evaluation at the schedule's reminder
instants by the sweep, and the early escalation at (and only at) the cycle file's
forecast_escalation_share."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlmodel import col

from models import services
from models.context import CycleContext
from models.cycle import Cycle
from models.db import session_scope
from models.forecast import (
    WINDOW,
    Forecast,
    UnitForecast,
    UnitPace,
    detail_of,
    escalation_candidates,
    forecast_as_of,
    nothing_after,
    pace,
    project,
    stored_evaluations,
)
from models.org import Organisation
from models.outbox import Escalation, Message
from models.plans import stored_plan
from notifications.escalation import escalate
from tasks.sweeps import escalate_early, reminder_instants, sweep
from tests.factories import bj, drafts, stored_cycle, unit_in_tree

START, DEADLINE = bj(2024, 10, 21), bj(2024, 11, 1)
DAY = dt.timedelta(days=1)


def test_without_a_previous_cycle_the_current_pace_runs_on_to_the_deadline() -> None:
    """Half of what waited three days ago left since: three more days halve it again."""
    now = DEADLINE - 3 * DAY
    units = [UnitPace(1, "620200", 10, 4, 8, 4), UnitPace(2, "620200", 10, 6, 12, 6)]
    f = project(now, START, DEADLINE, units, window=3 * DAY, prior=0.0)
    assert f.method == "current_curve"
    assert f.survival == pytest.approx(0.5)
    assert [round(u.projected, 6) for u in f.units] == [3.0, 2.0]  # most at risk first
    assert f.waiting == 10 and f.projected == pytest.approx(5.0)


def test_the_previous_cycle_gives_the_share_still_waiting_at_the_deadline() -> None:
    now = START + 5 * DAY
    units = [UnitPace(1, "620200", 10, 5, 10, 5), UnitPace(2, "620100", 20, 10, 20, 10)]
    f = project(now, START, DEADLINE, units, window=3 * DAY, previous=0.2)
    assert f.method == "previous_cycle" and f.survival == 0.2
    assert f.elapsed == pytest.approx(5 / 11)
    assert {u.unit_id: round(u.projected, 6) for u in f.units} == {1: 1.0, 2: 2.0}
    assert list(f.cities()) == ["620100", "620200"]


def test_a_unit_that_moved_nothing_keeps_more_of_what_waits() -> None:
    """Proportional hazards: the pool moved 10 of 30 in the window; unit 1 moved 10 of its 20
    (expected 6.67), unit 2 none of its 10 (expected 3.33). With 2 expected departures of
    prior, unit 1's hazard is 12/8.67 of the pool's, unit 2's 2/5.33."""
    now = START + 5 * DAY
    units = [UnitPace(1, "620200", 20, 10, 20, 10), UnitPace(2, "620200", 10, 10, 10, 0)]
    f = project(now, START, DEADLINE, units, window=3 * DAY, previous=0.1, prior=2.0)
    by_unit = {u.unit_id: u for u in f.units}
    assert f.units[0].unit_id == 2  # most at risk first
    assert by_unit[2].projected == pytest.approx(10 * 0.1 ** (2 / (10 / 3 + 2)))
    assert by_unit[1].projected == pytest.approx(10 * 0.1 ** (12 / (20 / 3 + 2)))
    assert by_unit[2].share > 0.4 > 0.05 > by_unit[1].share


def test_after_the_deadline_whatever_waits_is_late() -> None:
    units = [UnitPace(1, "620200", 10, 4, 8, 4)]
    f = project(DEADLINE, START, DEADLINE, units, window=3 * DAY, previous=0.1)
    assert f.projected == 4


def test_candidates_reach_the_share_and_none_below() -> None:
    f = Forecast(
        "previous_cycle",
        0.5,
        0.5,
        [UnitForecast(1, "620200", 10, 6, 5.0), UnitForecast(2, "620200", 10, 6, 4.99)],
    )
    assert [u.unit_id for u in escalation_candidates(f, 0.5)] == [1]
    assert escalation_candidates(f, 0.51) == []
    assert escalation_candidates(f, None) == []


# ------------------------------------------------------------------ with the database


def _with_share(cycle_id: str, share: float | None) -> None:
    with session_scope() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        spec = dict(cycle.spec)
        spec["policy"] = {**spec["policy"], "forecast_escalation_share": share}
        cycle.spec = spec


def _submitted_unit(cycle_id: str, count: int) -> int:
    unit = unit_in_tree()
    apps = drafts(cycle_id, count, unit_id=unit)
    with session_scope() as session:
        assert services.submit(session, cycle_id, apps, now=bj(2024, 9, 20, 9), actor="申报人").done
    return unit


def _escalations(cycle_id: str) -> list[tuple[int, int, str, str]]:
    with session_scope() as session:
        return [
            (e.unit_id, e.step, e.level, e.by)
            for e in session.execute(
                select(Escalation).where(col(Escalation.cycle_id) == cycle_id)
            ).scalars()
        ]


def _escalation_messages(cycle_id: str) -> list[tuple[str, str, str]]:
    with session_scope() as session:
        return [
            (m.recipient, m.subject, m.offset)
            for m in session.execute(
                select(Message).where(
                    col(Message.cycle_id) == cycle_id, col(Message.kind) == "escalation"
                )
            ).scalars()
        ]


@pytest.mark.usefixtures("db")
@pytest.mark.parametrize(
    ("share", "fires"), [(0.5, True), (0.49, True), (0.51, False), (None, False)]
)
def test_the_first_step_is_taken_early_at_the_share_and_not_below(
    share: float | None, fires: bool
) -> None:
    """A unit projected to miss 5 of its 10 (share 0.5): escalated to its department, as the
    rule's first step and its message, when the key is 0.5 or less; not at 0.51 or null."""
    cycle = stored_cycle()
    unit = _submitted_unit(cycle, 10)
    _with_share(cycle, share)
    now = bj(2024, 10, 22, 9)
    forecast = Forecast("previous_cycle", 0.1, 0.5, [UnitForecast(unit, "620200", 10, 10, 5.0)])
    with session_scope() as session:
        spec, plan = stored_plan(session, cycle)
        ctx = CycleContext.load(session, cycle)
        taken = escalate_early(session, ctx, spec, plan, "unit_review", forecast, now)
        dept = session.get(Organisation, session.get(Organisation, unit).department_id)
    assert taken == (1 if fires else 0)
    assert _escalations(cycle) == ([(unit, 1, "department", "forecast")] if fires else [])
    assert dept is not None
    messages = _escalation_messages(cycle)
    assert len(messages) == (1 if fires else 0)
    if fires:
        recipient, subject, offset = messages[0]
        assert (recipient, offset) == (dept.code, "step1")


@pytest.mark.usefixtures("db")
def test_after_the_first_threshold_the_rule_escalates_by_itself() -> None:
    """From 72 hours before the deadline on, the rule's own step 1 covers every waiting unit:
    the forecast adds nothing."""
    cycle = stored_cycle()
    unit = _submitted_unit(cycle, 4)
    _with_share(cycle, 0.0)
    forecast = Forecast("previous_cycle", 0.9, 1.0, [UnitForecast(unit, "620200", 4, 4, 4.0)])
    with session_scope() as session:
        spec, plan = stored_plan(session, cycle)
        ctx = CycleContext.load(session, cycle)
        at = bj(2024, 10, 29, 9)
        assert escalate_early(session, ctx, spec, plan, "unit_review", forecast, at) == 0


@pytest.mark.usefixtures("db")
def test_the_sweep_stores_the_forecast_at_the_reminder_instants_only() -> None:
    """jiayuguan-2024: the declaration's reminders at 09:00 of the 7th, 3rd and 1st day before
    its last day and 15:00 of the last day; unit review's every morning at 09:00."""
    cycle = stored_cycle()
    _submitted_unit(cycle, 3)
    drafts(cycle, 2)
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
    instants = reminder_instants(plan)
    assert instants["declaration"] == [
        bj(2024, 10, 13, 9),
        bj(2024, 10, 17, 9),
        bj(2024, 10, 19, 9),
        bj(2024, 10, 20, 15),
    ]
    assert instants["unit_review"] == [bj(2024, 10, d, 9) for d in range(21, 32)]
    assert sweep.fn(cycle, bj(2024, 10, 13, 8, 59))["forecasts"] == 0
    assert sweep.fn(cycle, bj(2024, 10, 13, 9))["forecasts"] == 1
    assert sweep.fn(cycle, bj(2024, 10, 13, 9, 30))["forecasts"] == 0  # a rerun adds nothing
    # a late run catches up the instants it missed, each as it stood then
    assert sweep.fn(cycle, bj(2024, 10, 21, 10))["forecasts"] == 4
    with session_scope() as session:
        stored = stored_evaluations(session, cycle)
    assert [(e.phase, e.at) for e in stored] == [
        ("declaration", bj(2024, 10, 13, 9)),
        ("declaration", bj(2024, 10, 17, 9)),
        ("declaration", bj(2024, 10, 19, 9)),
        ("declaration", bj(2024, 10, 20, 15)),
        ("unit_review", bj(2024, 10, 21, 9)),
    ]
    first = stored[0]
    assert first.waiting == 2  # the two drafts; the three submitted are through
    assert first.method == "current_curve"  # no earlier Jiayuguan cycle in the database
    assert _escalations(cycle) == []  # forecast_escalation_share is null in jiayuguan-2024


@pytest.mark.usefixtures("db")
def test_the_sweep_escalates_a_stalled_unit_with_the_key_set() -> None:
    cycle = stored_cycle()
    unit = _submitted_unit(cycle, 4)
    _with_share(cycle, 0.0)
    sweep.fn(cycle, bj(2024, 10, 22, 9))
    assert _escalations(cycle) == [(unit, 1, "department", "forecast")]
    with session_scope() as session:
        stored = stored_evaluations(session, cycle, "unit_review")
    assert [e.escalated for e in stored] == [0, 1]  # only the latest instant escalates


@pytest.mark.usefixtures("db")
def test_after_an_early_first_step_the_rule_takes_the_next_ones_at_their_thresholds() -> None:
    """The forecast's step 1 goes through the rule's own steps (gansu-2024's thresholds: 72 h
    and 24 h before the deadline, then at it): at step 1's threshold the unit is not escalated
    again, after step 2's it climbs to the city, after step 3's to the province, each with
    its message, none skipped."""
    cycle = stored_cycle()
    unit = _submitted_unit(cycle, 4)
    forecast = Forecast("previous_cycle", 0.1, 1.0, [UnitForecast(unit, "620200", 4, 4, 4.0)])
    _with_share(cycle, 0.5)
    with session_scope() as session:
        spec, plan = stored_plan(session, cycle)
        ctx = CycleContext.load(session, cycle)
        assert (
            escalate_early(session, ctx, spec, plan, "unit_review", forecast, bj(2024, 10, 22, 9))
            == 1
        )
        # a later evaluation that still finds the unit at risk takes nothing more
        assert (
            escalate_early(session, ctx, spec, plan, "unit_review", forecast, bj(2024, 10, 23, 9))
            == 0
        )
    for at, level in [
        (bj(2024, 10, 29, 9), None),
        (bj(2024, 10, 31, 9), "city"),
        (bj(2024, 11, 1, 9), "province"),
    ]:
        with session_scope() as session:
            spec, plan = stored_plan(session, cycle)
            steps = escalate(session, cycle, spec, plan, at)
        assert [(s.unit_id, s.level, s.by) for s in steps] == (
            [(unit, level, "system")] if level else []
        )
    assert sorted(_escalations(cycle), key=lambda e: e[1]) == [
        (unit, 1, "department", "forecast"),
        (unit, 2, "city", "system"),
        (unit, 3, "province", "system"),
    ]
    assert sorted(offset for _, _, offset in _escalation_messages(cycle)) == [
        "step1",
        "step2",
        "step3",
    ]


def test_each_stored_forecast_is_what_the_audit_trail_gives(sim: dict) -> None:
    """The sweep evaluates at its own instant, reading the stored statuses where nothing was
    recorded later; the same evaluation recomputed from the trail afterwards agrees, unit by
    unit, at every instant."""
    cycle_id = sim["report"].cycle_id
    with session_scope() as session:
        stored = stored_evaluations(session, cycle_id)
        assert len(stored) > 4
        for e in stored:
            assert not nothing_after(session, cycle_id, e.at)  # the trail, not the statuses
            again, _ = forecast_as_of(session, cycle_id, e.phase, e.at, WINDOW)
            assert (again.waiting, detail_of(again)) == (e.waiting, e.detail), e.at


@pytest.mark.usefixtures("db")
def test_at_the_latest_instant_the_stored_statuses_give_the_trails_counts() -> None:
    cycle = stored_cycle()
    _submitted_unit(cycle, 3)  # submitted 9/20 09:00
    drafts(cycle, 2)
    for phase, at in [("declaration", bj(2024, 10, 13, 9)), ("unit_review", bj(2024, 9, 21, 9))]:
        with session_scope() as session:
            assert nothing_after(session, cycle, at)
            fast = pace(session, cycle, phase, at, WINDOW)
            assert fast and fast == pace(session, cycle, phase, at, WINDOW, trail=True)


@pytest.mark.usefixtures("db")
def test_the_sweep_carries_the_previous_evaluation_forward_exactly() -> None:
    """The sweep reads each evaluation from the one before it and what happened since (the
    window's events, the applications that moved): submissions, withdrawals of drafts and of
    submissions between the instants; every stored evaluation is what the trail gives, and
    at the latest instant the carried counts are the trail's."""
    cycle = stored_cycle()
    unit = unit_in_tree()
    apps = drafts(cycle, 8, unit_id=unit)
    other = drafts(cycle, 3)

    def submit(ids: list[int], at: dt.datetime) -> None:
        with session_scope() as session:
            assert services.submit(session, cycle, ids, now=at, actor="申报人").done == ids

    def withdraw(ids: list[int], at: dt.datetime) -> None:
        with session_scope() as session:
            done = services.withdraw(session, cycle, ids, now=at, actor="申报人", reason="撤回")
            assert done.done == ids

    steps = [
        lambda: sweep.fn(cycle, bj(2024, 10, 13, 9)),
        lambda: submit(apps[:3], bj(2024, 10, 14, 10)),
        lambda: withdraw([apps[3]], bj(2024, 10, 15, 10)),
        lambda: sweep.fn(cycle, bj(2024, 10, 17, 9)),
        lambda: submit([other[0]], bj(2024, 10, 18, 10)),
        lambda: sweep.fn(cycle, bj(2024, 10, 19, 9)),
        lambda: withdraw([apps[0]], bj(2024, 10, 19, 12)),
        lambda: sweep.fn(cycle, bj(2024, 10, 20, 15)),
        lambda: sweep.fn(cycle, bj(2024, 10, 21, 9)),
        lambda: withdraw([apps[1]], bj(2024, 10, 21, 10)),
        lambda: sweep.fn(cycle, bj(2024, 10, 22, 9)),
    ]
    for step in steps:
        step()
    with session_scope() as session:
        latest = bj(2024, 10, 22, 9)
        assert nothing_after(session, cycle, latest)
        assert pace(session, cycle, "unit_review", latest, WINDOW) == pace(
            session, cycle, "unit_review", latest, WINDOW, trail=True
        )
        stored = stored_evaluations(session, cycle)
        assert len(stored) == 6
        for e in stored:
            again, _ = forecast_as_of(session, cycle, e.phase, e.at, WINDOW)
            assert (again.waiting, detail_of(again)) == (e.waiting, e.detail), e.at
    assert [e.waiting for e in stored] == [11, 7, 6, 6, 3, 2]
