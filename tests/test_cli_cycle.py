"""The cycle commands end to end on the database: launch, extend, export."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest
from typer.testing import CliRunner

from tests.factories import drafts, stored_cycle
from zhicheng.cli import app

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("db")


def test_launch_refuses_a_cycle_that_cannot_run(prefect_server: None) -> None:
    result = runner.invoke(app, ["launch", "gansu-hr-training-2020", "--no-schedule"])
    assert result.exit_code == 2
    assert "date_not_stated" in result.output and "不能启动" in result.output


def test_launch_without_scheduling_stores_the_cycle_once(prefect_server: None) -> None:
    first = runner.invoke(app, ["launch", "pingliang-2021", "--no-schedule"])
    assert first.exit_code == 2  # Pingliang 2021 states no start either
    result = runner.invoke(app, ["launch", "jiayuguan-2024", "--no-schedule"])
    assert result.exit_code == 0, result.output
    assert "jiayuguan-2024" in result.output
    again = runner.invoke(app, ["launch", "jiayuguan-2024", "--no-schedule"])
    assert "此前已启动" in again.output


def test_extend_reports_what_moved_and_refuses_what_breaks(prefect_server: None) -> None:
    cycle = stored_cycle()
    ok = runner.invoke(
        app,
        [
            "extend",
            "--cycle",
            cycle,
            "--phase",
            "defence",
            "--until",
            "2024-12-12",
            "--by",
            "市人社局",
            "--reason",
            "专家调整",
            "--no-reschedule",
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert "答辩评审" in ok.output and "2024年12月12日24:00" in ok.output
    bad = runner.invoke(
        app,
        [
            "extend",
            "--cycle",
            cycle,
            "--phase",
            "declaration",
            "--until",
            "2024-10-25",
            "--by",
            "省职改办",
            "--reason",
            "系统故障",
            "--no-reschedule",
        ],
    )
    assert bad.exit_code == 2 and "重叠" in bad.output
    bad_date = runner.invoke(
        app,
        [
            "extend",
            "--cycle",
            cycle,
            "--phase",
            "defence",
            "--until",
            "12/12",
            "--by",
            "x",
            "--reason",
            "y",
        ],
    )
    assert bad_date.exit_code == 2 and "日期格式错误" in bad_date.output


def test_export_applications_as_csv_and_json(tmp_path: Path) -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 3)
    out = tmp_path / "apps.csv"
    result = runner.invoke(
        app, ["export", "applications", "--cycle", cycle, "--format", "csv", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [int(r["id"]) for r in rows] == ids
    assert all(r["id_number"][6:14] == "********" and r["status"] == "draft" for r in rows)
    as_json = runner.invoke(app, ["export", "audit", "--cycle", cycle, "--format", "json"])
    assert json.loads(as_json.output) == []


def test_export_tells_its_progress_as_it_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    from zhicheng import export

    cycle = stored_cycle()
    ids = drafts(cycle, 5)
    monkeypatch.setattr(export, "REPORT_EVERY", 2)
    for fmt in ("csv", "json"):
        told: list[int] = []
        out = io.StringIO()
        assert export.write("applications", cycle, fmt, out, progress=told.append) == 5
        assert told == [2, 4, 5]
    assert [row["id"] for row in json.loads(out.getvalue())] == ids


def _on_a_terminal(args: list[str], db: str, stdout: IO[bytes] | None = None) -> str:
    """What ``zhicheng ARGS`` shows on a pseudo-terminal (standard output there too unless
    ``stdout`` is given), read until it ends; it must succeed within a minute."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTY_")}
    env |= {"ZHICHENG_DATABASE_URL": db, "COLUMNS": "100", "TERM": "xterm"}
    leader, follower = pty.openpty()
    run = subprocess.Popen(
        [sys.executable, "-m", "zhicheng.cli", *args],
        env=env,
        stdin=follower,
        stdout=follower if stdout is None else stdout,
        stderr=follower,
    )
    os.close(follower)
    shown, deadline = b"", time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 1)[0]:
                continue
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            shown += chunk
        assert run.wait(timeout=max(deadline - time.monotonic(), 1)) == 0, shown
    finally:
        run.kill()
        os.close(leader)
    return shown.decode("utf-8", errors="replace")


def test_export_shows_its_progress_on_a_terminal(db: str, tmp_path: Path) -> None:
    """On a terminal (here a pseudo-terminal) the rows written so far are shown on standard
    error while the export runs; the file, or the standard output, holds the rows alone."""
    cycle = stored_cycle()
    drafts(cycle, 3)
    out = tmp_path / "apps.csv"
    shown = _on_a_terminal(["export", "applications", "--cycle", cycle, "-o", str(out)], db)
    assert "导出 applications（行）" in shown and "已导出 3 行到" in shown, shown
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # the header and 3 rows
    piped = tmp_path / "piped.csv"  # `zhicheng export … > piped.csv` typed at a terminal
    with piped.open("wb") as rows:
        shown = _on_a_terminal(["export", "applications", "--cycle", cycle], db, stdout=rows)
    assert "导出 applications（行）" in shown, shown
    assert "id_number" not in shown, shown  # no row on the screen
    written = piped.read_text(encoding="utf-8").splitlines()
    assert len(written) == 4 and written[0].startswith("id,id_number,"), written


