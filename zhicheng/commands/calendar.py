"""`zhicheng calendar …`: the working-day calendar, holidays and make-up workdays included."""

from __future__ import annotations

import typer

from zhicheng.cli_support import UserError, console, friendly, parse_day

app = typer.Typer(no_args_is_help=True, help="中国大陆工作日日历（含法定节假日与调休）。")


@app.command("is-workday")
@friendly
def is_workday(day: str = typer.Argument(..., help="日期，如 2025-10-11")) -> None:
    """打印 true 或 false：该日是否为工作日（调休上班的周末算工作日）。"""
    from models.settings import workday_calendar

    typer.echo("true" if workday_calendar().is_workday(parse_day(day)) else "false")


@app.command("add-workdays")
@friendly
def add_workdays(
    day: str = typer.Argument(..., help="起算日期（当日若为工作日则计入）"),
    n: int = typer.Argument(..., help="第几个工作日（≥1）"),
) -> None:
    """打印从该日起（含当日）的第 N 个工作日。"""
    from models.settings import workday_calendar

    if n < 1:
        raise UserError(f"工作日数须为正整数（收到 {n}）")
    typer.echo(workday_calendar().add_workdays(parse_day(day), n).isoformat())


@app.command("next-workday")
@friendly
def next_workday(day: str = typer.Argument(..., help="日期")) -> None:
    """打印该日之后的第一个工作日。"""
    from models.settings import workday_calendar

    typer.echo(workday_calendar().next_workday(parse_day(day)).isoformat())


@app.command("between")
@friendly
def between(
    first: str = typer.Argument(..., help="第一天（含）"),
    last: str = typer.Argument(..., help="最后一天（含）"),
) -> None:
    """打印两日之间（含首尾）的工作日数。"""
    from models.settings import workday_calendar

    typer.echo(str(workday_calendar().workdays_between(parse_day(first), parse_day(last))))


@app.command("status")
@friendly
def calendar_status(
    today: str = typer.Option(None, help="以此日期为“今天”（默认：北京时间今天）"),
) -> None:
    """列出已录入节假日安排的年份；11月起若下一年安排仍缺，给出提醒。"""
    import pendulum

    from models.settings import workday_calendar

    calendar = workday_calendar()
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
