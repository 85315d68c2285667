"""Two runs of one cycle at once: the scheduled run (a real flow run on the server, holding
the cycle's one slot) and a stray manual run of the same flow function beside it, which takes
no slot (as a rehearsal against the live database would). The database is what keeps them
apart: no message is sent twice and no transition, boundary or escalation step is done
twice. The runs are made to meet where each checks before it writes (is the boundary done,
which escalation steps are taken), so both see the work still to do."""

from __future__ import annotations

import contextvars
import threading
from collections import Counter

import pytest
from sqlalchemy import select
from sqlmodel import col

import notifications.escalation
import tasks.boundaries
from flows.cycle import phase_flow
from models.db import session_scope
from models.outbox import Message
from simulation.in_process import run_in_process
from tests.factories import bj, stored_cycle
from tests.faults.conftest import Faulted
from tests.faults.lockstep import Lockstep
from tests.faults.world import pending_in_unit_review, snapshot
from tests.notifications.receivers import HttpReceiver

UNITS = 3
BEFORE = bj(2024, 10, 28, 23)  # the declaration closed, the first unit reminders sent
NOW = bj(2024, 11, 1, 9, 30)  # past the unit review's close and the quiet hours


def test_two_runs_at_once_do_each_thing_once(
    faulted: Faulted, monkeypatch: pytest.MonkeyPatch
) -> None:
    cycle = stored_cycle()
    apps = pending_in_unit_review(cycle, UNITS)
    with HttpReceiver() as receiver:
        url = f"json://127.0.0.1:{receiver.port}/zhicheng"
        assert phase_flow(cycle, "sweep", BEFORE, url, return_state=True).is_completed()
        earlier = len(receiver.received)

        lockstep = Lockstep()
        for module, name in (
            (tasks.boundaries, "_already_done"),
            (notifications.escalation, "_steps_taken"),
        ):
            monkeypatch.setattr(module, name, lockstep.wrap(name, getattr(module, name)))
        stray: list[object] = []

        def manual() -> None:
            try:
                stray.append(run_in_process(cycle, "sweep", NOW, url))
            except Exception as exc:  # reported by the assertion below
                stray.append(exc)

        # The thread sees this one's settings (the server's API), as a process of its own would.
        thread = threading.Thread(target=contextvars.copy_context().run, args=(manual,))
        thread.start()
        scheduled = phase_flow(cycle, "sweep", NOW, url, return_state=True)
        thread.join(timeout=120)

    assert scheduled.is_completed(), scheduled
    assert stray and isinstance(stray[0], dict), f"the manual run failed: {stray}"
    assert lockstep.met, "the two runs never met: the test proved nothing"
    after = snapshot(cycle)
    assert not after.done_twice(), after.done_twice()
    assert after.actions("not_recommend") == len(apps)
    # No run since BEFORE: the thresholds passed meanwhile are caught up one level each, all
    # before the close leaves nothing pending.
    assert sorted(step for _, step in after.escalations) == sorted([1, 2, 3] * UNITS)
    received = Counter((m["title"], m["message"]) for m in receiver.received[earlier:])
    assert received and max(received.values()) == 1, "a message was sent twice"
    with session_scope() as session:
        sent = (
            session.execute(
                select(col(Message.attempts)).where(
                    col(Message.cycle_id) == cycle, col(Message.sent_at) > BEFORE
                )
            )
            .scalars()
            .all()
        )
    assert len(sent) == sum(received.values()) and set(sent) == {1}
