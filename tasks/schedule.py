"""Scheduling the boundary runs on the Prefect server, and moving them after an extension."""

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

from models.context import Refused
from models.db import session_scope
from tasks.events import BoundaryEvent, boundary_events

PHASE_DEPLOYMENT = "cycle-phase/cycle-phase"


def idempotency_key(cycle_id: str, event: BoundaryEvent) -> str:
    return f"{cycle_id}-{event.phase}-{event.edge}-{event.stamp}"


def _tags(cycle_id: str, event: BoundaryEvent) -> list[str]:
    return [f"cycle:{cycle_id}", f"boundary:{event.phase}.{event.edge}"]


@task(cache_policy=NO_CACHE, name="schedule-boundaries", task_run_name="schedule-{cycle_id}")
def schedule_boundaries(
    cycle_id: str, now: dt.datetime, phases: list[str] | None = None
) -> list[str]:
    """Creates one scheduled run per future boundary; the idempotency key makes a rerun
    return the same runs instead of new ones."""
    with session_scope() as session:
        events = [e for e in boundary_events(session, cycle_id) if e.due > now]
    if phases is not None:
        events = [e for e in events if e.phase in phases]
    created = []
    for event in events:
        try:
            run = run_deployment(
                PHASE_DEPLOYMENT,
                parameters={"cycle_id": cycle_id, "run_label": event.slug},
                scheduled_time=event.due,
                timeout=0,
                as_subflow=False,
                idempotency_key=idempotency_key(cycle_id, event),
                tags=_tags(cycle_id, event),
            )
        except ObjectNotFound:
            raise Refused(
                f"Prefect 中没有部署 {PHASE_DEPLOYMENT}：请先运行 `prefect deploy --all` 或 `zhicheng serve`，"
                "或用 --no-schedule 只保存周期",
                "no_deployment",
            ) from None
        if not isinstance(run, FlowRun):  # only an async caller gets a coroutine; a task is sync
            raise TypeError("schedule_boundaries runs outside an event loop")
        created.append(f"{event.key} → {run.name}")
    return created


@task(cache_policy=NO_CACHE, name="cancel-superseded", task_run_name="cancel-{cycle_id}-{phase}")
def cancel_superseded(cycle_id: str, phase: str) -> int:
    """Cancels the still-scheduled runs of this phase's boundaries whose instant is no longer
    a boundary of the cycle (an extension moved it)."""
    with session_scope() as session:
        current = {(e.phase, e.edge, e.due) for e in boundary_events(session, cycle_id)}
    cancelled = 0
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                tags=FlowRunFilterTags(all_=[f"cycle:{cycle_id}"]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
            ),
        )
        for run in runs:
            boundary = next((t.split(":", 1)[1] for t in run.tags if t.startswith("boundary:")), "")
            run_phase, _, edge = boundary.partition(".")
            if run_phase == phase and (phase, edge, run.expected_start_time) not in current:
                client.set_flow_run_state(
                    run.id, Cancelled(message="阶段已延期，改期运行"), force=True
                )
                cancelled += 1
    return cancelled
