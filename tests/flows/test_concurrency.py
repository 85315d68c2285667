"""Several workers: runs of one cycle never overlap, runs of different cycles do. Each run is
a separate process against the session's Prefect server, as runs on two workers are (inside
one process Prefect starts sync flow runs one after another, which would prove nothing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from prefect import get_client
from prefect.settings import PREFECT_API_URL

from flows.cycle import cycle_limit, ensure_cycle_limit

pytestmark = pytest.mark.usefixtures("db", "prefect_server")
ROOT = Path(__file__).resolve().parents[2]

# The run's work is a sleep whose wall-clock interval is printed: the real work is the phase
# flow tests' business. Each process says when it has imported Prefect; then both are given
# the same instant to start the run at.
WORKER = """
import json, sys, time
import flows.cycle
from tests.factories import bj

def work(cycle_id, now, notify_url):
    start = time.time()
    time.sleep(float(sys.argv[2]))
    print(json.dumps([start, time.time()]), flush=True)
    return {"task_runs": 0}

flows.cycle._run = work
print("ready", flush=True)
start_at = float(sys.stdin.readline())
time.sleep(max(0.0, start_at - time.time()))
state = flows.cycle.phase_flow(sys.argv[1], "sweep", bj(2024, 10, 1, 9), return_state=True)
print(state.type.value, flush=True)
"""


def _run_at_once(cycles: list[str], work: float = 2.0) -> list[tuple[float, float]]:
    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, cycle, str(work)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for cycle in cycles
    ]
    for worker in workers:
        assert worker.stdout is not None and worker.stderr is not None
        if worker.stdout.readline() != "ready\n":  # it failed before the start: say why
            worker.kill()
            pytest.fail(worker.stderr.read()[-2000:])
    start_at = time.time() + 1.0  # both are waiting for it: a second to read it and sleep
    for worker in workers:  # every worker is told before any is waited for
        assert worker.stdin is not None
        worker.stdin.write(f"{start_at}\n")
        worker.stdin.flush()  # communicate() closes it
    intervals = []
    for worker in workers:
        out, err = worker.communicate(timeout=120)
        lines = out.splitlines()
        assert worker.returncode == 0 and lines[-1:] == ["COMPLETED"], err[-2000:]
        start, end = json.loads(lines[-2])
        intervals.append((start, end))
    assert min(s for s, _ in intervals) >= start_at, "a worker was not ready at the start"
    return sorted(intervals)


def test_two_runs_of_one_cycle_are_serialised_and_two_cycles_overlap() -> None:
    tag = uuid.uuid4().hex[:8]
    one, other = f"t-conc-{tag}-a", f"t-conc-{tag}-b"
    (a_start, a_end), (b_start, b_end) = _run_at_once([one, one])
    assert a_end <= b_start, "two runs of one cycle worked at the same time"
    # long enough work that two runs overlap even when a loaded machine starts them seconds apart
    (a_start, a_end), (b_start, b_end) = _run_at_once([one, other], work=10.0)
    assert b_start < a_end, "runs of different cycles waited for each other"
    with get_client(sync_client=True) as client:
        limit = client.read_global_concurrency_limit_by_name(cycle_limit(one))
    assert limit.limit == 1 and limit.active_slots == 0


def test_the_limit_is_created_once() -> None:
    cycle = f"t-conc-{uuid.uuid4().hex[:8]}"
    assert ensure_cycle_limit(cycle) == ensure_cycle_limit(cycle) == cycle_limit(cycle)
    with get_client(sync_client=True) as client:
        limits = client.read_global_concurrency_limits(limit=200)
    assert [x.name for x in limits].count(cycle_limit(cycle)) == 1
