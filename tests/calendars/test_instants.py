"""Phases bounded by instants, not only days (a drill's phases 30 s apart), and reminder and
quiet-hour times at any minute: as written in a cycle file, planned, and refused with the
field named when malformed. A day keeps its meaning: a last day closes at its 24:00."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pendulum
import pytest

from calendars.beijing import BEIJING
from calendars.cyclefile import CycleFileError, CycleSpec, load_cycle
from calendars.planner import plan_file
from calendars.workdays import WorkdayCalendar
from notifications.schedule import notification_schedule
from tests.factories import DRILL_POLICY

HEAD = (
    """\
id: drill
title: 演练
year: 2026
region: {code: "620000", name: 甘肃省, level: province}
parent: null
source: {issuer: 省人社厅, number: null, date: null, notice: null}
"""
    + DRILL_POLICY
)

PHASES = """\
phases:
  prep:
    title: 预准备
    start: 2026-11-30
    last_day: 2026-11-30
  declaration:
    title: 个人申报
    start: 2026-12-01T16:30:00+08:00
    end: 2026-12-01 16:33:30
  unit_review:
    title: 单位审核
    start: declaration.end
    end: "2026-12-01T08:34:00Z"
  committee_review:
    title: 评审
    start: unit_review.end
    last_day: 2026-12-02
"""

NOTIFICATIONS = """\
notifications:
  quiet_start: 16:32
  quiet_end: 16:33
  retry_minutes: [1]
  reminders:
    - kind: declaration_draft
      audience: applicant
      phase: declaration
      states: [draft]
      days_before: [0]
      at: 16:31
    - kind: declaration_final
      audience: applicant
      phase: declaration
      states: [draft]
      days_before: [0]
      at: "16:32"
  escalation: null
"""


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.load()


def write(folder: Path, phases: str = PHASES, notifications: str = NOTIFICATIONS) -> Path:
    path = folder / "drill.yaml"
    path.write_text(HEAD + phases + notifications, encoding="utf-8")
    return path


def bj(hour: int, minute: int, second: int = 0, day: int = 1) -> pendulum.DateTime:
    return pendulum.datetime(2026, 12, day, hour, minute, second, tz=BEIJING)


def test_instants_with_an_offset_without_one_and_in_utc(
    tmp_path: Path, calendar: WorkdayCalendar
) -> None:
    plan = plan_file(write(tmp_path), calendar)
    edges = {p.key: (p.start, p.end) for p in plan.phases}
    assert edges["declaration"] == (bj(16, 30), bj(16, 33, 30))  # naive is Beijing time
    assert edges["unit_review"] == (bj(16, 33, 30), bj(16, 34))  # 08:34Z is 16:34 Beijing
    # A day keeps its meaning beside them: 00:00 of the first, 24:00 of the last.
    assert edges["prep"] == (pendulum.datetime(2026, 11, 30, tz=BEIJING), bj(0, 0))
    assert edges["committee_review"] == (bj(16, 34), bj(0, 0, day=3))
    assert plan.phase("declaration").last_day == dt.date(2026, 12, 1)
    assert not plan.errors, plan.errors


def test_reminders_and_quiet_hours_at_any_minute(tmp_path: Path, calendar: WorkdayCalendar) -> None:
    spec = load_cycle(write(tmp_path))
    assert spec.notifications is not None
    # Unquoted 16:32 is not YAML 1.1's base-60 number 992.
    assert (spec.notifications.quiet_start, spec.notifications.quiet_end) == (
        dt.time(16, 32),
        dt.time(16, 33),
    )
    assert [r.at for r in spec.notifications.reminders] == [dt.time(16, 31), dt.time(16, 32)]
    due = {d.kind: d.at for d in notification_schedule(plan_file(spec.file, calendar), calendar)}
    assert due["declaration_draft"] == bj(16, 31)  # outside the quiet minute: as written
    assert due["declaration_final"] == bj(16, 33)  # inside it: held to its end


def test_a_stored_cycle_reads_back_the_same(tmp_path: Path) -> None:
    spec = load_cycle(write(tmp_path))
    again = CycleSpec.model_validate(spec.model_dump(mode="json"))
    assert again == spec


@pytest.mark.parametrize(
    ("phases", "notifications", "field", "words"),
    [
        (
            PHASES.replace("last_day: 2026-12-02", "last_day: 2026-12-02T12:00:00+08:00"),
            NOTIFICATIONS,
            "phases.committee_review.last_day",
            "要精确到时刻请写 end",
        ),
        (
            PHASES.replace("2026-12-01 16:33:30", "2026-12-01 25:00"),
            NOTIFICATIONS,
            "phases.declaration.end",
            "不是有效的时刻",
        ),
        (
            PHASES.replace("2026-12-01 16:33:30", "2026-12-01 16:33:30+25:00"),
            NOTIFICATIONS,
            "phases.declaration.end",
            "不是有效的时刻",
        ),
        (
            PHASES,
            NOTIFICATIONS.replace("at: 16:31", "at: 16:31:15"),
            "reminders.0.at",
            "精确到分钟",
        ),
        (PHASES, NOTIFICATIONS.replace("at: 16:31", "at: 24:00"), "reminders.0.at", "时:分"),
        (PHASES, NOTIFICATIONS.replace("at: 16:31", "at: 9"), "reminders.0.at", "时:分"),
        (
            PHASES,
            NOTIFICATIONS.replace("quiet_end: 16:33", "quiet_end: '16:33+08:00'"),
            "notifications.quiet_end",
            "时:分",
        ),
    ],
)
def test_a_malformed_instant_or_time_names_the_field(
    tmp_path: Path, phases: str, notifications: str, field: str, words: str
) -> None:
    with pytest.raises(CycleFileError) as caught:
        load_cycle(write(tmp_path, phases, notifications))
    assert field in caught.value.field, caught.value.field
    assert words in caught.value.problem, caught.value.problem


def test_a_filing_last_day_is_a_day(tmp_path: Path) -> None:
    path = write(tmp_path)
    text = path.read_text(encoding="utf-8").replace(
        "filing_items: {}",
        "filing_items:\n  annual:\n    title: 备案\n    last_day: 2026-12-20T17:00:00+08:00",
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CycleFileError) as caught:
        load_cycle(path)
    assert caught.value.field == "filing_items.annual.last_day"
    assert "last_day 只写日期" in caught.value.problem
