"""Runs left behind by a dead worker, given back to the work pool.

A process worker killed outright (a power cut, ``kill -9``, an out-of-memory kill) reports
nothing: the run it was executing stays Running and the runs it had already taken for later
(prefetch) stay Pending, with no process behind them, and Prefect never takes them again.
A worker starting under the dead one's name (``zhicheng worker``) first gives them back:
  - a Pending run never started its flow: it is scheduled again for its own instant;
  - a Running run was cut off mid-way: it is marked Crashed (the office is alerted, as the
    flow's own crash hook would have done) and then scheduled again at once, as Prefect's
    "retry" does. The phase flow does everything due and not yet done, each transition under
    its key, so the rerun finishes the work and repeats none of it;
  - the cycle's one-slot concurrency limit, which the dead run's lease would hold for up to
    a minute, is dropped and created afresh by the next run.
Runs of workers the server already lists as offline (another machine that died) are given
back the same way by whichever worker starts next.

A cut-off run's own subflows (the daily sweep runs each cycle's phase flow as one) died with it
but stay Running on the server, and the process that ran them is gone: they are marked Crashed
(each cycle's office alerted, the sweep itself naming no cycle) and not rerun — the cut-off
run's rerun runs them again — and their cycles' slots are released as well."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prefect import get_client
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterParentFlowRunId,
    FlowRunFilterState,
    FlowRunFilterStateType,
    WorkPoolFilter,
    WorkPoolFilterName,
)
from prefect.client.schemas.objects import FlowRun, StateType, WorkerStatus
from prefect.exceptions import ObjectNotFound
from prefect.states import AwaitingRetry, Crashed, Scheduled

WORKER_LABEL = "prefect.worker.name"  # set on a run by the worker that takes it
CYCLE_TAG = "cycle:"


@dataclass
class Reclaimed:
    """What was given back, by run name."""

    rescheduled: list[str] = field(default_factory=list)  # Pending: back to their instant
    rerun: list[str] = field(default_factory=list)  # Running: crashed, then run again
    stranded: list[str] = field(default_factory=list)  # their subflows: crashed
    limits_released: list[str] = field(default_factory=list)


def dead_workers(client: SyncPrefectClient, pool: str, starting: str) -> set[str]:
    """The worker starting now (its predecessor of that name is gone) and every worker of the
    pool the server lists as offline."""
    offline = {
        w.name
        for w in client.read_workers_for_work_pool(pool)
        if w.status == WorkerStatus.OFFLINE and w.name != starting
    }
    return offline | {starting}


_UNFINISHED = FlowRunFilterState(
    type=FlowRunFilterStateType(any_=[StateType.PENDING, StateType.RUNNING])
)


def orphaned_runs(client: SyncPrefectClient, pool: str, workers: set[str]) -> list[FlowRun]:
    """The pool's Pending and Running runs that one of ``workers`` had taken."""
    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(state=_UNFINISHED),
        work_pool_filter=WorkPoolFilter(name=WorkPoolFilterName(any_=[pool])),
    )
    return [r for r in runs if str((r.labels or {}).get(WORKER_LABEL, "")) in workers]


def unfinished_subflows(client: SyncPrefectClient, parents: set[Any]) -> list[FlowRun]:
    """The Pending and Running subflow runs of the ``parents`` runs, at any depth."""
    found: list[FlowRun] = []
    while parents:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=sorted(parents)),
                state=_UNFINISHED,
            )
        )
        found += runs
        parents = {r.id for r in runs}
    return found


def cycle_of(run: FlowRun) -> str | None:
    parameters: dict[str, Any] = dict(run.parameters or {})
    if parameters.get("cycle_id"):
        return str(parameters["cycle_id"])
    tagged = [t[len(CYCLE_TAG) :] for t in run.tags if t.startswith(CYCLE_TAG)]
    return tagged[0] if tagged else None


def reclaim(
    pool: str,
    worker: str,
    now: dt.datetime,
    on_crash: Callable[[FlowRun, str], None],
    limit_name: Callable[[str], str],
) -> Reclaimed:
    """Gives back the runs ``worker``'s dead predecessor (and offline workers) left behind.
    ``on_crash(run, message)`` records a cut-off run's failure; ``limit_name(cycle_id)`` names
    a cycle's concurrency limit."""
    done = Reclaimed()
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:  # the first worker ever creates the pool: nothing to take back
            return done
        gone = dead_workers(client, pool, worker)
        orphans = orphaned_runs(client, pool, gone)
        cut_off = [r for r in orphans if r.state is not None and r.state.is_running()]
        cut_off_ids = {r.id for r in cut_off}
        for run in orphans:
            if run.id in cut_off_ids:
                message = f"工作进程 {run.labels.get(WORKER_LABEL)} 已中断，运行由 {worker} 重做"
                client.set_flow_run_state(run.id, Crashed(message=message), force=True)
                on_crash(run, message)
                client.set_flow_run_state(run.id, AwaitingRetry(scheduled_time=now), force=True)
                done.rerun.append(run.name)
            else:
                instant = run.expected_start_time or now
                client.set_flow_run_state(run.id, Scheduled(scheduled_time=instant), force=True)
                done.rescheduled.append(run.name)
        stranded = unfinished_subflows(client, cut_off_ids)
        for run in stranded:
            message = f"所属运行的工作进程已中断；由 {worker} 重做所属运行时重新执行"
            client.set_flow_run_state(run.id, Crashed(message=message), force=True)
            on_crash(run, message)
            done.stranded.append(run.name)
        given_back = {r.id for r in orphans} | {r.id for r in stranded}
        for cycle_id in sorted({c for r in cut_off + stranded if (c := cycle_of(r)) is not None}):
            if not _still_running(client, cycle_id, given_back):
                client.delete_global_concurrency_limit_by_name(limit_name(cycle_id))
                done.limits_released.append(limit_name(cycle_id))
    return done


def _still_running(client: SyncPrefectClient, cycle_id: str, orphans: set[Any]) -> bool:
    """Whether a live run of the cycle (not one given back) may hold its slot."""
    from prefect.client.schemas.filters import FlowRunFilterTags

    runs = client.read_flow_runs(
        flow_run_filter=FlowRunFilter(
            tags=FlowRunFilterTags(all_=[f"{CYCLE_TAG}{cycle_id}"]),
            state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.RUNNING])),
        )
    )
    return any(r.id not in orphans for r in runs)
