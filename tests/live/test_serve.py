"""`zhicheng serve` against the real server: it registers its deployments and executes a
scheduled run itself (no work pool, no worker).

Its deployments take the names prefect.yaml gives (cycle-phase/cycle-phase, …). Registered
over those of `prefect deploy --all`, they kept the pull step (set_working_directory to
$ZHICHENG_CHECKOUT, unset for serve) and the run crashed: the two ways are alternatives, so
serve refuses to register over them (tested first), and the fixture then deletes what the
worker fixture deployed, as an office switching to serve would."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from prefect import get_client
from prefect.exceptions import ObjectNotFound
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.live.conftest import LEAD, Live, Workers
from tests.live.processes import BIN, Service
from tests.live.runs import deployment, finished, schedule

SERVED = [
    "cycle-phase/cycle-phase",
    "daily-sweep/daily-sweep",
    "annual-cycle/annual-cycle",
    "extend-phase/extend-phase",
]


def _served_by_serve(api_url: str, proc: Service) -> bool:
    if "being served" not in proc.log.read_text(errors="replace"):
        return False
    try:
        return all(deployment(api_url, name) for name in SERVED)
    except Exception:  # not registered yet
        return False


def _delete_deployments(api_url: str) -> None:
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        for name in SERVED:
            try:
                client.delete_deployment(client.read_deployment_by_name(name).id)
            except ObjectNotFound:
                pass


def test_serve_refuses_to_take_over_the_work_pools_deployments(live: Live, worker: Workers) -> None:
    """With `prefect deploy --all`'s deployments on the server (the worker fixture made them),
    serve stops with one line instead of replacing them under the workers."""
    import subprocess

    done = subprocess.run(
        [str(BIN / "zhicheng"), "serve"],
        env=live.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "工作池" in done.stderr and "cycle-phase/cycle-phase" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert deployment(live.api_url, "cycle-phase/cycle-phase").work_pool_name == "zhicheng"


@pytest.fixture
def served(live: Live) -> Iterator[Service]:
    _delete_deployments(live.api_url)
    proc = Service(
        "serve",
        [str(BIN / "zhicheng"), "serve"],
        {**live.env, "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
        live.logs,
    )
    try:
        live.timings["serve start"] = proc.wait_until(
            lambda: _served_by_serve(live.api_url, proc), "serve's four deployments registered"
        )
        yield proc
    finally:
        proc.stop()


def test_serve_registers_its_deployments_and_executes_a_scheduled_run(
    live: Live, served: Service
) -> None:
    sweep = deployment(live.api_url, "daily-sweep/daily-sweep")
    # The 00:30 Beijing-time cron, in its own zone whatever the host's.
    assert [s.schedule.cron for s in sweep.schedules] == ["30 0 * * *"]
    assert [s.schedule.timezone for s in sweep.schedules] == ["Asia/Shanghai"]

    at = dt.datetime.now(dt.UTC) + LEAD
    run = schedule(live.api_url, "daily-sweep/daily-sweep", at)
    began = time.monotonic()
    done = finished(live.api_url, run, timeout=LEAD.total_seconds() + 90)
    assert done.state is not None and done.state.is_completed(), (
        done.state,
        served.log.read_text(errors="replace")[-3000:],
    )
    assert done.start_time is not None
    # serve ran it, not the worker of test_scheduled_run.py (if that one is still up)
    log = served.log.read_text(errors="replace")
    assert f"'{done.name}'" in log, (done.work_pool_name, log[-3000:])
    live.timings["serve run: start after its instant"] = (
        done.start_time.timestamp() - at.timestamp()
    )
    live.timings["serve run: scheduled to completed"] = time.monotonic() - began
    # Prefect's serve starts a run at most 10 s ahead (its prefetch is fixed), and a fresh
    # process needs seconds to import the flows: on a loaded machine it starts late, so only
    # "not early" is asserted here; the worker test holds the 10 s bound.
    assert done.start_time >= at - dt.timedelta(seconds=1)
