"""`zhicheng integrity …`: records of falsified materials (弄虚作假) and the bar the policy sets."""

from __future__ import annotations

import json

import typer

from zhicheng.cli_support import (
    console,
    ensure_database,
    friendly,
    instant_or_now,
    parse_day,
    require_cycle,
)

app = typer.Typer(
    no_args_is_help=True,
    help="诚信记录：登记弄虚作假（谁、何时、何故）；按周期政策停止申报，政策未定年限的只提示。",
)


@app.command("record")
@friendly
def integrity_record_command(
    id_number: str = typer.Argument(..., help="申报人身份证号"),
    cycle: str = typer.Option(..., "--cycle", help="登记时所在的周期（其政策定停止申报年限）"),
    found_on: str = typer.Option(..., "--found-on", help="发现日期（北京时间，如 2024-11-05）"),
    reason: str = typer.Option(..., "--reason", help="弄虚作假的具体情形"),
    by: str = typer.Option(..., "--by", help="登记人（单位或账号）"),
    now: str = typer.Option(None, "--now", help="登记时刻（默认现在）"),
) -> None:
    """登记一名申报人的弄虚作假记录。"""
    from models.context import CycleContext
    from models.db import session_scope
    from models.integrity import record_falsification
    from rules.idcard import mask

    ensure_database()
    with session_scope() as session:
        require_cycle(session, cycle)
        ctx = CycleContext.load(session, cycle)
        record = record_falsification(
            session,
            ctx,
            id_number.strip().upper(),
            found_on=parse_day(found_on, "发现日期"),
            reason=reason,
            by=by,
            now=instant_or_now(now),
        )
        until, years = record.barred_until, record.bar_years
    if until is not None:
        outcome = f"按本周期政策停止申报 {years} 年，至 {until.isoformat()}"
    else:
        outcome = "本周期政策未规定停止申报年限：记录保存，今后每次申报都会提示办理人员，不自动拦截"
    console.print(
        f"已登记 {mask(id_number.strip().upper())} 的弄虚作假记录；{outcome}", highlight=False
    )


@app.command("list")
@friendly
def integrity_list_command(
    id_number: str = typer.Option(None, "--id", help="只列此人的记录"),
    as_json: bool = typer.Option(False, "--json", help="输出 JSON"),
) -> None:
    """列出弄虚作假记录（身份证号打码）。"""
    from rich.table import Table

    from models.db import read_scope
    from models.integrity import listed_records

    ensure_database()
    with read_scope() as session:
        rows = listed_records(session, id_number.strip().upper() if id_number else None)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="弄虚作假记录", title_justify="left")
    for header in ("编号", "申报人", "发现日期", "情形", "周期", "停止申报至", "登记人"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["person"],
            row["found_on"] or "日期不详",
            row["reason"],
            row["cycle_id"] or "",
            row["barred_until"] or "未定年限（只提示）",
            row["recorded_by"],
        )
    console.print(table)
