"""Finding 14: the files with personal data the CLI writes — the SQLite database (and its WAL),
the summary sheet (with ``--full-id`` and without), the exports and the certificates — are
readable by their owner only (0600), and the folders we create for them are 0700."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from models.certificate import Certificate
from models.db import make_engine
from outputs.certificates import write_pdf
from tests.factories import drafts, stored_cycle
from zhicheng.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most systems give a user (0022): what makes files world-readable by default."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_sqlite_database_and_its_folders_are_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "new" / "home" / "zhicheng.db"
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE person_data (name TEXT)"))
            connection.execute(text("INSERT INTO person_data VALUES ('张三')"))
        written = [db, *db.parent.glob("zhicheng.db-*")]
        assert len(written) >= 2  # the WAL beside the database
        assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}
        assert (mode(tmp_path / "new"), mode(db.parent)) == (0o700, 0o700)
    finally:
        engine.dispose()


def test_an_existing_world_readable_database_is_made_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "zhicheng.db"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    engine = make_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert mode(db) == 0o600
    finally:
        engine.dispose()


@pytest.mark.usefixtures("db")
def test_the_sheet_and_the_exports_are_owner_only(tmp_path: Path) -> None:
    cycle = stored_cycle()
    drafts(cycle, 2)
    out = tmp_path / "out"
    out.mkdir()
    sheet = out / "汇总表.xlsx"
    sheet.write_bytes(b"old")
    os.chmod(sheet, 0o644)  # an earlier, world-readable sheet is replaced, not kept
    for args in (
        ["sheet", "--cycle", cycle, "--full-id", "-o", str(sheet)],
        ["sheet", "--cycle", cycle, "-o", str(out / "masked.xlsx")],
        ["export", "applications", "--cycle", cycle, "-o", str(out / "a.csv")],
        ["export", "audit", "--cycle", cycle, "--format", "json", "-o", str(out / "b.json")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    written = sorted(out.iterdir())
    assert [p.name for p in written] == ["a.csv", "b.json", "masked.xlsx", "汇总表.xlsx"]
    assert {p.name: mode(p) for p in written} == {p.name: 0o600 for p in written}


def test_a_certificate_is_owner_only(tmp_path: Path) -> None:
    cert = Certificate(
        number="GS-2024-000001",
        application_id=1,
        cycle_id="c",
        holder_name="张三",
        id_number="620102198001010016",
        title="高级工程师",
        committee="嘉峪关市工程系列高级评委会",
        issued_on=dt.date(2024, 12, 20),
        code="abc",
        created_at=dt.datetime(2024, 12, 20, tzinfo=dt.UTC),
    )
    written = write_pdf(cert, tmp_path / "GS-2024-000001.pdf")
    assert mode(written) == 0o600
