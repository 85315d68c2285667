"""What every command shares: parsing user input with clear messages, finding the cycle file
and the database a command needs, and failing politely."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

import pendulum
import typer
from rich.console import Console
from sqlmodel import Session

from calendars.beijing import BEIJING

# Piped output (a file, a test) gets a wide page so the timetable never wraps mid-row.
console = Console(width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def _chinese_usage_errors() -> None:
    """A misspelt option or a word where a number belongs is refused by the option parser
    before any command runs; its panel is titled in Chinese with where to find the usage, and
    keeps the parser's own detail (which names the option)."""
    from typer import rich_utils

    rich_utils.ERRORS_PANEL_TITLE = "命令行参数错误（以下为参数解析器的原文说明）"
    rich_utils.RICH_HELP = "用法说明：[blue]{command_path} {help_option}[/]"
    rich_utils.ABORTED_TEXT = "已中止。"


_chinese_usage_errors()


class UserError(Exception):
    """A problem with what the user asked for; shown as a message, never a traceback."""


def parse_day(text: str, what: str = "日期") -> dt.date:
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what}格式错误：'{text}'，应为 YYYY-MM-DD（如 2025-10-11）") from None
    if day == dt.date.max:  # every day here closes at its 24:00, the next day's 00:00
        raise UserError(f"{what} {text} 超出可处理的范围（须早于 9999-12-31）")
    return day


def parse_instant(text: str | None) -> pendulum.DateTime | None:
    """An instant given on the command line; without a zone it is Beijing time."""
    if text is None:
        return None
    try:
        parsed = pendulum.parse(text.strip(), tz=BEIJING)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise UserError(
            f"时间格式错误：'{text}'，应为 ISO 格式（如 2024-10-20T23:59:59 或 2024-10-20T23:59:59+08:00）"
        ) from None
    if isinstance(parsed, pendulum.DateTime):
        return parsed
    if isinstance(parsed, dt.date):  # a bare day is its first instant
        return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=BEIJING)
    raise UserError(f"时间格式错误：'{text}' 不是一个时刻（如 2024-10-20T23:59:59）")


def instant_or_now(text: str | None) -> pendulum.DateTime:
    """The ``--now`` a command was given, else the wall clock (the CLI is the shell that may)."""
    return parse_instant(text) or pendulum.now("UTC")


def resolve_cycle_path(file: str) -> Path:
    """A path, or the name of a bundled cycle file (``jiayuguan-2024``)."""
    from calendars.cyclefile import bundled_cycle

    path = Path(file)
    if path.exists():
        return path
    bundled = bundled_cycle(file.removesuffix(".yaml"))
    if bundled.exists():
        return bundled
    raise UserError(
        f"找不到周期文件 '{file}'（既不是已有路径，也不是内置周期名，如 jiayuguan-2024）"
    )


# Row ids are 64-bit integers in both databases: a larger number names no row, and the
# drivers cannot even send it.
LARGEST_ROW_ID = 2**63 - 1


def row_ids(values: list[int], what: str) -> list[int]:
    """Ids given on the command line, refused when no row could have them."""
    for value in values:
        if not 1 <= value <= LARGEST_ROW_ID:
            raise UserError(f"{what} {value} 不存在（编号为正整数）")
    return values


def require_cycle(session: Session, cycle_id: str) -> None:
    """A command that reads a stored cycle refuses one the database does not hold, by name."""
    from models.cycle import Cycle
    from models.refusals import RefusalCode, Refused

    if session.get(Cycle, cycle_id) is None:
        raise Refused(
            f"没有编号为 {cycle_id} 的评审周期（请先 zhicheng launch）", RefusalCode.no_cycle
        )


def ensure_database() -> None:
    """Every command that touches the database first brings its schema up to date."""
    from models.migrate import upgrade

    upgrade()


def warn_about_upkeep() -> None:
    """A long-running command says at start what the database server leaves undone (its
    autovacuum off), which would slow a cycle down day by day without any error."""
    from models.db import engine
    from models.upkeep import upkeep_warnings

    for warning in upkeep_warnings(engine()):
        err_console.print(f"[bold yellow]警告：[/]{warning}", highlight=False, soft_wrap=True)


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the domain's own errors into one clear line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except _domain_errors() as exc:
            # soft_wrap: one line even when stderr is a file, so a log keeps it whole
            err_console.print(f"[bold red]错误：[/]{exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _domain_errors() -> tuple[type[BaseException], ...]:
    from calendars.cyclefile import CycleFileError
    from calendars.workdays import CalendarDataError, YearNotCovered
    from models.context import Refused
    from models.db import DatabaseUnavailable
    from notifications.channels import ChannelConfigError
    from rules.idcard import InvalidIdNumber
    from rules.retirement import MissingInput

    return (
        UserError,
        CycleFileError,
        CalendarDataError,
        YearNotCovered,
        Refused,
        DatabaseUnavailable,
        ChannelConfigError,
        InvalidIdNumber,
        MissingInput,
    )
