"""Scheduling a deployment's run on a live server as tasks/schedule.py does, and waiting for it."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from prefect import get_client
from prefect.client.schemas.objects import FlowRun
from prefect.deployments import run_deployment
from prefect.settings import PREFECT_API_URL, temporary_settings


def schedule(api_url: str, deployment: str, at: dt.datetime, **parameters: Any) -> FlowRun:
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        run = run_deployment(
            deployment, parameters=parameters, scheduled_time=at, timeout=0, as_subflow=False
        )
    assert isinstance(run, FlowRun)
    return run


def finished(api_url: str, run: FlowRun, timeout: float) -> FlowRun:
    """The run once it is in a final state (or as it is after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        while True:
            current = client.read_flow_run(run.id)
            if (current.state and current.state.is_final()) or time.monotonic() > deadline:
                return current
            time.sleep(0.5)


def deployment(api_url: str, name: str) -> Any:
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        return client.read_deployment_by_name(name)


def cycle_runs(api_url: str, cycle_id: str) -> list[FlowRun]:
    """Every run of the cycle on the server (launch tags them ``cycle:<id>``), by instant."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        found = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"cycle:{cycle_id}"]))
        )
    return sorted(found, key=lambda r: (r.expected_start_time or dt.datetime.max, r.name))


def cancel_scheduled(api_url: str, runs: list[FlowRun]) -> None:
    """Leaves no run of a finished test to fire later against a dropped database."""
    from prefect.states import Cancelled

    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        for run in runs:
            if run.state is not None and not run.state.is_final():
                client.set_flow_run_state(run.id, Cancelled(message="测试结束"), force=True)


def run_states(api_url: str, run_id: Any) -> list[Any]:
    """A run's states, oldest first."""
    with (
        temporary_settings(updates={PREFECT_API_URL: api_url}),
        get_client(sync_client=True) as client,
    ):
        states = client.read_flow_run_states(run_id)
    return sorted(states, key=lambda s: s.timestamp)
