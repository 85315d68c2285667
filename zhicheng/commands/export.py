"""`zhicheng export`: a cycle's applications, audit rows, messages, escalations or integrity
records as CSV or JSON."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from zhicheng.cli_support import (
    UserError,
    console,
    ensure_database,
    err_console,
    friendly,
    parse_instant,
)
from zhicheng.output_files import checked_output, writing


@friendly
def export(
    kind: str = typer.Argument(
        ...,
        help="applications（申报）、audit（审计记录）、messages（消息）、escalations（督办）"
        "或 integrity（诚信记录）",
    ),
    cycle: str = typer.Option(..., "--cycle", help="周期编号（仿真报告中的 cycle id）"),
    fmt: str = typer.Option("csv", "--format", help="csv 或 json"),
    output: Path = typer.Option(None, "--output", "-o", help="写入文件（默认：标准输出）"),
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="导出此时刻（北京时间，如 2024-10-20T23:00）当时所见：申报状态据审计记录重建，"
        "审计、消息、督办只含此前的记录，诚信记录只含此前登记的、且当时已在本周期申报者的记录",
    ),
) -> None:
    """导出一个周期的全部申报、审计记录、消息、督办或诚信记录（身份证号已脱敏），供核对。"""
    from rich.progress import Progress

    from models.private_files import written_privately
    from zhicheng import export as exporter

    if kind not in exporter.KINDS:
        raise UserError(f"不能导出 '{kind}'：可选 {', '.join(exporter.KINDS)}")
    if fmt not in ("csv", "json"):
        raise UserError(f"格式 '{fmt}' 不支持：可选 csv、json")
    at = parse_instant(as_of)
    if output is not None:
        checked_output(output)
    ensure_database()
    if not exporter.cycle_exists(cycle):
        raise UserError(f"没有编号为 {cycle} 的周期")
    # On standard error and shown only on a terminal. Rich would route standard output through
    # the bar while it shows: the rows written there (``> apps.csv``) would end on the screen.
    with Progress(
        console=err_console, transient=True, redirect_stdout=False, redirect_stderr=False
    ) as bar:
        task = bar.add_task(f"导出 {kind}（行）", total=None)

        def progress(rows: int) -> None:
            bar.update(task, completed=rows)

        if output is None:
            exporter.write(kind, cycle, fmt, sys.stdout, at, progress)
            return
        # Owner-only (names and unit data), and nothing half-written: the file appears only
        # when complete.
        with (
            writing(output),
            written_privately(output) as part,
            part.open("w", encoding="utf-8", newline="") as out,
        ):
            count = exporter.write(kind, cycle, fmt, out, at, progress)
    console.print(f"已导出 {count} 行到 {output}", highlight=False)
