"""Taking back what a dead worker left (flows/orphans.py), on the session's Prefect server:
the runs are made as a worker and a flow would leave them, then a worker of the same name
starts. The live drill (tests/live/test_drill.py) kills a real worker mid-boundary; these cover
what it does not reach: a cut-off run's subflows, and a worker that died on another machine
(the session's server runs without the service that marks workers offline: the test runs that
service's own step against the server's database)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pendulum
import pytest
from prefect import flow, get_client, task
from prefect.client.orchestration import SyncPrefectClient
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, WorkPoolCreate
from prefect.client.schemas.objects import FlowRun, StateType, WorkerStatus
from prefect.exceptions import ObjectNotFound
from prefect.server.database import provide_database_interface
from prefect.server.services.foreman import (
    _mark_online_workers_without_recent_heartbeat_as_offline as mark_offline,
)
from prefect.states import Completed, Pending, Running

from flows.cycle import cycle_limit
from flows.orphans import WORKER_LABEL, reclaim

NOW = pendulum.datetime(2024, 10, 21, 0, 30, tz="Asia/Shanghai")


@flow(name="orphans-test-parent")
def parent_flow() -> None:  # never run: its runs are made by hand
    pass


@flow(name="orphans-test-child")
def child_flow(cycle_id: str) -> None:  # never run
    pass


@dataclass
class Pool:
    client: SyncPrefectClient
    name: str
    deployment_id: uuid.UUID

    def taken_run(self, worker: str, running: bool) -> FlowRun:
        """A run of the pool's deployment that ``worker`` took (Pending) and maybe started."""
        run = self.client.create_flow_run_from_deployment(self.deployment_id)
        self.client.update_flow_run_labels(run.id, {WORKER_LABEL: worker})
        self.client.set_flow_run_state(run.id, Pending(), force=True)
        if running:
            self.client.set_flow_run_state(run.id, Running(), force=True)
        return self.client.read_flow_run(run.id)

    def subflow(self, parent: FlowRun, cycle_id: str) -> FlowRun:
        """A Running subflow of ``parent``, as a flow calling another flow leaves it."""
        task_run = self.client.create_task_run(
            task=_subflow_call, flow_run_id=parent.id, dynamic_key=uuid.uuid4().hex
        )
        run = self.client.create_flow_run(
            child_flow,
            parameters={"cycle_id": cycle_id},
            parent_task_run_id=task_run.id,
            state=Running(),
        )
        return self.client.read_flow_run(run.id)

    def state(self, run: FlowRun) -> StateType | None:
        found = self.client.read_flow_run(run.id).state
        return None if found is None else found.type


@task(name="orphans-test-subflow-call")
def _subflow_call() -> None:  # never run: the parent's task run that a subflow hangs from
    pass


@pytest.fixture
def pool(prefect_server: None) -> Iterator[Pool]:
    name = f"orphans-{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        flow_id = client.create_flow(parent_flow)
        deployment_id = client.create_deployment(
            flow_id=flow_id, name=f"{name}-deployment", work_pool_name=name
        )
        yield Pool(client, name, deployment_id)
        client.delete_work_pool(name)


def _limit(client: SyncPrefectClient, cycle_id: str) -> str:
    name = cycle_limit(cycle_id)
    client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    return name


def _exists(client: SyncPrefectClient, limit: str) -> bool:
    try:
        client.read_global_concurrency_limit_by_name(limit)
    except ObjectNotFound:
        return False
    return True


