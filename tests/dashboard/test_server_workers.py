"""`zhicheng dashboard --workers`: how many processes answer by default, and a worker
process's application keeps the drill's instant (``--as-of``)."""

from __future__ import annotations

import os

import pendulum
import pytest

from dashboard.server import AS_OF_VARIABLE, MOST_WORKERS, default_workers, from_environment


def test_one_process_on_sqlite_one_per_core_on_postgresql() -> None:
    assert default_workers("sqlite:///somewhere.db") == 1
    cores = max(1, min(MOST_WORKERS, os.cpu_count() or 1))
    assert default_workers("postgresql://u@127.0.0.1/x") == cores


def test_a_worker_keeps_the_drills_instant(monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = pendulum.datetime(2024, 10, 20, 20, tz="Asia/Shanghai")
    monkeypatch.setenv(AS_OF_VARIABLE, as_of.isoformat())
    app = from_environment()
    assert app.state.drill and app.state.clock() == as_of
    monkeypatch.delenv(AS_OF_VARIABLE)
    assert not from_environment().state.drill
