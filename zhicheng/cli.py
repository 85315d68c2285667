"""The `zhicheng` command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from zhicheng.cli_support import console, friendly, parse_day

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="职称 zhicheng：甘肃省年度职称评审周期的编排系统（日历、周期文件、流程、仿真）。",
)
calendar_app = typer.Typer(no_args_is_help=True, help="中国大陆工作日日历（含法定节假日与调休）。")
app.add_typer(calendar_app, name="calendar")


def resolve_cycle_path(file: str) -> Path:
    """A path, or the name of a bundled cycle file (``jiayuguan-2024``)."""
    from calendars.cyclefile import bundled_cycle

    path = Path(file)
    if path.exists():
        return path
    bundled = bundled_cycle(file.removesuffix(".yaml"))
    if bundled.exists():
        return bundled
    from zhicheng.cli_support import UserError

    raise UserError(f"找不到周期文件 '{file}'（既不是已有路径，也不是内置周期名，如 jiayuguan-2024）")


@app.command()
@friendly
def plan(
    file: str = typer.Argument(..., help="周期文件路径，或内置周期名（如 jiayuguan-2024）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出（phases 与 findings）"),
) -> None:
    """检查周期文件并列出时间表：各阶段的北京时间起止、天数，以及发现的问题。"""
    from calendars.planner import plan_file
    from calendars.workdays import default_calendar
    from zhicheng.plan_view import findings_view, plan_table, timeline

    calendar = default_calendar()
    result = plan_file(resolve_cycle_path(file), calendar)
    if as_json:
        typer.echo(json.dumps(result.as_dict(calendar), ensure_ascii=False, indent=2))
        return
    console.print(plan_table(result))
    console.print(timeline(result))
    console.print(findings_view(result))


@calendar_app.command("is-workday")
@friendly
def is_workday(day: str = typer.Argument(..., help="日期，如 2025-10-11")) -> None:
    """打印 true 或 false：该日是否为工作日（调休上班的周末算工作日）。"""
    from calendars.workdays import default_calendar

    typer.echo("true" if default_calendar().is_workday(parse_day(day)) else "false")


@calendar_app.command("add-workdays")
@friendly
def add_workdays(
    day: str = typer.Argument(..., help="起算日期（当日若为工作日则计入）"),
    n: int = typer.Argument(..., help="第几个工作日（≥1）"),
) -> None:
    """打印从该日起（含当日）的第 N 个工作日。"""
    from calendars.workdays import default_calendar
    from zhicheng.cli_support import UserError

    if n < 1:
        raise UserError(f"工作日数须为正整数（收到 {n}）")
    typer.echo(default_calendar().add_workdays(parse_day(day), n).isoformat())


@calendar_app.command("next-workday")
@friendly
def next_workday(day: str = typer.Argument(..., help="日期")) -> None:
    """打印该日之后的第一个工作日。"""
    from calendars.workdays import default_calendar

    typer.echo(default_calendar().next_workday(parse_day(day)).isoformat())


@calendar_app.command("between")
@friendly
def between(
    first: str = typer.Argument(..., help="第一天（含）"),
    last: str = typer.Argument(..., help="最后一天（含）"),
) -> None:
    """打印两日之间（含首尾）的工作日数。"""
    from calendars.workdays import default_calendar

    typer.echo(str(default_calendar().workdays_between(parse_day(first), parse_day(last))))


@calendar_app.command("status")
@friendly
def calendar_status(
    today: str = typer.Option(None, help="以此日期为“今天”（默认：北京时间今天）"),
) -> None:
    """列出已录入节假日安排的年份；11月起若下一年安排仍缺，给出提醒。"""
    import pendulum

    from calendars.workdays import default_calendar

    calendar = default_calendar()
    day = parse_day(today) if today else pendulum.now("Asia/Shanghai").date()
    for year in calendar.years():
        console.print(f"{year}  {calendar.source(year)}", highlight=False)
    nxt = day.year + 1
    if day.month >= 11 and nxt not in calendar.years():
        console.print(
            f"[yellow]提醒：{nxt} 年的节假日安排尚未录入。国务院办公厅通常在 11 月前后公布，"
            f"公布后请添加 ~/.zhicheng/holidays/{nxt}.yaml（格式见 calendars/holidays/README.md）。[/]",
            highlight=False,
        )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
