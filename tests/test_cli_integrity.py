"""`zhicheng integrity record|list`: an office records falsified materials from the command
line; 2024's policy sets no years, so the record is kept and flagged, not a bar."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from models.application import Application
from models.db import session_scope
from tests.factories import drafts, stored_cycle
from zhicheng.cli import app

pytestmark = pytest.mark.usefixtures("db")
runner = CliRunner()


def test_record_and_list_from_the_command_line() -> None:
    cycle = stored_cycle()
    (draft,) = drafts(cycle, 1)
    with session_scope() as session:
        found = session.get(Application, draft)
        assert found is not None
        person = found.person_id
    args = ["integrity", "record", person, "--cycle", cycle, "--found-on", "2024-09-18"]
    done = runner.invoke(
        app,
        [
            *args,
            "--reason",
            "职称证书系伪造",
            "--by",
            "嘉峪关市人社局",
            "--now",
            "2024-09-20T10:00",
        ],
    )
    assert done.exit_code == 0, done.output
    assert "未规定停止申报年限" in done.output and person not in done.output  # masked
    listed = runner.invoke(app, ["integrity", "list", "--id", person, "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["found_on"], row["reason"], row["recorded_by"]) == (
        "2024-09-18",
        "职称证书系伪造",
        "嘉峪关市人社局",
    )
    assert row["barred_until"] is None
    future = runner.invoke(
        app, [*args[:-1], "2024-09-21", "--reason", "x", "--by", "市", "--now", "2024-09-20T10:00"]
    )
    assert future.exit_code == 2 and "晚于今天" in future.output
