"""A failed boundary run alerts the province, and stays on record until a later run of that
boundary succeeds."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from prefect.client.schemas.objects import FlowRun, State
from prefect.states import Crashed
from sqlalchemy import select, update
from sqlmodel import col

from flows.cycle import phase_flow
from models.cycle import Cycle
from models.db import session_scope
from models.outbox import Message
from models.run_failures import RunFailure, open_run_failures
from tasks.failures import on_run_failed
from tests.factories import bj, stored_cycle, unit_in_tree
from tests.notifications.receivers import HttpReceiver

pytestmark = pytest.mark.usefixtures("db")


def _set_spec(cycle_id: str, spec: dict) -> dict:
    with session_scope() as session:
        before = session.get(Cycle, cycle_id)
        assert before is not None
        kept = dict(before.spec)
        session.execute(update(Cycle).where(col(Cycle.id) == cycle_id).values(spec=spec))
    return kept


def _alerts(cycle_id: str) -> list[Message]:
    with session_scope() as session:
        return list(
            session.execute(
                select(Message).where(
                    col(Message.cycle_id) == cycle_id, col(Message.kind) == "run_failed"
                )
            ).scalars()
        )


@pytest.mark.usefixtures("prefect_server")
def test_a_failed_run_is_recorded_alerted_and_cleared_by_a_later_success() -> None:
    unit_in_tree()  # the province organisation the alert goes to
    cycle = stored_cycle()
    good = _set_spec(cycle, {"broken": "这不是周期文件"})
    failed_at, later = bj(2024, 9, 2, 9), bj(2024, 9, 3, 9)
    with HttpReceiver() as receiver:
        url = f"json://127.0.0.1:{receiver.port}/office"
        state = phase_flow(cycle, "declaration-open", failed_at, url, return_state=True)
        assert state.is_failed()
        with session_scope() as session:
            failures = open_run_failures(session, cycle)
        assert [(f.run_label, f.state, f.flow_run_id) for f in failures] == [
            ("declaration-open", "FAILED", str(state.state_details.flow_run_id))
        ]
        assert failures[0].failed_at == failed_at and failures[0].message
        [alert] = _alerts(cycle)
        assert (alert.recipient, alert.recipient_kind) == ("620000", "province")
        assert "declaration-open" in alert.body and "失败" in alert.body
        # Sent at once by the hook, not left for the next run.
        assert alert.status == "sent"
        assert [m["title"] for m in receiver.received] == ["流程运行失败"]

        _set_spec(cycle, good)
        # A sweep succeeding settles nothing: the boundary's own run must succeed.
        assert phase_flow(cycle, "sweep", later, url, return_state=True).is_completed()
        with session_scope() as session:
            assert len(open_run_failures(session, cycle)) == 1
        assert phase_flow(cycle, "declaration-open", later, url, return_state=True).is_completed()
    with session_scope() as session:
        assert open_run_failures(session, cycle) == []
        [row] = session.execute(
            select(RunFailure).where(col(RunFailure.cycle_id) == cycle)
        ).scalars()
    assert row.resolved_at == later
    assert len(_alerts(cycle)) == 1


def test_a_crash_is_recorded_once_even_if_the_hook_runs_twice() -> None:
    unit_in_tree()
    cycle = stored_cycle()
    run = FlowRun(
        flow_id=uuid.uuid4(),
        parameters={
            "cycle_id": cycle,
            "run_label": "unit-review-close",
            "now": "2024-10-21T01:00:00+00:00",
        },
    )
    crashed: State[None] = Crashed(message="Execution was aborted by an interrupt signal.")
    on_run_failed(phase_flow, run, crashed)
    on_run_failed(phase_flow, run, crashed)
    with session_scope() as session:
        [failure] = open_run_failures(session, cycle)
    assert (failure.state, failure.run_label) == ("CRASHED", "unit-review-close")
    assert failure.failed_at == dt.datetime(2024, 10, 21, 1, tzinfo=dt.UTC)
    [alert] = _alerts(cycle)
    assert "异常中断" in alert.body and "interrupt" in alert.body
