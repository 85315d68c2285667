"""`zhicheng committee meeting` on the database: a video defence recorded
without its recording holds the committee's results back; the recording's place lets them in."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col
from typer.testing import CliRunner

from models import services
from models.application import Application
from models.db import session_scope
from models.refusals import RefusalCode
from tests.factories import bj, drafts, stored_cycle
from zhicheng.cli import app

pytestmark = pytest.mark.usefixtures("db")

runner = CliRunner()


def result(cycle: str, app_id: int, at) -> services.Outcome:
    with session_scope() as session:
        return services.record_result(session, cycle, [app_id], passed=True, now=at, actor="评委会")


def test_committee_meeting_records_a_video_defence_and_its_recording() -> None:
    cycle = stored_cycle()
    (app_id,) = drafts(cycle, 1)
    with session_scope() as session:
        session.execute(
            update(Application)
            .where(col(Application.id) == app_id)
            .values(status="committee_review")
        )
    args = [
        "committee",
        "meeting",
        "--cycle",
        cycle,
        "--committee",
        "jyg-gc-zj",
        "--held-on",
        "2024-11-20",
    ]
    held = runner.invoke(app, [*args, "--video", "--by", "市工信局", "--now", "2024-11-20T18:00"])
    assert held.exit_code == 0, held.output
    assert "尚未登记录像存放位置" in held.output
    assert (
        result(cycle, app_id, bj(2024, 11, 21)).refusals[app_id].code
        == RefusalCode.recording_missing
    )
    kept = runner.invoke(
        app,
        [
            *args,
            "--video",
            "--recording",
            "档案室 2024-GC-01",
            "--by",
            "市工信局",
            "--now",
            "2024-11-21T09:00",
        ],
    )
    assert kept.exit_code == 0 and "尚未登记" not in kept.output
    assert result(cycle, app_id, bj(2024, 11, 21, 10)).done == [app_id]
