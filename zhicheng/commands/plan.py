"""`zhicheng plan`: check a cycle file and show its timetable."""

from __future__ import annotations

import json

import typer

from zhicheng.cli_support import console, friendly, resolve_cycle_path


@friendly
def plan(
    file: str = typer.Argument(..., help="周期文件路径，或内置周期名（如 jiayuguan-2024）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出（phases 与 findings）"),
) -> None:
    """检查周期文件并列出时间表：各阶段的北京时间起止、天数，以及发现的问题。"""
    from calendars.planner import plan_file
    from models.settings import workday_calendar
    from zhicheng.plan_view import findings_view, plan_table, timeline

    calendar = workday_calendar()
    result = plan_file(resolve_cycle_path(file), calendar)
    if as_json:
        typer.echo(json.dumps(result.as_dict(calendar), ensure_ascii=False, indent=2))
        return
    console.print(plan_table(result))
    console.print(timeline(result))
    console.print(findings_view(result))
