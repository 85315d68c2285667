"""The cycle's timeline (Gantt) as geometry for an inline SVG: a bar per phase and sub-step,
holidays and weekends shaded from the working-day calendar, and a "now" marker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from calendars.beijing import beijing
from calendars.workdays import WorkdayCalendar, YearNotCovered
from models.cycle import Phase

LABEL_WIDTH = 230
CHART_WIDTH = 760
ROW_HEIGHT = 26
TOP = 34


@dataclass(frozen=True)
class Bar:
    key: str
    title: str
    sub: bool
    x: float
    width: float
    y: float
    state: str  # done | open | coming
    span: str  # "9月11日 – 10月20日"


@dataclass(frozen=True)
class Shade:
    x: float
    width: float
    name: str
    holiday: bool


@dataclass
class Timeline:
    width: int
    height: int
    label_width: int
    bars: list[Bar] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    months: list[tuple[float, str]] = field(default_factory=list)
    now_x: float | None = None
    now_label: str = ""


def _day(instant: dt.datetime) -> dt.date:
    return beijing(instant).date()


def _last_day(end: dt.datetime) -> dt.date:
    """A phase ending at 24:00 of a day ends on that day, not the next."""
    return (beijing(end) - dt.timedelta(microseconds=1)).date()


def _span(start: dt.date, last: dt.date) -> str:
    return f"{start.month}月{start.day}日 – {last.month}月{last.day}日"


def timeline(
    phases: list[Phase], now: dt.datetime, calendar: WorkdayCalendar, *, marker: str = "现在"
) -> Timeline:
    dated = [
        (p, p.start, p.end) for p in sorted(phases, key=lambda p: p.position) if p.start and p.end
    ]
    chart = Timeline(
        width=LABEL_WIDTH + CHART_WIDTH,
        height=TOP + ROW_HEIGHT * len(dated) + 8,
        label_width=LABEL_WIDTH,
    )
    if not dated:
        return chart
    first = min(_day(start) for _, start, _ in dated)
    last = max(_last_day(end) for _, _, end in dated)
    days = (last - first).days + 1
    per_day = CHART_WIDTH / days

    def x_of(day: dt.date) -> float:
        return LABEL_WIDTH + (day - first).days * per_day

    for n in range(days):
        day = first + dt.timedelta(days=n)
        if day.day == 1 or n == 0:
            chart.months.append(
                (
                    x_of(day),
                    f"{day.year}年{day.month}月" if n == 0 or day.month == 1 else f"{day.month}月",
                )
            )
        try:
            if calendar.is_workday(day):
                continue
            name = calendar.holiday_name(day)
        except YearNotCovered:
            continue
        chart.shades.append(Shade(x_of(day), per_day, name or "周末", name is not None))
    for row, (p, opens, closes) in enumerate(dated):
        start, end = _day(opens), _last_day(closes)
        state = "done" if now >= closes else ("open" if now >= opens else "coming")
        chart.bars.append(
            Bar(
                key=p.key,
                title=p.title,
                sub=p.parent_key is not None,
                x=x_of(start),
                width=max(per_day * ((end - start).days + 1), 2.0),
                y=TOP + row * ROW_HEIGHT,
                state=state,
                span=_span(start, end),
            )
        )
    today = beijing(now)
    if first <= today.date() <= last:
        fraction = (today.hour * 3600 + today.minute * 60) / 86400
        chart.now_x = x_of(today.date()) + fraction * per_day
        chart.now_label = (
            f"{marker} {today.month}月{today.day}日 {today.hour:02d}:{today.minute:02d}"
        )
    return chart
