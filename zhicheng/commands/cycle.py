"""`zhicheng launch` and `zhicheng extend`: starting a year's cycle and extending a phase."""

from __future__ import annotations

import datetime as dt

import typer

from zhicheng.cli_support import (
    console,
    ensure_database,
    friendly,
    instant_or_now,
    parse_day,
    resolve_cycle_path,
)


@friendly
def launch(
    file: str = typer.Argument(..., help="周期文件路径或内置周期名"),
    by: str = typer.Option("省职改办", help="启动人（记入记录）"),
    schedule: bool = typer.Option(
        True, "--schedule/--no-schedule", help="是否在 Prefect 服务器上为每个阶段边界排定运行"
    ),
) -> None:
    """启动评审周期：检查周期文件、保存周期，并在每个阶段边界（北京时间）排定 Prefect 运行。"""
    from flows.launch import annual_cycle, checked_plan

    path = str(resolve_cycle_path(file))
    checked_plan(path)  # refuse a file that cannot run before any flow run is made
    ensure_database()
    result = annual_cycle(path, by=by, schedule=schedule)
    state = "已启动" if result["created"] else "此前已启动（未改动）"
    console.print(f"周期 {result['cycle_id']} {state}。", highlight=False)
    for line in result["scheduled"]:
        console.print(f"  已排定：{line}", highlight=False)
    if not schedule:
        console.print(
            "未排定运行：在线运行请见 README 的“在线运行”一节（prefect server start、zhicheng serve）。"
        )


@friendly
def extend(
    cycle: str = typer.Option(..., "--cycle", help="周期编号（如 jiayuguan-2024）"),
    phase: str = typer.Option(..., "--phase", help="要延期的阶段键（如 declaration）"),
    until: str = typer.Option(..., "--until", help="新的最后一天（当日24时截止），如 2024-10-22"),
    by: str = typer.Option(..., "--by", help="批准延期的人或单位"),
    reason: str = typer.Option(..., "--reason", help="延期原因（如 申报系统故障）"),
    reschedule: bool = typer.Option(
        True, "--reschedule/--no-reschedule", help="是否改期 Prefect 上的运行"
    ),
) -> None:
    """延长一个阶段：记录操作人和原因，顺延与之挂钩的后续步骤，并改期已排定的运行。"""
    from flows.extend import extend as extend_flow

    last_day = parse_day(until, "延期日期")
    ensure_database()
    try_extension(cycle, phase, last_day, by, reason)
    result = extend_flow(cycle, phase, last_day, by, reason, reschedule=reschedule)
    console.print("已延期：", highlight=False)
    for line in result["moved"]:
        console.print(f"  {line}", highlight=False)
    for line in result["rescheduled"]:
        console.print(f"  已改期：{line}", highlight=False)


def try_extension(cycle: str, phase: str, last_day: dt.date, by: str, reason: str) -> None:
    """The extension done in a transaction that is rolled back: a refusal is said before any
    flow run is made, since a flow run that fails has Prefect log its traceback first."""
    from sqlmodel import Session

    from models.db import engine
    from models.extension import extend_phase
    from models.settings import workday_calendar

    with Session(engine()) as session:
        try:
            extend_phase(
                session,
                cycle,
                phase,
                last_day,
                by=by,
                reason=reason,
                now=instant_or_now(None),
                calendar=workday_calendar(),
            )
        finally:
            session.rollback()
