"""PostgreSQL restarted in the middle of a sweep, as zhicheng sees it: every connection cut
while the sweep's transaction has moved applications, new connections refused. The run fails
cleanly (nothing of the sweep is kept), and its retry, once the database is back, completes
exactly as a run without the fault would have."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url
from sqlmodel import Session

import tasks.sweeps
from flows.cycle import phase_flow
from models.context import CycleContext
from models.db import engine
from tests.factories import bj, recommended, stored_cycle
from tests.faults.conftest import Faulted, PrefectServer, pointed_at
from tests.faults.proxy import RestartingProxy
from tests.faults.world import snapshot

APPLICATIONS = 6
NOW = bj(2024, 9, 30, 0, 30)  # the sweep of 9/30 opens unit publicity for what was recommended


@pytest.fixture
def proxied(
    prefect_server_process: PrefectServer, zhicheng_database: str
) -> Iterator[tuple[Faulted, RestartingProxy]]:
    url = make_url(zhicheng_database)
    proxy = RestartingProxy((url.host or "127.0.0.1", url.port or 5432))
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        for faulted in pointed_at(prefect_server_process, through):
            yield faulted, proxy
    finally:
        proxy.close()
        engine(through).dispose()


def test_a_database_restart_mid_sweep_fails_the_run_and_its_retry_completes(
    proxied: tuple[Faulted, RestartingProxy], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, proxy = proxied
    cycle = stored_cycle()
    apps = recommended(cycle, APPLICATIONS)
    before = snapshot(cycle)

    (first_name, first_step), *rest = tasks.sweeps.STEPS
    moved: list[int] = []

    def then_restart(session: Session, ctx: CycleContext, now: dt.datetime) -> int:
        moved.append(first_step(session, ctx, now))  # written, not yet committed
        proxy.down()
        return 0

    monkeypatch.setattr(tasks.sweeps, "STEPS", ((first_name, then_restart), *rest))
    state = phase_flow(cycle, "sweep", NOW, return_state=True)
    assert moved and moved[0] == APPLICATIONS, "the fault came before the sweep wrote anything"
    assert proxy.dropped > 0
    assert state.is_failed(), state
    assert "无法使用数据库" in (state.message or ""), state.message
    proxy.up()
    assert snapshot(cycle) == before, "the failed run left part of its work behind"

    monkeypatch.undo()
    retry = phase_flow(cycle, "sweep", NOW, return_state=True)
    assert retry.is_completed(), retry
    after = snapshot(cycle)
    assert set(after.statuses.values()) == {"unit_publicity"}
    assert not after.done_twice()
    assert after.actions("start_unit_publicity") == len(apps)
