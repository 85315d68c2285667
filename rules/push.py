"""Push months (003 附件1 注2): each series goes to review in its month — "可适当提前推送，但
不得延后". Pure functions of the cycle file's ``push_months`` and a committee's series."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence

from calendars.cyclefile import PushMonth

# The notice names series as the 附件1 table does ("会计系列", "人力资源培训专业(含基层有效)");
# committees name them bare ("会计", "人力资源培训"). The grassroots note and the trailing
# 系列/专业 are not part of the series' name.
_GRASSROOTS = re.compile(r"[(（]含基层有效[)）]$")
_KIND = re.compile(r"(系列|专业)$")


def series_key(name: str) -> str:
    """The series as a committee names it."""
    return _KIND.sub("", _GRASSROOTS.sub("", name.strip()))


def push_month_of(series: str | None, push_months: Sequence[PushMonth]) -> int | None:
    """The month a series is pushed in, or None where the file sets none for it. A series
    listed twice is held to the later month: refuse only what is certainly late."""
    if not series:
        return None
    key = series_key(series)
    months = [m.month for m in push_months if any(series_key(s) == key for s in m.series)]
    return max(months, default=None)


def push_month_last_day(month: int, year: int) -> dt.date:
    """The last day a series of that month may still be pushed (until 24:00 Beijing)."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])
