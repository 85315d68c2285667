"""Running the phase flow's function in this process, without Prefect: how the rehearsal
carries out the schedule's instants that are not boundaries.

Calling ``phase_flow.fn`` alone is not enough: its tasks (sweep, reminders, boundaries,
delivery, progress) are Prefect tasks, and a Prefect task called outside a flow run still
goes through the task engine — a client per task (with its TLS context), a task run and its
states sent to the server, the result storage read from it. That was half of a simulation's
time. Here the same flow code runs with each task as its plain function, and without the
progress artifacts: an instant that is no Prefect run has no run page to show them on (the
next boundary run publishes them). Nothing else differs, so what the run does to the
cycle's rows is what a Prefect run at that instant does."""

from __future__ import annotations

import datetime as dt
import logging
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Task

import flows.cycle
from flows.cycle import phase_flow

# Outside a run, Prefect's get_run_logger has nothing to log to and raises unless both run
# loggers are off; the flow's own log lines are not what the rehearsal reports anyway.
_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
# The flow module's globals replaced for an in-process call; the module itself is not touched.
_NO_PREFECT: dict[str, Any] = {
    "publish_progress": lambda cycle_id, phase, now, city_names: None,
    "_city_names": lambda: {},  # read only for the progress table
}


@contextmanager
def run_loggers_off() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in _RUN_LOGGERS]
    before = [logger.disabled for logger in loggers]
    for logger in loggers:
        logger.disabled = True
    try:
        yield
    finally:
        for logger, was in zip(loggers, before, strict=True):
            logger.disabled = was


def _rebound(function: Any, scope: dict[str, Any]) -> types.FunctionType:
    """The same code, reading its global names from ``scope``."""
    return types.FunctionType(
        function.__code__, scope, function.__name__, function.__defaults__, function.__closure__
    )


def plain_phase_flow() -> Callable[..., dict[str, Any]]:
    """The flow's function over a copy of its module's globals in which every Prefect task is
    its plain function. Built per call (a copy of one module's names): whatever the module
    holds now (a test's patched task) is what runs."""
    scope = dict(vars(flows.cycle))
    for name, value in scope.items():
        if isinstance(value, Task):
            scope[name] = value.fn
    scope.update(_NO_PREFECT)
    scope["_run"] = _rebound(flows.cycle._run, scope)
    return _rebound(phase_flow.fn, scope)


def run_in_process(
    cycle_id: str, label: str, now: dt.datetime, notify_url: str | None
) -> dict[str, Any]:
    """The flow function a scheduled run executes, called directly, with its tasks as plain
    functions (no Prefect client, task run or artifact); the report has no progress."""
    with run_loggers_off():
        return plain_phase_flow()(cycle_id, label, now, notify_url)
