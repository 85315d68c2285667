"""The SMS gateway plugin against a local receiver; message texts; quiet hours; the instants
at which a cycle's notifications fall due."""

from __future__ import annotations

import datetime as dt

import apprise

import notifications.sms  # noqa: F401
from calendars.cyclefile import CycleSpec, bundled_cycle, load_cycle
from calendars.planner import plan_cycle
from calendars.workdays import WorkdayCalendar
from notifications.render import render
from notifications.schedule import Due, notification_schedule, outside_quiet_hours
from tests.factories import bj
from tests.notifications.receivers import HttpReceiver


def test_sms_gateway_receives_the_configured_fields() -> None:
    with HttpReceiver() as gateway:
        sender = apprise.Apprise()
        url = (
            f"zhsms://acct01:topsecret@127.0.0.1:{gateway.port}/api/send?to=13800000000&sign=甘肃人社"
            "&secure=no"
            "&field_to=phone&field_text=msg"
        )
        assert sender.add(url)
        assert sender.notify(title="职称申报提醒", body="请于截止前提交")
    (payload,) = gateway.received
    assert payload["phone"] == "13800000000"
    assert payload["msg"].endswith("请于截止前提交")
    assert (payload["account"], payload["secret"], payload["sign"]) == (
        "acct01",
        "topsecret",
        "甘肃人社",
    )


def test_the_gateway_failing_is_a_failure() -> None:
    with HttpReceiver() as gateway:
        gateway.status = 500
        sender = apprise.Apprise()
        sender.add(f"zhsms://a:b@127.0.0.1:{gateway.port}/send?to=13800000000&secure=no")
        assert sender.notify(body="x") is False


def test_secrets_are_masked_when_a_url_is_shown() -> None:
    plugin = apprise.Apprise.instantiate("zhsms://acct01:topsecret@127.0.0.1:9/send?to=13800000000")
    assert "topsecret" not in plugin.url(privacy=True)


def test_an_applicants_reminder_masks_the_id_and_names_the_deadline() -> None:
    title, body = render(
        "declaration_draft",
        bj(2024, 10, 21),
        name="张三",
        id_masked="620102********0016",
        cycle_title="嘉峪关市2024年度职称评审",
        days_left=3,
        pending=1,
    )
    assert title == "职称申报提醒"
    assert (
        "620102********0016" in body
        and "2024年10月20日24:00（北京时间）" in body
        and "3 天" in body
    )


def test_quiet_hours_wait_for_morning_unless_that_misses_the_deadline() -> None:
    spec = load_cycle(bundled_cycle("jiayuguan-2024")).notifications
    assert outside_quiet_hours(bj(2024, 10, 29, 23, 0), bj(2024, 11, 1), spec) == bj(
        2024, 10, 30, 8, 0
    )
    assert outside_quiet_hours(bj(2024, 10, 30, 3, 0), bj(2024, 11, 1), spec) == bj(
        2024, 10, 30, 8, 0
    )
    assert outside_quiet_hours(bj(2024, 10, 30, 12, 0), bj(2024, 11, 1), spec) == bj(
        2024, 10, 30, 12, 0
    )
    assert outside_quiet_hours(bj(2024, 10, 31, 23, 0), bj(2024, 11, 1), spec) == bj(
        2024, 10, 31, 23, 0
    )
    assert isinstance(spec.quiet_start, dt.time)


def _schedule(spec: CycleSpec | None = None) -> list[Due]:
    spec = spec or load_cycle(bundled_cycle("jiayuguan-2024"))
    calendar = WorkdayCalendar.load()
    return notification_schedule(plan_cycle(spec, calendar), calendar)


def _at(schedule: list[Due], kind: str, subject: str) -> list[tuple[dt.datetime, str]]:
    return [(d.at, d.offset) for d in schedule if d.kind == kind and d.subject == subject]


def test_the_schedule_lists_each_reminder_filing_reminder_and_escalation_step() -> None:
    schedule = _schedule()
    assert schedule == sorted(schedule)
    assert _at(schedule, "declaration_draft", "declaration") == [
        (bj(2024, 10, 13, 9), "d-7@09:00"),
        (bj(2024, 10, 17, 9), "d-3@09:00"),
        (bj(2024, 10, 19, 9), "d-1@09:00"),
    ]
    assert _at(schedule, "declaration_final", "declaration") == [
        (bj(2024, 10, 20, 15), "d-0@15:00")
    ]
    # Working days back from Thursday 31 October: the 29th (w-3) and the 31st (w-1).
    assert _at(schedule, "filing_due", "filing:key_information_audit") == [
        (bj(2024, 10, 29, 9), "w-3@09:00"),
        (bj(2024, 10, 31, 9), "w-1@09:00"),
    ]
    assert _at(schedule, "escalation", "unit_review") == [
        (bj(2024, 10, 29), "step1"),
        (bj(2024, 10, 31), "step2"),
        (bj(2024, 11, 1), "step3"),
    ]
    daily = _at(schedule, "unit_pending", "unit_review")
    assert [d for d, _ in daily] == [bj(2024, 10, day, 9) for day in range(21, 32)]
    gs01 = _at(schedule, "committee_pending", "committee:gs-01")
    assert gs01 == [(bj(2024, 11, 7, 9), "d-3@09:00"), (bj(2024, 11, 9, 9), "d-1@09:00")]


def test_the_schedule_moves_reminders_out_of_quiet_hours() -> None:
    spec = load_cycle(bundled_cycle("jiayuguan-2024"))
    assert spec.notifications is not None
    late = spec.notifications.reminders[0].model_copy(
        update={"at": dt.time(23, 30), "days_before": [3, 0]}
    )
    notifications = spec.notifications.model_copy(update={"reminders": [late], "escalation": None})
    schedule = _schedule(spec.model_copy(update={"notifications": notifications}))
    assert [(d.at, d.offset) for d in schedule] == [
        (bj(2024, 10, 18, 8), "d-3@23:30"),  # the morning after 17 October 23:30
        (bj(2024, 10, 20, 23, 30), "d-0@23:30"),  # the morning would be past 24:00: kept
    ]
