"""The notification channel down for a simulated day: it answers 500 for the first half and
refuses connections for the second. The cycle runs at its schedule's instants, the daily
sweep's 00:30 and every retry instant a run asks for. Every message that fell due is retried,
then delivered or expired; none is lost, none goes out after its expiry, none twice."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter
from typing import Any

import pendulum
import pytest
from sqlalchemy import select
from sqlmodel import col

from models.db import session_scope
from models.outbox import Message
from simulation.in_process import run_in_process
from tasks.schedule import stored_runs
from tests.factories import bj, drafts, stored_cycle, unit_in_tree
from tests.faults.conftest import Faulted
from tests.faults.world import pending_in_unit_review
from tests.notifications.receivers import HttpReceiver, free_port

DOWN = bj(2024, 10, 31, 8, 30)  # a day with a reminder that expires at its midnight
BACK = DOWN.add(days=1)
REFUSING = DOWN.add(hours=12)  # 500 until then, connections refused after
END = BACK.add(hours=4)


class Channel:
    """A local HTTP receiver on one port, up, answering 500, or gone. ``accepted`` holds
    what it took with 200, by the simulated instant of the run that sent it."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"json://127.0.0.1:{self.port}/zhicheng"
        self.receiver: HttpReceiver | None = None
        self.accepted: list[tuple[dt.datetime, dict[str, Any]]] = []
        self.refused_requests = 0

    def set(self, at: dt.datetime) -> None:
        if at < DOWN or at >= BACK:
            self._up(200)
        elif at < REFUSING:
            self._up(500)
        elif self.receiver is not None:
            self.receiver.__exit__()
            self.receiver = None

    def _up(self, status: int) -> None:
        if self.receiver is None:
            self.receiver = HttpReceiver(self.port).__enter__()
        self.receiver.status = status

    def collect(self, at: dt.datetime) -> None:
        """Files what the run at ``at`` delivered."""
        if self.receiver is None:
            return
        bodies, self.receiver.received[:] = list(self.receiver.received), []
        if self.receiver.status == 200:
            self.accepted += [(at, body) for body in bodies]
        else:
            self.refused_requests += len(bodies)

    def close(self) -> None:
        if self.receiver is not None:
            self.receiver.__exit__()


def instants(cycle: str) -> list[dt.datetime]:
    """When the cycle runs in the window: its schedule and the daily sweep (00:30)."""
    with session_scope() as session:
        planned = [r.at for r in stored_runs(session, cycle) if DOWN <= r.at <= END]
    sweeps = [bj(d.year, d.month, d.day, 0, 30) for d in (DOWN.date(), BACK.date())]
    return sorted({*planned, *(s for s in sweeps if DOWN <= s <= END)})


def outbox(cycle: str) -> list[Message]:
    with session_scope() as session:
        return list(
            session.execute(select(Message).where(col(Message.cycle_id) == cycle)).scalars()
        )


@pytest.mark.usefixtures("plain_tasks")
def test_a_day_without_the_channel_loses_nothing_and_sends_nothing_late(
    faulted: Faulted,
) -> None:
    cycle = stored_cycle()
    pending_in_unit_review(cycle, units=2)
    drafts(cycle, 1, unit_id=unit_in_tree())  # a declaration long closed: expired, no message
    channel = Channel()
    try:
        channel.set(DOWN.subtract(minutes=1))
        run_in_process(cycle, "sweep", DOWN.subtract(minutes=1), channel.url)
        channel.collect(DOWN.subtract(minutes=1))
        before = {m.id for m in outbox(cycle)}
        queue = instants(cycle)
        heapq.heapify(queue)
        ran: list[dt.datetime] = []
        while queue:
            at = pendulum.instance(heapq.heappop(queue))
            if ran and at <= ran[-1]:
                continue
            channel.set(at)
            report = run_in_process(cycle, "sweep", at, channel.url)
            channel.collect(at)
            ran.append(at)
            retry = report["delivered"].get("retry_at")
            if retry is not None and retry <= END:
                heapq.heappush(queue, retry)
    finally:
        channel.close()

    due = [m for m in outbox(cycle) if m.id not in before and m.due < BACK]
    assert due and channel.refused_requests, (
        "nothing fell due in the outage: the test proves nothing"
    )
    assert Counter(m.status for m in due).keys() <= {"sent", "expired"}, Counter(
        m.status for m in due
    )
    tried_in_outage = [m for m in due if m.attempts]
    assert all(m.attempts >= 2 for m in tried_in_outage), [
        (m.kind, m.due, m.attempts, m.status) for m in tried_in_outage if m.attempts < 2
    ]
    sent = [m for m in due if m.status == "sent"]
    assert all(m.sent_at is not None and m.sent_at >= BACK for m in sent)
    assert all(m.expires_at is None or m.sent_at < m.expires_at for m in sent), "sent late"
    assert {m.status for m in due if m.expires_at is not None and m.expires_at < BACK} == {
        "expired"
    }, "an expiring message was not retried to its expiry"
    accepted = Counter((body["title"], body["message"]) for _, body in channel.accepted)
    assert max(accepted.values()) == 1, "a message was delivered twice"
    assert Counter((m.title, m.body) for m in sent) <= accepted, "a message marked sent was lost"


def test_a_deployed_run_asks_the_server_for_its_retry_run_once(
    faulted: Faulted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes the retry instants above happen in live operation: the run's request lands
    on the server as a scheduled run of the cycle's deployment, once however often asked, and
    not at all when a run of the cycle already waits to start by then."""
    from prefect import get_client

    import tasks.notify
    from tests.live.runs import cycle_runs

    cycle = f"t-retry-{pendulum.now().format('HHmmss')}"
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("cycle-phase")
        deployment_id = client.create_deployment(
            flow_id=flow_id, name="cycle-phase", entrypoint="flows/cycle.py:phase_flow"
        )
    monkeypatch.setattr(tasks.notify.deployment, "get_id", lambda: str(deployment_id))
    at = pendulum.now("UTC").add(days=2).start_of("minute")
    tasks.notify.schedule_retry(cycle, at)
    tasks.notify.schedule_retry(cycle, at)  # asked again by another run: the same run
    tasks.notify.schedule_retry(cycle, at.add(hours=1))  # the run at ``at`` will retry it
    runs = cycle_runs(faulted.server.api_url, cycle)
    assert [(r.expected_start_time, r.parameters["run_label"]) for r in runs] == [(at, "retry")]
    assert runs[0].state is not None and runs[0].state.is_scheduled()
    tasks.notify.schedule_retry(cycle, at.subtract(hours=1))  # sooner than any waiting run
    assert len(cycle_runs(faulted.server.api_url, cycle)) == 2
