"""A deliverer killed between sending a message and marking it sent: the message is resent
once the claim's lease is over — at least once, never lost — and the row says so."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlmodel import col

import notifications.delivery
from models.db import session_scope
from models.outbox import Message
from notifications.channels import Channels
from notifications.delivery import LEASE, deliver
from tests.factories import bj, stored_cycle
from tests.faults.conftest import Faulted
from tests.notifications.receivers import HttpReceiver
from tests.notifications.test_delivery import queue

NOW = bj(2024, 10, 28, 10)


class Killed(BaseException):
    """The process dying: nothing after it runs, no except clause catches it."""


def test_a_crash_after_sending_resends_that_message_and_records_it(
    faulted: Faulted, monkeypatch: pytest.MonkeyPatch
) -> None:
    cycle = stored_cycle()
    first, *rest = queue(cycle, 3)
    real_send = notifications.delivery.send_one

    def send_then_die(title: str, body: str, urls: list[str]) -> tuple[bool, str | None]:
        real_send(title, body, urls)
        raise Killed

    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        monkeypatch.setattr(notifications.delivery, "send_one", send_then_die)
        with pytest.raises(Killed):
            deliver(session_scope, cycle, NOW, channels, [5])
        monkeypatch.undo()
        # While the lease runs, the dead deliverer's rows are left alone (it might be alive).
        assert (
            sum(deliver(session_scope, cycle, NOW.add(minutes=1), channels, [5]).counts.values())
            == 0
        )
        later = deliver(session_scope, cycle, NOW + LEASE, channels, [5])
    assert later.counts["sent"] == 3
    texts = Counter(m["message"] for m in receiver.received)
    assert sorted(texts.values()) == [1, 1, 2], "more than the one message was sent twice"
    with session_scope() as session:
        rows = {
            r.id: r
            for r in session.execute(
                select(Message).where(col(Message.cycle_id) == cycle)
            ).scalars()
        }
    assert {r.status for r in rows.values()} == {"sent"}
    assert rows[first].attempts == 2
    assert "可能已发出" in (rows[first].last_error or ""), "the resend is not recorded"
