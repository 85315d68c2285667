"""An instant carried out in process touches no Prefect server: with the API pointed at a port
where nothing listens, the flow's function still closes the declaration and writes the
reminders due, as a Prefect run at that instant would."""

from __future__ import annotations

import socket

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings
from sqlalchemy import func, select
from sqlmodel import col

from models.db import session_scope
from models.outbox import Message
from models.plans import stored_plan
from simulation.in_process import run_in_process
from tests.factories import drafts, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_in_process_instant_needs_no_prefect_server() -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 2)
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
    closing = plan.phase("declaration").end
    assert closing is not None
    with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{unused_port()}/api"}):
        report = run_in_process(cycle, "declaration-close", closing, None)
    assert [status_of(i) for i in ids] == ["expired", "expired"]
    assert sum(report["boundaries"].values()) == 2  # the two drafts, expired by the close
    assert report["progress"] is None  # no run to show it on: the next Prefect run publishes it
    with session_scope() as session:
        reminders = session.execute(
            select(func.count()).select_from(Message).where(col(Message.cycle_id) == cycle)
        ).scalar()
    assert reminders  # the final-day reminders before the close, written by the same call
