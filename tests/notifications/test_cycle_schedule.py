"""The one schedule of a cycle, checked on every bundled cycle file: in time order, each thing
once, in UTC, every boundary of the plan, every reminder and escalation step, quiet hours kept,
filing deadlines and publicity ends as the services compute them."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pendulum
import pytest

from calendars.beijing import BEIJING
from calendars.plan import Plan
from calendars.planner import plan_file
from calendars.workdays import day_end
from models.cycle import boundary_key
from models.services import unit_publicity_end
from models.settings import workday_calendar
from notifications.cycle_schedule import (
    Entry,
    cycle_schedule,
    planned_meetings,
    runs,
    stamp,
)
from notifications.schedule import in_quiet_hours, notification_schedule, quiet_hours_end

CYCLES = sorted((Path(__file__).parents[2] / "calendars" / "cycles").glob("*.yaml"))


def planned(path: Path) -> Plan:
    return plan_file(path, workday_calendar())


def schedule(plan: Plan, meetings: dict[str, dt.date] | None = None) -> list[Entry]:
    return cycle_schedule(
        plan, workday_calendar(), planned_meetings(plan) if meetings is None else meetings
    )


@pytest.fixture(params=CYCLES, ids=[p.stem for p in CYCLES])
def plan(request: pytest.FixtureRequest) -> Plan:
    return planned(request.param)


def test_all_six_files_are_checked() -> None:
    assert len(CYCLES) == 6


def test_in_time_order_each_once_in_utc(plan: Plan) -> None:
    entries = schedule(plan)
    assert entries == sorted(entries)
    keys = [(e.at, e.kind, e.what) for e in entries]
    assert len(keys) == len(set(keys))
    assert all(e.at.utcoffset() == dt.timedelta(0) and e.at.tzinfo is not None for e in entries)
    assert all(e.at.timezone_name == "UTC" for e in entries)


def test_every_boundary_of_the_plan_is_there_keyed_as_stored(plan: Plan) -> None:
    expected = set()
    for phase in plan.phases:
        if phase.parent is None:
            for edge, instant in (("open", phase.start), ("close", phase.end)):
                if instant is not None:
                    expected.add(boundary_key(phase.key, edge, instant))
    got = {f"{e.what}@{stamp(e.at)}" for e in schedule(plan) if e.kind == "boundary"}
    assert expected and got == expected


def test_every_reminder_and_escalation_step_is_there(plan: Plan) -> None:
    entries = schedule(plan)
    dues = notification_schedule(plan, workday_calendar())
    reminders = {(e.at, e.what) for e in entries if e.kind == "reminder"}
    steps = {(e.at, e.what) for e in entries if e.kind == "escalation"}
    assert reminders == {
        (d.at, f"{d.kind}:{d.subject}:{d.offset}") for d in dues if d.kind != "escalation"
    }
    assert steps == {(d.at, f"{d.subject}.{d.offset}") for d in dues if d.kind == "escalation"}


def test_quiet_hours_are_kept(plan: Plan) -> None:
    spec = plan.spec.notifications
    if spec is None:
        pytest.skip("this cycle file sends no notifications")
    for e in schedule(plan):
        if e.kind == "reminder":
            assert e.deadline is not None and e.at < e.deadline
            # only a reminder the morning would make too late goes out at night
            assert not in_quiet_hours(e.at, spec) or quiet_hours_end(e.at, spec) >= e.deadline
        if e.kind in ("delivery", "filing_overdue"):
            assert not in_quiet_hours(e.at, spec), e


def test_a_held_escalation_message_gets_its_morning() -> None:
    plan = planned(CYCLES[[p.stem for p in CYCLES].index("jiayuguan-2024")])
    spec = plan.spec.notifications
    assert spec is not None
    entries = schedule(plan)
    held = [e for e in entries if e.kind == "escalation" and in_quiet_hours(e.at, spec)]
    assert held, "the 2024 file has an escalation step at night"
    mornings = {(e.at, e.what) for e in entries if e.kind == "delivery"}
    for step in held:
        assert (quiet_hours_end(step.at, spec), f"escalation:{step.what}") in mornings


def test_filing_deadlines_and_their_overdue_messages(plan: Plan) -> None:
    entries = schedule(plan)
    deadlines = {(e.what, e.at) for e in entries if e.kind == "filing_deadline"}
    assert deadlines == {
        (f.key, day_end(f.due_last_day)) for f in plan.filing if f.due_last_day is not None
    }
    overdue = {e.what: e.at for e in entries if e.kind == "filing_overdue"}
    if plan.spec.notifications is not None:
        assert set(overdue) == {key for key, _ in deadlines}
        assert all(overdue[key] >= at for key, at in deadlines)


def test_every_unit_publicity_end_the_services_can_give_is_there(plan: Plan) -> None:
    workdays = plan.spec.policy.unit_publicity_min_workdays
    if workdays is None or not plan.has("unit_publicity") or not plan.phase("unit_publicity").dated:
        pytest.skip("no dated unit publicity in this cycle")
    window = plan.phase("unit_publicity")
    assert window.start is not None and window.end is not None
    ends = {e.at for e in schedule(plan) if e.kind == "unit_publicity_end"}
    day = window.start.in_timezone(BEIJING).date()
    while day <= window.end.in_timezone(BEIJING).date():
        for hour in (0, 9, 15, 23):
            opened = pendulum.datetime(day.year, day.month, day.day, hour, tz=BEIJING)
            assert unit_publicity_end(opened, workdays) in ends
        day += dt.timedelta(days=1)


def test_result_publicity_ends_follow_the_planned_meetings() -> None:
    plan = planned(CYCLES[[p.stem for p in CYCLES].index("gansu-2024")])
    assert plan.spec.policy.result_publicity_min_days == 5
    entries = schedule(plan, {"a": dt.date(2024, 12, 10), "b": dt.date(2024, 11, 28)})
    ends = {e.what: e.at for e in entries if e.kind == "result_publicity_end"}
    # verdict on the 10th, five days of publicity from the 11th: over at 24:00 on the 15th
    assert ends == {
        "a": pendulum.datetime(2024, 12, 15, 16, tz="UTC"),
        "b": pendulum.datetime(2024, 12, 3, 16, tz="UTC"),
    }
    assert not [e for e in schedule(plan, {}) if e.kind == "result_publicity_end"]


def test_one_run_per_boundary_and_per_other_instant(plan: Plan) -> None:
    entries = schedule(plan)
    planned_runs = runs(entries)
    assert [r.at for r in planned_runs] == sorted(r.at for r in planned_runs)
    assert {r.at for r in planned_runs} == {e.at for e in entries}
    boundaries = [e for e in entries if e.kind == "boundary"]
    assert [(r.at, r.what) for r in planned_runs if r.boundary] == [
        (e.at, e.what) for e in boundaries
    ]
    others = [r.at for r in planned_runs if not r.boundary]
    assert len(others) == len(set(others))
    assert not set(others) & {e.at for e in boundaries}
    keys = [r.key("c") for r in planned_runs]
    assert len(keys) == len(set(keys))


def test_a_boundary_run_keeps_the_key_and_slug_it_always_had() -> None:
    plan = planned(CYCLES[[p.stem for p in CYCLES].index("jiayuguan-2024")])
    close = next(r for r in runs(schedule(plan)) if r.what == "declaration.close")
    assert (
        close.key("jyg")
        == f"jyg-declaration-close-{boundary_key('declaration', 'close', close.at).split('@')[1]}"
    )
    assert close.phase == "declaration-close"
    assert close.label == boundary_key("declaration", "close", close.at)
    assert close.tags("jyg") == ["cycle:jyg", "kind:boundary", "boundary:declaration.close"]


def test_the_schedule_needs_neither_prefect_nor_the_database() -> None:
    code = (
        "import sys, notifications.cycle_schedule;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'prefect', 'sqlalchemy', 'sqlmodel', 'models', 'tasks'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
