"""One schedule for live and rehearsal: the rehearsal drives exactly the runs `launch`
schedules on the Prefect server, and planning or postponing a meeting moves its run."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from calendars.cyclefile import bundled_cycle
from flows.cycle import phase_flow
from flows.launch import annual_cycle
from models.committees import plan_meeting, postpone_meeting
from models.db import session_scope
from simulation.report import Report
from tasks.schedule import reschedule, scheduled_runs
from tests.factories import bj

pytestmark = pytest.mark.usefixtures("db", "prefect_server")


@pytest.fixture(scope="module")
def deployment(prefect_server: None) -> None:
    """The cycle-phase deployment, registered as `zhicheng serve` registers it."""
    phase_flow.to_deployment(name="cycle-phase").apply()


def scheduled(cycle_id: str) -> dict[str, tuple[dt.datetime | None, str]]:
    return {
        str(r.idempotency_key): (r.expected_start_time, r.state_type.value if r.state_type else "")
        for r in scheduled_runs(cycle_id)
    }


@pytest.fixture(params=["gansu-2024", "jiayuguan-2024"])
def rehearsal(request: pytest.FixtureRequest, db: str) -> Report:
    """A rehearsed 2024 cycle: the province's, and Jiayuguan's, which the session's shared cycle
    is (no rehearsal of their own to pay for)."""
    if request.param == "jiayuguan-2024":
        return request.getfixturevalue("sim")["report"]
    return request.getfixturevalue("province_twice").report


def test_the_rehearsal_drives_exactly_the_runs_launch_schedules(
    rehearsal: Report, deployment: None
) -> None:
    report = rehearsal
    cycle = report.source_cycle
    # Launched before the year starts, with the meetings the rehearsal's committees planned.
    annual_cycle(str(bundled_cycle(cycle)), now=bj(2024, 8, 1), cycle_id=report.cycle_id)
    runs = scheduled(report.cycle_id)
    assert sorted(report.instants) == sorted(runs)
    assert len(report.instants) == len(set(report.instants))
    boundaries = [k for k in runs if "-publicity_end-" not in k and "-reminder-" not in k]
    assert report.prefect_runs + report.in_process_runs == len(runs)
    assert report.prefect_runs == len(report.flow_run_ids) >= 8
    assert report.in_process_runs > report.prefect_runs
    assert any("-result_publicity_end-" in k for k in runs)
    assert all(state == "SCHEDULED" for _, state in runs.values())
    assert boundaries


def test_planning_and_postponing_a_meeting_moves_its_publicity_end_run(deployment: None) -> None:
    cycle_id = f"t-meet-{uuid.uuid4().hex[:6]}"
    annual_cycle(str(bundled_cycle("jiayuguan-2024")), now=bj(2024, 8, 30, 12), cycle_id=cycle_id)

    def publicity_ends() -> dict[str, tuple[dt.datetime | None, str]]:
        return {k: v for k, v in scheduled(cycle_id).items() if "-result_publicity_end-" in k}

    assert publicity_ends() == {}  # the file dates no meeting
    with session_scope() as session:
        plan_meeting(
            session, cycle_id, "gs-01", dt.date(2024, 11, 5), by="省职改办", now=bj(2024, 10, 1)
        )
    reschedule(cycle_id, bj(2024, 10, 1))
    # verdicts on 5 November, five days of publicity from the 6th: over at 24:00 on the 10th
    planned = publicity_ends()
    assert list(planned.values()) == [(bj(2024, 11, 11), "SCHEDULED")]
    with session_scope() as session:
        postpone_meeting(
            session,
            cycle_id,
            "gs-01",
            dt.date(2024, 11, 8),
            by="省职改办",
            approved_by="市人社局",
            notice="关于调整评审会议时间的公告",
            reason="专家冲突",
            now=bj(2024, 11, 1),
        )
    reschedule(cycle_id, bj(2024, 11, 1))
    moved = publicity_ends()
    assert sorted(moved.values()) == [
        (bj(2024, 11, 11), "CANCELLED"),
        (bj(2024, 11, 14), "SCHEDULED"),
    ]
    assert set(planned) < set(moved)
    assert reschedule(cycle_id, bj(2024, 11, 1)) == []  # nothing left to move