def test_a_cut_off_sweeps_subflows_are_crashed_and_their_cycles_slots_released(
    pool: Pool,
) -> None:
    worker = f"w-{uuid.uuid4().hex[:6]}"
    sweep = pool.taken_run(worker, running=True)
    cycle_id = f"cycle-{uuid.uuid4().hex[:6]}"
    child = pool.subflow(sweep, cycle_id)
    grandchild = pool.subflow(child, cycle_id)
    limit = _limit(pool.client, cycle_id)
    alerted: list[tuple[str, str]] = []

    done = reclaim(
        pool.name,
        worker,
        NOW,
        lambda run, message: alerted.append((run.name, message)),
        cycle_limit,
    )

    assert pool.state(sweep) == StateType.SCHEDULED  # AwaitingRetry: run again at once
    assert pool.state(child) == StateType.CRASHED
    assert pool.state(grandchild) == StateType.CRASHED
    assert done.rerun == [sweep.name]
    assert sorted(done.stranded) == sorted([child.name, grandchild.name])
    # the sweep, and each of its cycle runs (the sweep names no cycle for the office)
    assert {name for name, _ in alerted} == {sweep.name, child.name, grandchild.name}
    assert all("中断" in message for _, message in alerted)
    assert done.limits_released == [limit]
    assert not _exists(pool.client, limit)


def test_a_live_workers_runs_and_finished_subflows_are_left_alone(pool: Pool) -> None:
    alive, starting = f"w-{uuid.uuid4().hex[:6]}", f"w-{uuid.uuid4().hex[:6]}"
    theirs = pool.taken_run(alive, running=True)
    their_child = pool.subflow(theirs, "c")
    mine = pool.taken_run(starting, running=True)
    finished = pool.subflow(mine, "c")
    pool.client.set_flow_run_state(finished.id, Completed(), force=True)

    done = reclaim(pool.name, starting, NOW, lambda run, message: None, cycle_limit)

    assert pool.state(theirs) == StateType.RUNNING
    assert pool.state(their_child) == StateType.RUNNING
    assert pool.state(finished) == StateType.COMPLETED
    assert done.rerun == [mine.name]
    assert done.stranded == []


def test_a_pending_run_goes_back_to_its_own_instant(pool: Pool) -> None:
    worker = f"w-{uuid.uuid4().hex[:6]}"
    taken = pool.taken_run(worker, running=False)
    instant = taken.expected_start_time
    assert instant is not None

    done = reclaim(pool.name, worker, NOW, lambda run, message: None, cycle_limit)

    assert done.rescheduled == [taken.name]
    after = pool.client.read_flow_run(taken.id)
    assert after.state is not None and after.state.type == StateType.SCHEDULED
    assert after.state.state_details.scheduled_time == instant


def _workers(pool: Pool) -> dict[str, WorkerStatus]:
    return {w.name: w.status for w in pool.client.read_workers_for_work_pool(pool.name)}


def test_an_offline_workers_runs_are_taken_back_by_a_worker_of_another_name(
    pool: Pool,
) -> None:
    """A worker on another machine died: the server's foreman marks it offline once its
    heartbeats stop, and the next worker to start, whatever its name, takes its runs back; a
    worker still heartbeating keeps its own."""
    gone, alive, starting = (f"w-{uuid.uuid4().hex[:6]}" for _ in range(3))
    pool.client.send_worker_heartbeat(pool.name, gone, heartbeat_interval_seconds=1)
    pool.client.send_worker_heartbeat(pool.name, alive, heartbeat_interval_seconds=3600)
    cut_off = pool.taken_run(gone, running=True)
    prefetched = pool.taken_run(gone, running=False)
    theirs = pool.taken_run(alive, running=True)
    time.sleep(2.5)  # its last heartbeat more than twice its interval ago
    asyncio.run(
        mark_offline(
            provide_database_interface(),
            inactivity_heartbeat_multiple=2,
            fallback_heartbeat_interval_seconds=30,
        )
    )
    assert _workers(pool) == {gone: WorkerStatus.OFFLINE, alive: WorkerStatus.ONLINE}

    done = reclaim(pool.name, starting, NOW, lambda run, message: None, cycle_limit)

    assert done.rerun == [cut_off.name]
    assert done.rescheduled == [prefetched.name]
    assert pool.state(cut_off) == StateType.SCHEDULED
    assert pool.state(prefetched) == StateType.SCHEDULED
    assert pool.state(theirs) == StateType.RUNNING
