"""A run scheduled on the real server is executed by the real process worker on time."""

from __future__ import annotations

import datetime as dt
import os
import time

from tests.live.conftest import LEAD, ON_TIME, POOL, Live, Workers
from tests.live.processes import alive
from tests.live.runs import deployment, finished, schedule


def test_a_scheduled_run_is_executed_by_the_worker_on_time(live: Live, worker: Workers) -> None:
    sweep = deployment(live.api_url, "daily-sweep/daily-sweep")
    assert sweep.work_pool_name == POOL and sweep.pull_steps  # as prefect.yaml says
    at = dt.datetime.now(dt.UTC) + LEAD
    run = schedule(live.api_url, "daily-sweep/daily-sweep", at)
    done = finished(live.api_url, run, timeout=(LEAD + ON_TIME).total_seconds() + 60)
    assert done.state is not None and done.state.is_completed(), done.state
    assert done.start_time is not None and done.end_time is not None
    live.timings["run: start after its instant"] = done.start_time.timestamp() - at.timestamp()
    live.timings["run: start to end"] = done.end_time.timestamp() - done.start_time.timestamp()
    # Not early — a flow that reads the clock would find its boundary not yet due — except
    # for the server's rounding of the wait to whole seconds; and late by less than ON_TIME.
    assert at - dt.timedelta(seconds=1) <= done.start_time <= at + ON_TIME, (
        f"scheduled {at}, started {done.start_time}",
        worker.log.read_text(errors="replace")[-3000:],
    )
    # It ran in a process of the worker's, not here, and that process has ended.
    assert done.work_pool_name == POOL and done.infrastructure_pid
    pid = int(str(done.infrastructure_pid).rsplit(":", 1)[-1])
    assert pid != os.getpid()
    deadline = time.monotonic() + 15  # it reports Completed a moment before it exits
    while alive([pid]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive([pid])
