"""Launching schedules a run at every boundary on the server; an extension moves them."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from prefect import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterTags

from calendars.cyclefile import bundled_cycle
from flows.cycle import phase_flow
from flows.extend import extend
from flows.launch import annual_cycle
from tests.factories import bj

pytestmark = pytest.mark.usefixtures("db", "prefect_server")


@pytest.fixture(scope="module")
def deployment(prefect_server: None) -> None:
    """The cycle-phase deployment, registered as `zhicheng serve` registers it."""
    phase_flow.to_deployment(name="cycle-phase").apply()


def scheduled(cycle_id: str) -> dict[str, tuple[dt.datetime, str]]:
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"cycle:{cycle_id}"]))
        )
    out = {}
    for run in runs:
        boundary = next((t for t in run.tags if t.startswith("boundary:")), None)
        if boundary is None:
            continue  # reminders, escalations, filing and publicity ends: not boundaries
        out.setdefault(boundary, []).append((run.expected_start_time, run.state_type.value))
    return out


def test_launch_schedules_every_boundary_once(deployment: None) -> None:
    cycle_id = f"t-launch-{uuid.uuid4().hex[:6]}"
    now = bj(2024, 8, 30, 12)
    first = annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=now, cycle_id=cycle_id)
    again = annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=now, cycle_id=cycle_id)
    assert first["created"] is True and again["created"] is False
    runs = scheduled(cycle_id)
    assert len(runs) == 10 and all(len(v) == 1 for v in runs.values())  # 5 phases × open/close
    start, state = runs["boundary:declaration.close"][0]
    assert start == bj(2024, 10, 21, 0, 0) and state == "SCHEDULED"


def test_scheduled_runs_pass_only_parameters_the_flow_takes(deployment: None) -> None:
    """A parameter the flow does not take fails the run only when the worker starts it, at
    the boundary — long after launching said all was well."""
    import inspect

    cycle_id = f"t-params-{uuid.uuid4().hex[:6]}"
    annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=bj(2024, 8, 30, 12), cycle_id=cycle_id)
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"cycle:{cycle_id}"]))
        )
    accepted = set(inspect.signature(phase_flow.fn).parameters)
    assert runs and all(set(run.parameters) <= accepted for run in runs), accepted
    assert {run.parameters["cycle_id"] for run in runs} == {cycle_id}


def test_an_extension_moves_the_scheduled_runs(deployment: None) -> None:
    cycle_id = f"t-extend-{uuid.uuid4().hex[:6]}"
    annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=bj(2024, 8, 30, 12), cycle_id=cycle_id)
    outcome = extend(
        cycle_id, "filing", dt.date(2025, 1, 6), "市人社局", "年底系统故障", now=bj(2024, 12, 28)
    )
    assert [line.split(" → ")[0] for line in outcome["rescheduled"]] == [
        # the work summary's filing deadline shared the old close instant: now its own run
        "filing_deadline:work_summary@20241231T1600Z",
        "filing.close@20250106T1600Z",
    ]
    runs = sorted(scheduled(cycle_id)["boundary:filing.close"])
    assert runs == [(bj(2025, 1, 1), "CANCELLED"), (bj(2025, 1, 7), "SCHEDULED")]


def test_a_sub_step_extension_moves_no_runs_and_a_breaking_one_is_refused(deployment: None) -> None:
    from models.context import Refused

    cycle_id = f"t-sub-{uuid.uuid4().hex[:6]}"
    annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=bj(2024, 8, 30, 12), cycle_id=cycle_id)
    outcome = extend(
        cycle_id, "defence", dt.date(2024, 12, 12), "市人社局", "专家调整", now=bj(2024, 12, 1)
    )
    assert outcome["moved"] and outcome["rescheduled"] == []
    with pytest.raises(Refused, match="上级|outside_parent_window"):
        extend(
            cycle_id,
            "committee_review",
            dt.date(2024, 12, 27),
            "市人社局",
            "来不及",
            now=bj(2024, 12, 20),
        )


def publicity_end_runs(cycle_id: str, key: str) -> list[tuple[dt.datetime, str]]:
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(tags=FlowRunFilterTags(all_=[f"cycle:{cycle_id}"]))
        )
    return sorted(
        (r.expected_start_time, r.state_type.value)
        for r in runs
        if r.state_type is not None
        and "kind:result_publicity_end" in r.tags
        and key in (r.idempotency_key or "")
    )


def test_a_meeting_moved_and_moved_back_is_scheduled_again(deployment: None) -> None:
    """Planned for 11/20, re-planned for 11/25, then back to 11/20: the run at the end of the
    first date's result publicity was cancelled, and is needed again — a new run, not the
    cancelled one Prefect would hand back for a reused idempotency key."""
    from typer.testing import CliRunner

    from zhicheng.cli import app

    cycle_id = f"t-meeting-{uuid.uuid4().hex[:6]}"
    key = "jyg-zxxjs-gj"
    annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=bj(2024, 8, 30, 12), cycle_id=cycle_id)
    now = "2024-11-01T10:00:00+08:00"
    for day in ("2024-11-20", "2024-11-25", "2024-11-20"):
        made = CliRunner().invoke(
            app,
            ["committee", "plan", "--cycle", cycle_id, "--committee", key, "--day", day]
            + ["--by", "市人社局", "--now", now],
        )
        assert made.exit_code == 0, made.output
    first_end, second_end = bj(2024, 11, 26), bj(2024, 12, 1)  # 24:00 of the fifth day after
    assert publicity_end_runs(cycle_id, key) == [
        (first_end, "CANCELLED"),
        (first_end, "SCHEDULED"),
        (second_end, "CANCELLED"),
    ]


def test_an_extension_leaves_a_delivery_retry_run_alone(deployment: None) -> None:
    """A retry run asked for by a failed send (tasks.notify) is not in the schedule: an
    extension that cancels the superseded runs must not cancel it."""
    from prefect.deployments import run_deployment

    from tasks.schedule import PHASE_DEPLOYMENT, RETRY_TAG

    cycle_id = f"t-retry-{uuid.uuid4().hex[:6]}"
    annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=bj(2024, 8, 30, 12), cycle_id=cycle_id)
    retry = run_deployment(
        PHASE_DEPLOYMENT,
        parameters={"cycle_id": cycle_id, "run_label": "retry"},
        scheduled_time=bj(2024, 12, 29, 9),
        timeout=0,
        as_subflow=False,
        idempotency_key=f"{cycle_id}-retry-test",
        tags=[f"cycle:{cycle_id}", RETRY_TAG],
    )
    extend(
        cycle_id, "filing", dt.date(2025, 1, 6), "市人社局", "年底系统故障", now=bj(2024, 12, 28)
    )
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(retry.id).state_type.value == "SCHEDULED"
    # the superseded boundary run was cancelled by the same extension
    assert (bj(2025, 1, 1), "CANCELLED") in scheduled(cycle_id)["boundary:filing.close"]
