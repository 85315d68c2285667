"""Scheduling a cycle's runs on the Prefect server — one at every instant of its schedule
(notifications.cycle_schedule) — and moving them when the schedule changes (an extension, a
committee meeting planned or postponed)."""

from __future__ import annotations

import datetime as dt

from prefect import get_client, task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
    FlowRunFilterTags,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.states import Cancelled
from sqlmodel import Session

from models.committees import meetings_in_force
from models.context import Refused
from models.db import session_scope
from models.plans import stored_plan
from models.settings import workday_calendar
from notifications.cycle_schedule import Run, cycle_schedule, runs

PHASE_DEPLOYMENT = "cycle-phase/cycle-phase"
PAGE = 200  # the API's default page size
# A delivery retry's run (tasks.notify) is asked for by a failed send, not by the schedule: an
# extension has nothing to say about it.
RETRY_TAG = "kind:retry"


def stored_runs(session: Session, cycle_id: str) -> list[Run]:
    """The runs the stored cycle needs: its plan as extended, its meetings as planned."""
    _, plan = stored_plan(session, cycle_id)
    return runs(cycle_schedule(plan, workday_calendar(), meetings_in_force(session, cycle_id)))


def scheduled_runs(cycle_id: str, states: list[StateType] | None = None) -> list[FlowRun]:
    """The cycle's runs on the server (by its tag), in the given states."""
    state = FlowRunFilterState(type=FlowRunFilterStateType(any_=states)) if states else None
    flow_run_filter = FlowRunFilter(tags=FlowRunFilterTags(all_=[f"cycle:{cycle_id}"]), state=state)
    found: list[FlowRun] = []
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_flow_runs(
                flow_run_filter=flow_run_filter, limit=PAGE, offset=len(found)
            )
            found += page
            if len(page) < PAGE:
                return found


def _schedule(cycle_id: str, run: Run, key: str) -> FlowRun:
    try:
        flow_run = run_deployment(
            PHASE_DEPLOYMENT,
            parameters={"cycle_id": cycle_id, "run_label": run.phase},
            scheduled_time=run.at,
            timeout=0,
            as_subflow=False,
            idempotency_key=key,
            tags=run.tags(cycle_id),
        )
    except ObjectNotFound:
        raise Refused(
            f"Prefect 中没有部署 {PHASE_DEPLOYMENT}：请先运行 `prefect deploy --all` 或 `zhicheng serve`，"
            "或用 --no-schedule 只保存周期",
            "no_deployment",
        ) from None
    if not isinstance(flow_run, FlowRun):  # only an async caller gets a coroutine; a task is sync
        raise TypeError("schedule_runs runs outside an event loop")
    return flow_run


# A run scheduled again at an instant whose earlier run was cancelled (a meeting postponed,
# then moved back) needs a key of its own: Prefect answers a reused key with the cancelled run.
AGAIN = "#"


def base_key(key: str | None) -> str:
    """The schedule's key of a run, without the count of earlier cancelled ones."""
    return (key or "").split(AGAIN)[0]


def free_key(key: str, taken: dict[str, bool]) -> str | None:
    """The key to schedule ``key``'s run under: ``key`` itself, or ``key#n`` after n cancelled
    runs held it; None when a run not cancelled already has it. ``taken``: each key on the
    server and whether its run is still in force (not cancelled). Deterministic, so two
    concurrent launches still meet on one key."""
    candidate, n = key, 0
    while candidate in taken:
        if taken[candidate]:
            return None
        n += 1
        candidate = f"{key}{AGAIN}{n}"
    return candidate


@task(cache_policy=NO_CACHE, name="schedule-runs", task_run_name="schedule-{cycle_id}")
def schedule_runs(cycle_id: str, now: dt.datetime) -> list[str]:
    """Creates a scheduled run at every future instant of the cycle that has none yet (the
    idempotency key also makes a concurrent rerun return the same run, not a new one)."""
    with session_scope() as session:
        planned = [r for r in stored_runs(session, cycle_id) if r.at > now]
    taken = {
        r.idempotency_key: r.state_type != StateType.CANCELLED
        for r in scheduled_runs(cycle_id)
        if r.idempotency_key
    }
    scheduled = []
    for run in planned:
        key = free_key(run.key(cycle_id), taken)
        if key is not None:
            scheduled.append(f"{run.label} → {_schedule(cycle_id, run, key).name}")
    return scheduled


@task(cache_policy=NO_CACHE, name="cancel-superseded", task_run_name="cancel-{cycle_id}")
def cancel_superseded(cycle_id: str) -> int:
    """Cancels the cycle's still-scheduled runs whose instant its schedule no longer has (an
    extension or a postponed meeting moved it); a delivery retry's run is not the schedule's."""
    with session_scope() as session:
        current = {r.key(cycle_id) for r in stored_runs(session, cycle_id)}
    stale = [
        r
        for r in scheduled_runs(cycle_id, [StateType.SCHEDULED])
        if base_key(r.idempotency_key) not in current and RETRY_TAG not in r.tags
    ]
    with get_client(sync_client=True) as client:
        for flow_run in stale:
            client.set_flow_run_state(
                flow_run.id, Cancelled(message="时间表已变（延期或会议改期），改期运行"), force=True
            )
    return len(stale)


def reschedule(cycle_id: str, now: dt.datetime) -> list[str]:
    """After the cycle's schedule changed: cancels what it no longer has and schedules what
    is new; a run whose instant stayed keeps its key and is left alone."""
    cancel_superseded(cycle_id)
    return schedule_runs(cycle_id, now)
