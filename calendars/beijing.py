"""Beijing time, the domain's clock face: the zone, and the notices' way of writing an instant
(midnight is 24:00 of the day before: "截至10月20日24:00")."""

from __future__ import annotations

import datetime as dt

import pendulum

BEIJING = pendulum.timezone("Asia/Shanghai")


def beijing(instant: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(instant).in_timezone(BEIJING)


def beijing_text(instant: dt.datetime, *, short: bool = False) -> str:
    """``2024年10月20日24:00（北京时间）`` in a sentence; ``short`` gives a table's width,
    ``2024-10-20 24:00``. Only an exact midnight is 24:00 of the day before."""
    local = beijing(instant)
    midnight = (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    if midnight:
        day = local.subtract(days=1)
        if short:
            return f"{day.format('YYYY-MM-DD')} 24:00"
        return f"{day.year}年{day.month}月{day.day}日24:00（北京时间）"
    if short:
        return local.format("YYYY-MM-DD HH:mm")
    return (
        f"{local.year}年{local.month}月{local.day}日"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}（北京时间）"
    )


def last_day(end: dt.datetime) -> dt.date:
    """The last Beijing day open before an exclusive end: 24:00 of 20 October ends the 20th."""
    return beijing(end - dt.timedelta(microseconds=1)).date()
