"""Running the phase flow's function in this process, without a Prefect flow run: how the
rehearsal carries out the schedule's instants that are not boundaries."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flows.cycle import phase_flow

# Outside a run, Prefect's get_run_logger has nothing to log to and raises unless both run
# loggers are off; the flow's own log lines are not what the rehearsal reports anyway.
_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


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


def run_in_process(
    cycle_id: str, label: str, now: dt.datetime, notify_url: str | None
) -> dict[str, Any]:
    """The same flow function a scheduled run executes, called directly."""
    with run_loggers_off():
        return phase_flow.fn(cycle_id, label, now, notify_url)
