"""`zhicheng tally check [--repair]`: the counts PostgreSQL keeps compared with the
applications, the groups that differ listed, and the cycle's tally written afresh."""

from __future__ import annotations

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from models.application import Application
from models.db import session_scope
from models.tally import ApplicationTally, differences
from tests.factories import drafts, stored_cycle
from zhicheng.cli import app

pytestmark = pytest.mark.usefixtures("db")
runner = CliRunner()


def test_a_drifted_tally_is_found_and_rebuilt() -> None:
    cycle = stored_cycle()
    (first, *_) = drafts(cycle, 3)
    with session_scope() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        found = session.get(Application, first)
        assert found is not None
        unit, committee = found.unit_id, found.committee_id
    checked = runner.invoke(app, ["tally", "check", "--cycle", cycle])
    assert checked.exit_code == 0, checked.output
    if not postgres:
        assert "SQLite" in checked.output
        return
    assert "一致" in checked.output
    with session_scope() as session:  # as a restore with the triggers off would leave it
        session.execute(
            insert(ApplicationTally).values(
                cycle_id=cycle, unit_id=unit, committee_id=committee, status="submitted", n=2
            )
        )
    checked = runner.invoke(app, ["tally", "check", "--cycle", cycle])
    assert checked.exit_code == 1
    assert f"单位 {unit} 评委会 {committee} 状态 submitted：计数 2，实有 0" in checked.output
    repaired = runner.invoke(app, ["tally", "check", "--cycle", cycle, "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "已按申报记录重建" in repaired.output
    with session_scope() as session:
        assert differences(session, cycle) == []
    assert runner.invoke(app, ["tally", "check", "--cycle", cycle]).exit_code == 0


def test_a_cycle_the_database_does_not_hold_is_refused_by_name() -> None:
    done = runner.invoke(app, ["tally", "check", "--cycle", "no-such-cycle"])
    assert done.exit_code == 2
    assert "no-such-cycle" in done.output
