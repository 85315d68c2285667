"""`zhicheng import …` from files: xlsx and GB18030 csv, every bad row printed, nothing written
on error or with --dry-run, templates that read back."""

from __future__ import annotations

import stat
import uuid
from pathlib import Path

from sqlmodel import col, func, select
from typer.testing import CliRunner

from models.accounts import Account
from models.db import session_scope
from models.imports.orgs import COLUMNS as ORG_COLUMNS
from models.imports.readers import read_table
from models.org import Organisation
from outputs.summary_sheet import COLUMNS as SHEET_COLUMNS
from tests.imports.files import write_csv, write_xlsx
from tests.imports.makers import province_rows
from zhicheng.commands.imports import app

runner = CliRunner()


def _units_named(part: str) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).where(col(Organisation.name).contains(part))).one()


def test_orgs_from_a_gb18030_csv_then_the_same_as_xlsx_changes_nothing(
    db: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = province_rows(15, tag)  # 14 cities × 15 = 210 units, 28 departments
    dry = runner.invoke(app, ["orgs", str(write_csv(tmp_path / "orgs.csv", rows)), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"新增 {len(rows)}" in dry.output
    assert _units_named(f"{tag}测试单位") == 0
    first = runner.invoke(app, ["orgs", str(tmp_path / "orgs.csv")])
    assert first.exit_code == 0, first.output
    assert f"新增 {len(rows)}，更新 0，未变 0" in first.output
    assert _units_named(f"{tag}测试单位") == 210
    with session_scope() as session:
        cities = session.exec(select(func.count()).where(col(Organisation.kind) == "city")).one()
    assert cities >= 15  # the 14 cities and 兰州新区
    again = runner.invoke(app, ["orgs", str(write_xlsx(tmp_path / "orgs.xlsx", rows))])
    assert again.exit_code == 0, again.output
    assert f"新增 0，更新 0，未变 {len(rows)}" in again.output


def test_bad_rows_are_printed_with_their_row_numbers(db: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = province_rows(1, tag)
    rows[3]["联系手机"] = "12345"  # file row 6: heading, note, then data from row 3
    rows[7]["主管部门编码"] = "NOPE"  # file row 10
    result = runner.invoke(app, ["orgs", str(write_xlsx(tmp_path / "bad.xlsx", rows))])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("6" in line and "12345" in line for line in lines), result.output
    assert any("10" in line and "NOPE" in line for line in lines), result.output
    assert _units_named(f"{tag}测试单位") == 0


def test_a_file_from_another_template_is_refused(db: str, tmp_path: Path) -> None:
    file = write_csv(tmp_path / "x.csv", [{"用户名": "a", "角色": "只读查看"}], "utf-8-sig")
    result = runner.invoke(app, ["orgs", str(file)])
    assert result.exit_code == 1
    assert "用户名" in result.output and "机构编码" in result.output


def test_accounts_get_a_password_file_only_their_owner_can_read(db: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:6]
    orgs = province_rows(1, tag)[:3]
    assert runner.invoke(app, ["orgs", str(write_xlsx(tmp_path / "o.xlsx", orgs))]).exit_code == 0
    accounts = [
        {"用户名": f"{tag}-{n}", "角色": "业务管理员", "机构编码": row["机构编码"]}
        for n, row in enumerate(orgs)
    ]
    file = write_xlsx(tmp_path / "accounts.xlsx", accounts)
    result = runner.invoke(app, ["accounts", str(file)])
    assert result.exit_code == 0, result.output
    out = tmp_path / "accounts.passwords.csv"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    table = read_table(out)
    assert sorted(v["用户名"] for _, v in table.rows) == sorted(a["用户名"] for a in accounts)
    with session_scope() as session:
        made = session.exec(select(Account).where(col(Account.username).startswith(tag))).all()
    assert len(made) == 3 and all(a.must_change_password for a in made)
    # The password file is written once: a second run must not overwrite it.
    assert runner.invoke(app, ["accounts", str(file)]).exit_code == 2


def test_each_template_reads_back_with_its_columns(tmp_path: Path) -> None:
    for kind in ("orgs", "accounts", "committees", "declarations"):
        out = tmp_path / f"{kind}.xlsx"
        result = runner.invoke(app, ["template", kind, "-o", str(out)])
        assert result.exit_code == 0, result.output
        table = read_table(out)
        assert table.rows == []
        if kind == "orgs":
            assert table.header == [c.header for c in ORG_COLUMNS]
        if kind == "declarations":  # every column of the summary sheet units already fill
            flat = [f"{h}-{sub}" if sub else h for h, sub, _ in SHEET_COLUMNS]
            assert set(flat) <= set(table.header)
            assert {"单位统一社会信用代码", "系列", "专业", "申报级别", "评委会"} <= set(
                table.header
            )


def test_an_unfilled_template_is_an_empty_file(db: str, tmp_path: Path) -> None:
    out = tmp_path / "orgs.xlsx"
    assert runner.invoke(app, ["template", "orgs", "-o", str(out)]).exit_code == 0
    result = runner.invoke(app, ["orgs", str(out)])
    assert result.exit_code == 1
    assert "整个文件" in result.output and "没有数据行" in result.output
