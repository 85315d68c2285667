"""Quiet hours at delivery, through apprise to a local receiver: a message that falls due in
the cycle's quiet hours (22:00–08:00 in the 2024 files) waits for their end, or expires when
its deadline comes first — it never goes out at night, nor late."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.outbox import Message
from notifications.channels import Channels
from notifications.delivery import deliver
from notifications.reminders import insert_messages, message_row
from notifications.schedule import Offset
from tests.factories import bj, stored_cycle
from tests.notifications.receivers import HttpReceiver

pytestmark = pytest.mark.usefixtures("db")
RETRY = [5, 15, 60]


def queue(cycle: str, *, due: dt.datetime, deadline: dt.datetime, expires: bool = True) -> None:
    row = message_row(
        cycle,
        "unit_pending",
        "U1",
        "unit",
        "U1",
        deadline,
        Offset("d-0@23:00", due),
        due,
        2,
        expires,
        org_name="单位1",
        phase_title="单位审核推荐",
        return_limit=3,
    )
    with session_scope() as session:
        insert_messages(session, [row])


def the_row(cycle: str) -> Message:
    with session_scope() as session:
        return session.execute(select(Message).where(Message.cycle_id == cycle)).scalar_one()


def test_a_message_due_in_quiet_hours_goes_out_when_they_end() -> None:
    cycle = stored_cycle()
    queue(cycle, due=bj(2024, 10, 28, 23), deadline=bj(2024, 11, 1))
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        night = deliver(session_scope, cycle, bj(2024, 10, 28, 23, 5), channels, RETRY)
        held = the_row(cycle)
        dawn = deliver(session_scope, cycle, bj(2024, 10, 29, 7, 59), channels, RETRY)
        assert receiver.received == []
        morning = deliver(session_scope, cycle, bj(2024, 10, 29, 8), channels, RETRY)
        again = deliver(session_scope, cycle, bj(2024, 10, 29, 9), channels, RETRY)
    assert night.counts == {"held": 1, "expired": 0}
    assert (held.status, held.next_attempt_at) == ("pending", bj(2024, 10, 29, 8))
    assert dawn.counts.get("sent", 0) == 0 and dawn.counts.get("held", 0) == 0
    assert morning.counts["sent"] == 1 and again.counts.get("sent", 0) == 0
    assert len(receiver.received) == 1 and "单位审核提醒" in receiver.received[0]["title"]
    sent = the_row(cycle)
    assert (sent.status, sent.sent_at) == ("sent", bj(2024, 10, 29, 8))


def test_a_message_whose_deadline_comes_before_the_morning_expires_unsent() -> None:
    cycle = stored_cycle()
    queue(cycle, due=bj(2024, 10, 28, 23), deadline=bj(2024, 10, 29))  # 10月28日24:00
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        night = deliver(session_scope, cycle, bj(2024, 10, 28, 23, 5), channels, RETRY)
        morning = deliver(session_scope, cycle, bj(2024, 10, 29, 8), channels, RETRY)
    assert night.counts["expired"] == 1 and night.counts.get("held", 0) == 0
    assert sum(morning.counts.values()) == 0
    assert receiver.received == []
    assert the_row(cycle).status == "expired"


def test_a_message_without_a_deadline_to_keep_waits_however_late() -> None:
    cycle = stored_cycle()  # an escalation notice: it has no expiry
    queue(cycle, due=bj(2024, 10, 28, 23), deadline=bj(2024, 10, 29), expires=False)
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        night = deliver(session_scope, cycle, bj(2024, 10, 28, 23, 5), channels, RETRY)
        morning = deliver(session_scope, cycle, bj(2024, 10, 29, 8, 1), channels, RETRY)
    assert night.counts["held"] == 1 and morning.counts["sent"] == 1
    assert len(receiver.received) == 1


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning() -> None:
    cycle = stored_cycle()
    queue(cycle, due=bj(2024, 10, 28, 21, 50), deadline=bj(2024, 11, 1))
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        receiver.status = 500
        failed = deliver(session_scope, cycle, bj(2024, 10, 28, 21, 58), channels, RETRY)
        receiver.status = 200
        retry = deliver(session_scope, cycle, bj(2024, 10, 28, 22, 3), channels, RETRY)
        assert len(receiver.received) == 1  # only the failed attempt
        morning = deliver(session_scope, cycle, bj(2024, 10, 29, 8), channels, RETRY)
    assert failed.counts["failed"] == 1
    assert retry.counts["held"] == 1 and retry.counts.get("sent", 0) == 0
    assert morning.counts["sent"] == 1 and len(receiver.received) == 2
