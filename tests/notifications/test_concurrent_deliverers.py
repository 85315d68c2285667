"""Two deliverers draining one cycle's outbox at the same time send no message twice and
lose none (the claim is one statement; PostgreSQL skips rows the other has locked)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlmodel import col

import notifications.delivery
from models.db import session_scope
from models.outbox import Message
from notifications.channels import Channels
from notifications.delivery import Delivery, deliver
from tests.factories import bj, stored_cycle
from tests.notifications.receivers import HttpReceiver
from tests.notifications.test_delivery import queue

pytestmark = pytest.mark.usefixtures("db")
MESSAGES = 500


def test_two_deliverers_at_once_send_each_message_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Small batches, so that the two deliverers take turns claiming rather than one taking all.
    monkeypatch.setattr(notifications.delivery, "BATCH", 25)
    cycle = stored_cycle()
    queue(cycle, MESSAGES)
    now = bj(2024, 10, 28, 10)
    results: list[Delivery] = []
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        go = threading.Barrier(2)

        def drain() -> None:
            go.wait()
            results.append(deliver(session_scope, cycle, now, channels, [5]))

        workers = [threading.Thread(target=drain) for _ in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=300)
    texts = Counter(m["message"] for m in receiver.received)
    assert len(texts) == MESSAGES, "a message was lost"
    assert max(texts.values()) == 1, "a message was sent twice"
    sent = sorted(r.counts["sent"] for r in results)
    assert sum(sent) == MESSAGES and sent[0] > 0, f"the deliverers did not share the work: {sent}"
    with session_scope() as session:
        statuses = dict(
            session.execute(
                select(col(Message.status), func.count())
                .where(col(Message.cycle_id) == cycle)
                .group_by(col(Message.status))
            ).all()
        )
    assert statuses == {"sent": MESSAGES}
