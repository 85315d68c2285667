"""Waiting until Prefect has recorded a run's task runs before the next run starts.

Task-run states reach the server as events that it writes in the background; with the
embedded SQLite server, creating the next flow run while those writes are in flight makes
the server answer 503 and the client back off for two seconds. Polling the API until the
run is recorded keeps the simulation fast and its record in Prefect complete."""

from __future__ import annotations

import time
import uuid

from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

POLL = 0.02  # seconds between API reads; this waits on Prefect, not on simulated time


class RunRecorder:
    """One API client for the whole simulation (a client per call costs an SSL context)."""

    def __init__(self) -> None:
        self._context = get_client(sync_client=True)
        self.client = self._context.__enter__()

    def close(self) -> None:
        self._context.__exit__(None, None, None)

    def wait(self, flow_run_id: uuid.UUID | None, expected: int, timeout: float = 10.0) -> bool:
        return wait_recorded(flow_run_id, expected, timeout, self.client)


def wait_recorded(
    flow_run_id: uuid.UUID | None, expected: int, timeout: float = 10.0, client=None
) -> bool:  # type: ignore[no-untyped-def]
    if flow_run_id is None or expected <= 0:
        return True
    if client is None:
        with get_client(sync_client=True) as own:
            return wait_recorded(flow_run_id, expected, timeout, own)
    deadline = time.monotonic() + timeout
    while True:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        )
        if len(runs) >= expected and all(r.state is not None and r.state.is_final() for r in runs):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
