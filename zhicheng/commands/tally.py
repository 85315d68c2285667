"""`zhicheng tally …`: the counts PostgreSQL keeps as applications change (models.tally),
compared with the applications themselves and, if they differ, written afresh."""

from __future__ import annotations

import typer

from zhicheng.cli_support import console, ensure_database, friendly, require_cycle

app = typer.Typer(
    no_args_is_help=True,
    help="看板计数（PostgreSQL 随申报变动维护）：与申报记录核对，不一致时重建。",
)


@app.command("check")
@friendly
def tally_check_command(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    repair: bool = typer.Option(False, "--repair", help="不一致时按申报记录重建该周期的计数"),
) -> None:
    """核对一个周期的看板计数；有差异时列出（单位、评委会、状态、计数、实有），退出码 1。"""
    from models import tally
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        require_cycle(session, cycle)
        if not tally.kept(session):
            console.print("SQLite 数据库不维护看板计数：看板直接统计申报记录，无需核对。")
            return
        found = tally.differences(session, cycle)
        if found and repair:
            tally.rebuild(session, cycle)
    if not found:
        console.print(f"周期 {cycle} 的看板计数与申报记录一致。", highlight=False)
        return
    for unit, committee, status, kept_n, counted_n in found:
        console.print(
            f"单位 {unit} 评委会 {committee} 状态 {status}：计数 {kept_n}，实有 {counted_n}",
            highlight=False,
        )
    if repair:
        console.print(f"已按申报记录重建周期 {cycle} 的看板计数（{len(found)} 组不一致）。")
        return
    console.print(f"{len(found)} 组不一致；加 --repair 重建。", highlight=False)
    raise typer.Exit(1)
