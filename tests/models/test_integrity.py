"""Integrity records (issue 16 item 2): an office records falsified materials (who, when,
why); the bar is the policy's years from the day found; where the notice sets no years
(2024), the record is kept and flagged on every later declaration, with no automatic bar."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from models import integrity, services
from models.application import Application
from models.context import CycleContext
from models.db import session_scope
from models.refusals import Refused
from tests.factories import bj, drafts, stored_cycle
from zhicheng.cli import app

runner = CliRunner()

pytestmark = pytest.mark.usefixtures("db")
FOUND = dt.date(2021, 10, 1)


def person_of(app_id: int) -> str:
    with session_scope() as session:
        found = session.get(Application, app_id)
        assert found is not None
        return found.person_id


def record(
    cycle: str,
    person: str,
    *,
    years: int | None,
    found_on: dt.date = FOUND,
    now: dt.datetime | None = None,
) -> int:
    """A record made in ``cycle`` with its policy's bar set to ``years`` (at ``now``: by
    default 2021-10-08 10:00)."""
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        ctx = dataclasses.replace(
            ctx, rules=ctx.rules.model_copy(update={"integrity_bar_years": years})
        )
        made = integrity.record_falsification(
            session,
            ctx,
            person,
            found_on=found_on,
            reason="提供虚假业绩材料",
            by="嘉峪关市人社局（jyg-city-admin）",
            now=now or bj(2021, 10, 8, 10),
        )
        assert made.id is not None
        return made.id


def submit(cycle: str, app_id: int, day: dt.date) -> services.Outcome:
    with session_scope() as session:
        return services.submit(
            session, cycle, [app_id], now=bj(day.year, day.month, day.day, 9), actor="申报人"
        )


def test_a_bar_runs_the_policys_years_to_its_last_day() -> None:
    cycle = stored_cycle()
    first, second = drafts(cycle, 2)
    person = person_of(first)
    record(cycle, person, years=3)
    with session_scope() as session:
        (row,) = integrity.listed_records(session, person)
    assert (row["bar_years"], row["barred_until"]) == (3, "2024-10-01")
    assert row["found_on"] == "2021-10-01" and row["recorded_by"].startswith("嘉峪关市人社局")
    refused = submit(cycle, first, dt.date(2024, 10, 1))  # the bar's last day
    assert "2024-10-01" in refused.refused[first] and "虚假业绩材料" in refused.refused[first]
    assert submit(cycle, first, dt.date(2024, 10, 2)).done == [first]  # the day after
    assert submit(cycle, second, dt.date(2024, 10, 1)).done == [second]  # someone else


def test_no_years_in_the_notice_keeps_the_record_and_flags_it_without_a_bar() -> None:
    cycle = stored_cycle()  # jiayuguan-2024: integrity_bar_years null (004 四(三) states none)
    (app,) = drafts(cycle, 1)
    person = person_of(app)
    with session_scope() as session:
        assert CycleContext.load(session, cycle).rules.integrity_bar_years is None
    record(cycle, person, years=None)
    with session_scope() as session:
        (row,) = integrity.listed_records(session, person)
        assert row["barred_until"] is None and row["bar_years"] is None
        warnings = integrity.declaration_warnings(session, cycle, [app])
    submitted = submit(cycle, app, dt.date(2024, 9, 20))
    assert submitted.done == [app]  # not barred
    assert submitted.warnings == warnings  # the office sees the flag on the action itself
    assert len(warnings) == 1
    assert warnings[0].startswith(f"申报 {app}：该申报人有弄虚作假记录（2021-10-01")
    assert "提供虚假业绩材料" in warnings[0] and "未规定停止申报年限" in warnings[0]


def test_the_export_holds_the_records_found_in_the_cycle_and_those_of_its_applicants(
    tmp_path: Path,
) -> None:
    cycle, other = stored_cycle(), stored_cycle()
    declared, found_here = drafts(cycle, 2)
    (elsewhere,) = drafts(other, 1)
    earlier = record(other, person_of(declared), years=3)  # found in another cycle
    here = record(cycle, person_of(elsewhere), years=None, now=bj(2024, 10, 8, 9))
    record(other, person_of(elsewhere), years=None)  # neither found here nor a declarer's
    both = record(cycle, person_of(found_here), years=None, now=bj(2024, 10, 8, 8))
    out = tmp_path / "诚信.csv"
    written = runner.invoke(
        app, ["export", "integrity", "--cycle", cycle, "--format", "csv", "-o", str(out)]
    )
    assert written.exit_code == 0, written.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(int(r["id"]), r["application_id"]) for r in rows] == [
        (earlier, str(declared)),
        (here, ""),  # found here of someone who declared elsewhere
        (both, str(found_here)),  # found here of someone who declared here: once
    ]
    assert [r["found_in_cycle"] for r in rows] == [other, cycle, cycle]
    assert rows[0]["barred_until"] == "2024-10-01" and rows[0]["bar_years"] == "3"
    assert rows[1]["recorded_at"] == "2024-10-08T09:00:00+08:00"
    assert all(r["id_number"][6:14] == "********" and r["name"] for r in rows)
    then = runner.invoke(
        app,
        [
            "export",
            "integrity",
            "--cycle",
            cycle,
            "--format",
            "json",
            "--as-of",
            "2024-10-08T08:59",
        ],
    )
    assert then.exit_code == 0, then.output
    assert [r["id"] for r in json.loads(then.output)] == [earlier, both]
    before = runner.invoke(  # recorded, but before the person's declaration was made
        app, ["export", "integrity", "--cycle", cycle, "--format", "json", "--as-of", "2024-08-31"]
    )
    assert before.exit_code == 0, before.output
    assert json.loads(before.output) == []


def test_a_record_needs_a_known_person_a_past_day_and_a_reason() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    person = person_of(app)
    with pytest.raises(Refused, match="没有身份证号为"):
        record(cycle, "620102199001011237", years=None)
    with pytest.raises(Refused, match="晚于今天"):
        record(cycle, person, years=None, found_on=dt.date(2021, 10, 9))
    with session_scope() as session, pytest.raises(Refused, match="具体情形"):
        integrity.record_falsification(
            session,
            CycleContext.load(session, cycle),
            person,
            found_on=FOUND,
            reason="  ",
            by="市人社局",
            now=bj(2021, 10, 8),
        )
    with session_scope() as session:
        assert integrity.listed_records(session, person) == []


def test_the_migration_moves_the_bars_stored_on_the_person(tmp_path: Path) -> None:
    """0009: a bar kept on the person (the columns before records) becomes a record."""
    import sqlalchemy as sa
    from alembic import command

    from models.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0008")
    with sa.create_engine(url).begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO person (id_number, name, male, birth, barred_until, bar_reason) "
                "VALUES ('620102198005170011', '甲', 1, '1980-05-17', '2026-11-05', '虚假业绩')"
            )
        )
    command.upgrade(alembic_config(url), "0009")
    with sa.create_engine(url).connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT person_id, found_on, reason, barred_until, recorded_by FROM integrity_record"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("620102198005170011", None, "虚假业绩", "2026-11-05", "迁移")
    ]


def test_the_person_keeps_no_bar_of_its_own_after_0025(tmp_path: Path) -> None:
    """0025 drops the person's bar columns, empty since 0009 moved the bars into records; the
    people stay, and going back brings the columns back empty."""
    import sqlalchemy as sa
    from alembic import command

    from models.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0024")
    person = "INSERT INTO person (id_number, name, male, birth) VALUES (:id, '乙', 0, '1985-03-02')"
    with sa.create_engine(url).begin() as connection:
        connection.execute(sa.text(person), {"id": "620102198503020023"})

    def columns() -> set[str]:
        return {c["name"] for c in sa.inspect(sa.create_engine(url)).get_columns("person")}

    command.upgrade(config, "0025")
    assert not columns() & {"barred_until", "bar_reason"}
    command.downgrade(config, "0024")
    assert {"barred_until", "bar_reason"} <= columns()
    with sa.create_engine(url).connect() as connection:
        rows = connection.execute(
            sa.text("SELECT id_number, barred_until, bar_reason FROM person")
        ).all()
    assert [tuple(r) for r in rows] == [("620102198503020023", None, None)]
