"""The Prefect server down for three simulated days: none of the cycle's scheduled runs in
between happens. The first run once it is back (the daily sweep) catches up every boundary
in order and ends where a cycle run at every instant of its schedule ends."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from sqlalchemy import select
from sqlmodel import col

from flows.cycle import phase_flow
from models.cycle import CycleEvent
from models.db import session_scope
from models.outbox import Escalation, Message
from simulation.in_process import run_in_process
from tasks.schedule import stored_runs
from tests.factories import bj, stored_cycle
from tests.faults.conftest import Faulted, plain_tasks
from tests.faults.world import pending_in_unit_review, snapshot

DOWN = bj(2024, 10, 30, 0, 30)  # the last run before the server stops (both cycles alike)
BACK = bj(2024, 11, 2, 0, 30)  # the first daily sweep once it is back, three days later


def instants(cycle: str, since: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """The cycle's scheduled runs and the daily sweeps in (since, until]."""
    with session_scope() as session:
        planned = {r.at for r in stored_runs(session, cycle) if since < r.at <= until}
    days = (until.date() - since.date()).days + 1
    sweeps = {
        bj(day.year, day.month, day.day, 0, 30)
        for day in (since.date() + dt.timedelta(days=n) for n in range(days))
    }
    return sorted(planned | {s for s in sweeps if since < s <= until})


def run_through(cycle: str, since: dt.datetime, until: dt.datetime) -> None:
    for at in instants(cycle, since, until):
        run_in_process(cycle, "sweep", at, None)


def escalated(cycle: str) -> Counter[tuple[str, int]]:
    with session_scope() as session:
        return Counter(
            session.execute(
                select(col(Escalation.level), col(Escalation.step)).where(
                    col(Escalation.cycle_id) == cycle
                )
            ).all()
        )


def announced(cycle: str) -> Counter[tuple[str, str, str]]:
    """Escalation messages by (recipient level, offset, status)."""
    with session_scope() as session:
        return Counter(
            session.execute(
                select(col(Message.recipient_kind), col(Message.offset), col(Message.kind)).where(
                    col(Message.cycle_id) == cycle, col(Message.kind) == "escalation"
                )
            ).all()
        )


def test_three_days_without_the_server_are_caught_up_in_order(
    faulted: Faulted, monkeypatch: pytest.MonkeyPatch
) -> None:
    every_instant, caught_up = stored_cycle(), stored_cycle()
    for cycle in (every_instant, caught_up):
        pending_in_unit_review(cycle, units=2)
    with monkeypatch.context() as plain:
        plain_tasks(plain)
        for cycle in (every_instant, caught_up):
            run_in_process(cycle, "sweep", DOWN, None)
        run_through(every_instant, DOWN, BACK)  # the reference: no outage
    with session_scope() as session:
        missed = [  # in the order the reference carried them out, each at its instant
            key
            for key, due in session.execute(
                select(col(CycleEvent.key), col(CycleEvent.due))
                .where(col(CycleEvent.cycle_id) == every_instant)
                .order_by(col(CycleEvent.id))
            ).all()
            if DOWN < due <= BACK
        ]
    assert len(missed) >= 2, "no boundary in the outage: the test proves nothing"

    faulted.server.stop()
    faulted.server.start()  # on the same database and port
    state = phase_flow(caught_up, "sweep", BACK, return_state=True)
    assert state.is_completed(), state
    report = state.result()
    assert list(report["boundaries"]) == missed
    with session_scope() as session:
        done = session.execute(
            select(col(CycleEvent.key), col(CycleEvent.due))
            .where(col(CycleEvent.cycle_id) == caught_up)
            .order_by(col(CycleEvent.id))
        ).all()
    assert [due for _, due in done] == sorted(due for _, due in done), "boundaries out of order"

    reference, result = snapshot(every_instant), snapshot(caught_up)
    assert not result.done_twice()
    assert Counter(result.statuses.values()) == Counter(reference.statuses.values())
    assert Counter(a for (_, a) in result.audits.elements()) == Counter(
        a for (_, a) in reference.audits.elements()
    )
    assert result.events.keys() == reference.events.keys()
    assert escalated(caught_up) == escalated(every_instant), "an escalation step was lost"
    assert announced(caught_up) == announced(every_instant)
