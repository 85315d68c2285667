"""UTC in storage, Beijing time in the domain: one column type does the conversion."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC so SQLite and
    PostgreSQL compare the same way."""

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.__class__ is dt.datetime and value.tzinfo is dt.UTC:  # already plain UTC
            return value.replace(tzinfo=None)
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"时间必须带时区（收到 {value!r}）")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return pendulum.instance(value.replace(tzinfo=dt.UTC))
