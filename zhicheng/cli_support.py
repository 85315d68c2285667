"""What every command shares: parsing user input with clear messages, and failing politely."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import pendulum
import typer
from rich.console import Console

# Piped output (a file, a test) gets a wide page so the timetable never wraps mid-row.
console = Console(width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
BEIJING = pendulum.timezone("Asia/Shanghai")


class UserError(Exception):
    """A problem with what the user asked for; shown as a message, never a traceback."""


def parse_day(text: str, what: str = "日期") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"{what}格式错误：'{text}'，应为 YYYY-MM-DD（如 2025-10-11）") from None


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
    if not isinstance(parsed, pendulum.DateTime):
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=BEIJING)  # type: ignore[union-attr]
    return parsed


def friendly(func: F) -> F:
    """Turn the domain's own errors into one clear line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _domain_errors() as exc:
            err_console.print(f"[bold red]错误：[/]{exc}", highlight=False)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _domain_errors() -> tuple[type[BaseException], ...]:
    from calendars.cyclefile import CycleFileError
    from calendars.workdays import CalendarDataError, YearNotCovered
    from models.context import Refused
    from notifications.channels import ChannelConfigError
    from rules.idcard import InvalidIdNumber
    from rules.retirement import MissingInput

    return (
        UserError,
        CycleFileError,
        CalendarDataError,
        YearNotCovered,
        Refused,
        ChannelConfigError,
        InvalidIdNumber,
        MissingInput,
    )
