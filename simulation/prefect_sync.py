"""Waiting until Prefect has recorded a run's task runs before the next run starts.

Task-run states reach the server as events that it writes in the background; with the
embedded SQLite server, creating the next flow run while those writes are in flight makes
the server answer 503 and the client back off for two seconds. Polling the API until the
run is recorded keeps the simulation fast and its record in Prefect complete."""

from __future__ import annotations

import time
import uuid
from contextlib import AbstractContextManager, nullcontext

from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.context import SyncClientContext

POLL = 0.02  # seconds between API reads; this waits on Prefect, not on simulated time


class RunRecorder:
    """One API client for the whole simulation: while it is open, every synchronous Prefect
    client asked for in this thread — the flow and task engines' of each boundary run, the
    cycle's concurrency limit, this recorder's polling — is this one (Prefect's client
    context), instead of a new client per run and per task (each loads the CA bundle into a
    TLS context, ~50 ms, even against a plain-HTTP server)."""

    def __init__(self) -> None:
        self._context = SyncClientContext.get()
        self._owned = self._context is None
        if self._context is None:
            self._context = SyncClientContext()
            self._context.__enter__()
        self.client = self._context.client

    def close(self) -> None:
        if self._owned and self._context is not None:
            self._context.__exit__(None, None, None)

    def wait(self, flow_run_id: uuid.UUID | None, expected: int, timeout: float = 10.0) -> bool:
        return wait_recorded(flow_run_id, expected, timeout, self.client)


def wait_recorded(
    flow_run_id: uuid.UUID | None,
    expected: int,
    timeout: float = 10.0,
    client: SyncPrefectClient | None = None,
) -> bool:
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


def no_tls_setup_for_a_plain_http_server() -> AbstractContextManager[object]:
    """Every flow run builds a Prefect client, and each client loads the CA bundle into a TLS
    context (~45 ms, a fifth of a short run) even for the local server over plain HTTP, where
    no TLS happens at all. Skipping that setup changes nothing on the wire; over HTTPS the
    settings stay as they are."""
    from prefect.settings import (
        PREFECT_API_TLS_INSECURE_SKIP_VERIFY,
        PREFECT_API_URL,
        temporary_settings,
    )

    url = PREFECT_API_URL.value()
    if url is not None and not url.startswith("http://"):
        return nullcontext()
    return temporary_settings(updates={PREFECT_API_TLS_INSECURE_SKIP_VERIFY: True})
