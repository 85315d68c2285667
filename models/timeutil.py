"""UTC in storage, Beijing time in the domain: one column type does the conversion."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

BEIJING = pendulum.timezone("Asia/Shanghai")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC so SQLite and
    PostgreSQL compare the same way."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"时间必须带时区（收到 {value!r}）")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return pendulum.instance(value.replace(tzinfo=dt.UTC))


def beijing(instant: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(instant).in_timezone(BEIJING)


def _day_ended(local: pendulum.DateTime) -> pendulum.DateTime | None:
    """Midnight is 24:00 of the day before (the notices' "截至某日24:00"): that day."""
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local.subtract(days=1)
    return None


def beijing_text(instant: dt.datetime) -> str:
    """The notices' way of writing a deadline: midnight is 24:00 of the day before."""
    local = beijing(instant)
    if (prev := _day_ended(local)) is not None:
        return f"{prev.year}年{prev.month}月{prev.day}日24:00（北京时间）"
    return f"{local.year}年{local.month}月{local.day}日{local.hour:02d}:{local.minute:02d}:{local.second:02d}（北京时间）"


def beijing_short(instant: dt.datetime) -> str:
    """The same rule in a table's width: ``2024-10-20 24:00``, ``2024-10-21 09:30``."""
    local = beijing(instant)
    if (prev := _day_ended(local)) is not None:
        return f"{prev.format('YYYY-MM-DD')} 24:00"
    return local.format("YYYY-MM-DD HH:mm")
