"""`zhicheng sheet` and `zhicheng export` on bad input: a clear Chinese error, exit code 2, no
traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.factories import stored_cycle
from zhicheng.cli import app

pytestmark = pytest.mark.usefixtures("db")
runner = CliRunner()


def refused(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a traceback
    assert "错误：" in result.output and message in result.output, result.output
    assert "Traceback" not in result.output


def test_a_sheet_of_an_unknown_cycle_is_refused_and_nothing_written(tmp_path: Path) -> None:
    refused(
        ["sheet", "--cycle", "no-such", "-o", str(tmp_path / "汇总表.xlsx")],
        "没有编号为 no-such 的周期",
    )
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_missing_folder_or_onto_a_folder_is_refused(tmp_path: Path) -> None:
    cycle = stored_cycle()
    missing = tmp_path / "missing" / "out.csv"
    refused(["export", "applications", "--cycle", cycle, "-o", str(missing)], "目录")
    refused(["export", "audit", "--cycle", cycle, "-o", str(tmp_path)], "是目录")
    refused(["sheet", "--cycle", cycle, "-o", str(tmp_path / "missing" / "s.xlsx")], "目录")
    refused(["sheet", "--cycle", cycle, "-o", str(tmp_path)], "是目录")
    assert list(tmp_path.iterdir()) == []


def test_certificates_onto_a_file_are_refused(tmp_path: Path) -> None:
    cycle = stored_cycle()
    existing = tmp_path / "a.pdf"
    existing.write_bytes(b"%PDF")
    refused(["certificates", "--cycle", cycle, "-o", str(existing)], "不是目录")
    assert existing.read_bytes() == b"%PDF"