def test_export_refuses_unknown_things() -> None:
    assert (
        "没有编号为" in runner.invoke(app, ["export", "audit", "--cycle", "no-such-cycle"]).output
    )
    assert "不能导出" in runner.invoke(app, ["export", "people", "--cycle", "x"]).output
    assert (
        "格式" in runner.invoke(app, ["export", "audit", "--cycle", "x", "--format", "xml"]).output
    )


def test_act_goes_through_the_service_layer_and_names_the_deadline() -> None:
    cycle = stored_cycle()
    first, late = drafts(cycle, 2)
    ok = runner.invoke(
        app,
        [
            "act",
            "submit",
            "--cycle",
            cycle,
            "-a",
            str(first),
            "--actor",
            "申报人",
            "--now",
            "2024-10-20T23:59:59",
        ],
    )
    assert ok.exit_code == 0 and f"申报 {first}：已办理" in ok.output
    refused = runner.invoke(
        app,
        [
            "act",
            "submit",
            "--cycle",
            cycle,
            "-a",
            str(late),
            "--actor",
            "申报人",
            "--now",
            "2024-10-21T00:00:00+08:00",
        ],
    )
    assert refused.exit_code == 1
    assert "2024年10月20日24:00（北京时间）" in refused.output
    unknown = runner.invoke(app, ["act", "approve", "--cycle", cycle, "-a", "1", "--actor", "x"])
    assert unknown.exit_code == 2 and "不认识的操作" in unknown.output
    bad_time = runner.invoke(
        app, ["act", "submit", "--cycle", cycle, "-a", "1", "--actor", "x", "--now", "明天"]
    )
    assert bad_time.exit_code == 2 and "时间格式错误" in bad_time.output


def test_serve_builds_the_deployments_prefect_yaml_declares() -> None:
    import yaml

    from zhicheng.commands.serve import deployments

    config = Path(__file__).resolve().parents[1] / "prefect.yaml"
    declared = yaml.safe_load(config.read_text(encoding="utf-8"))["deployments"]
    built = {d.name: d for d in deployments()}
    assert set(built) == {d["name"] for d in declared}
    for wanted in declared:
        schedules = [s.schedule for s in built[wanted["name"]].schedules]
        assert [(s.cron, s.timezone) for s in schedules] == [
            (s["cron"], s["timezone"]) for s in wanted.get("schedules", [])
        ]


def test_an_unreachable_database_is_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import socket

    from models.settings import settings

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ZHICHENG_DATABASE_URL", f"postgresql://clerk:pw@127.0.0.1:{port}/x")
    settings.cache_clear()
    try:
        result = runner.invoke(app, ["export", "audit", "--cycle", "x"])
    finally:
        monkeypatch.undo()
        settings.cache_clear()
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误：无法使用数据库 ")
    assert "Traceback" not in result.output and ":pw@" not in result.output


def test_filing_status_and_record_read_the_stored_plan() -> None:
    cycle = stored_cycle()
    args = ["--cycle", cycle, "--now", "2024-12-01T10:00"]
    before = runner.invoke(app, ["filing", "status", *args])
    assert before.exit_code == 0, before.output
    summary = next(line for line in before.output.splitlines() if "work_summary" in line)
    assert "2024-12-31" in summary and "待备案" in summary
    recorded = runner.invoke(
        app, ["filing", "record", *args, "--item", "work_summary", "--by", "市教育局"]
    )
    assert recorded.exit_code == 0 and "已登记备案：work_summary" in recorded.output
    after = runner.invoke(app, ["filing", "status", *args])
    summary = next(line for line in after.output.splitlines() if "work_summary" in line)
    assert "已按时备案" in summary


def test_a_departments_summary_sheet_is_recorded_with_its_code() -> None:
    from sqlmodel import select

    from models.application import Application
    from models.db import session_scope
    from models.org import Organisation

    cycle = stored_cycle()
    (draft,) = drafts(cycle, 1)
    with session_scope() as session:
        unit = session.get(Organisation, session.get(Application, draft).unit_id)
        department = session.exec(
            select(Organisation.code).where(Organisation.id == unit.department_id)
        ).one()
    args = ["--cycle", cycle, "--now", "2024-10-30T10:00", "--item", "summary_sheet"]
    unnamed = runner.invoke(app, ["filing", "record", *args, "--by", "市工信局"])
    assert unnamed.exit_code != 0 and "Traceback" not in unnamed.output
    assert "主管部门" in unnamed.output or "部门" in unnamed.output, unnamed.output
    unknown = runner.invoke(
        app, ["filing", "record", *args, "--by", "市工信局", "--department", "NO-SUCH-DEPT"]
    )
    assert unknown.exit_code != 0 and "没有机构编码为 NO-SUCH-DEPT 的主管部门" in unknown.output
    named = runner.invoke(
        app, ["filing", "record", *args, "--by", "市工信局", "--department", department]
    )
    assert named.exit_code == 0 and "已登记备案：summary_sheet" in named.output, named.output
