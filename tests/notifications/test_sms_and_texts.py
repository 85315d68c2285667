"""The SMS gateway plugin against a local receiver; message texts; quiet hours."""

from __future__ import annotations

import datetime as dt

import apprise

import notifications.sms  # noqa: F401
from calendars.cyclefile import bundled_cycle, load_cycle
from notifications.reminders import outside_quiet_hours
from notifications.render import render
from tests.factories import bj
from tests.notifications.receivers import HttpReceiver


def test_sms_gateway_receives_the_configured_fields() -> None:
    with HttpReceiver() as gateway:
        sender = apprise.Apprise()
        url = (
            f"zhsms://acct01:topsecret@127.0.0.1:{gateway.port}/api/send?to=13800000000&sign=甘肃人社"
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
        sender.add(f"zhsms://a:b@127.0.0.1:{gateway.port}/send?to=13800000000")
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
