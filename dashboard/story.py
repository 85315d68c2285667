"""A phase's story: the cumulative count of what the phase is for (submissions,
recommendations, results) over time against its deadline, read from the audit trail — one
grouped query per curve, bucketed by the hour in SQL — and drawn as an inline SVG (no
external asset, no script: the pages' CSP allows neither). While the declaration or unit
review is open the chart carries the deadline forecast (models.forecast); after the
deadline, the forecasts stored at each reminder instant are set against what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select
from sqlmodel import Session, col

from calendars.beijing import beijing, beijing_text
from models.application import Application, AuditEvent
from models.cycle import Phase
from models.forecast import (
    CLOSING_ACTION,
    WINDOW,
    Forecast,
    forecast_as_of,
    missed,
    previous_cycle,
    stored_evaluations,
)
from models.org import Organisation

HOUR = 3600


@dataclass(frozen=True)
class StoryPhase:
    key: str
    title: str
    counted: str  # what the curve counts, as its label reads
    actions: tuple[str, ...]  # the audit actions whose first occurrence is counted
    entered: tuple[str, ...] | None  # who the phase is for: those with one of these actions


STORIES = (
    StoryPhase("declaration", "个人申报", "累计提交", ("submit",), None),
    StoryPhase("unit_review", "单位审核推荐", "累计推荐", ("recommend",), ("submit",)),
    StoryPhase("committee_review", "评委会评审", "累计评审结果", ("pass", "fail"), ("forward",)),
)
STORY = {s.key: s for s in STORIES}


# ---------------------------------------------------------------- the curves (SQL)


def _epoch(column: Any, dialect: str) -> Any:
    """Seconds since 1970 of a stored (naive UTC) instant, in SQL."""
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), Integer)


def curve(
    session: Session,
    cycle_id: str,
    actions: tuple[str, ...],
    where: ColumnElement[bool],
    until: dt.datetime | None = None,
) -> list[tuple[dt.datetime, int]]:
    """Cumulative applications (under ``where``, over ``Application`` joined to its unit as
    ``Organisation``) whose first audit row with one of ``actions`` came by the end of each
    hour: (end of the hour, count so far), only hours where it grew. One query."""
    dialect = session.get_bind().dialect.name
    first: Any = (
        select(
            col(AuditEvent.application_id).label("app"), func.min(col(AuditEvent.at)).label("at")
        )
        .select_from(AuditEvent)
        .join(Application, col(Application.id) == col(AuditEvent.application_id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(AuditEvent.cycle_id) == cycle_id, col(AuditEvent.action).in_(actions), where)
        .group_by(col(AuditEvent.application_id))
    )
    if until is not None:
        first = first.where(col(AuditEvent.at) <= until)
    firsts = first.subquery()
    bucket = (_epoch(firsts.c.at, dialect) // HOUR).label("hour")
    stmt = select(bucket, func.count()).group_by(bucket).order_by(bucket)
    total = 0
    out = []
    for hour, count in session.execute(stmt):
        total += count
        out.append((dt.datetime.fromtimestamp((int(hour) + 1) * HOUR, dt.UTC), total))
    return out


def population(
    session: Session,
    cycle_id: str,
    entered: tuple[str, ...] | None,
    where: ColumnElement[bool],
    until: dt.datetime | None = None,
) -> int:
    """Who the phase is for: every application in scope (the declaration), or those with an
    audit row of ``entered`` (submitted, forwarded)."""
    if entered is None:
        stmt: Any = (
            select(func.count())
            .select_from(Application)
            .join(Organisation, col(Organisation.id) == col(Application.unit_id))
            .where(col(Application.cycle_id) == cycle_id, where)
        )
        if until is not None:
            stmt = stmt.where(col(Application.created_at) <= until)
        return int(session.execute(stmt).scalar() or 0)
    stmt = (
        select(func.count(func.distinct(col(AuditEvent.application_id))))
        .select_from(AuditEvent)
        .join(Application, col(Application.id) == col(AuditEvent.application_id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(AuditEvent.cycle_id) == cycle_id, col(AuditEvent.action).in_(entered), where)
    )
    if until is not None:
        stmt = stmt.where(col(AuditEvent.at) <= until)
    return int(session.execute(stmt).scalar() or 0)


# ---------------------------------------------------------------- the chart (geometry)

WIDTH, HEIGHT = 990, 340
LEFT, RIGHT, TOP, BOTTOM = 64, 150, 24, 42


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM
    points: str = ""  # the step line, "x,y x,y …"
    previous: str = ""  # the previous cycle's curve, scaled to this one
    forecast: tuple[float, float, float, float] | None = None  # x1,y1,x2,y2
    forecast_label: str = ""
    total_y: float = 0.0
    total_label: str = ""
    deadline_x: float | None = None
    deadline_label: str = ""
    now_x: float | None = None
    now_label: str = ""
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    last_label: str = ""
    last_xy: tuple[float, float] | None = None


def _y_ticks(top: int) -> list[int]:
    if top <= 0:
        return [0]
    step = 1
    for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        step = s
        if top / s <= 6:
            break
    else:
        step = max(1, top // 5)
    return list(range(0, top + 1, step))


def draw(
    points: list[tuple[dt.datetime, int]],
    total: int,
    start: dt.datetime,
    deadline: dt.datetime,
    now: dt.datetime,
    counted: str,
    previous: list[tuple[float, float]] | None = None,
    projected_done: float | None = None,
) -> Chart:
    """The chart's geometry. ``previous``: (fraction of the window, share of its phase's
    population) of the previous cycle; ``projected_done``: the count the forecast expects
    by the deadline."""
    chart = Chart()
    shown = [(t, n) for t, n in points if t <= now]
    first = min([start] + [t for t, _ in shown[:1]])
    last = max(deadline + (deadline - first) * 0.06, min(now, shown[-1][0] if shown else now))
    span = (last - first).total_seconds() or 1.0
    width = chart.plot_right - LEFT
    height = chart.plot_bottom - TOP
    top = max(total, shown[-1][1] if shown else 0, 1)

    def x(t: dt.datetime) -> float:
        return LEFT + width * min(max((t - first).total_seconds() / span, 0.0), 1.0)

    def y(n: float) -> float:
        return chart.plot_bottom - height * n / top

    line = [(x(first), y(0))]
    for t, n in shown:
        line.append((x(t), line[-1][1]))  # flat until the hour ends, then up
        line.append((x(t), y(n)))
    end_x = x(min(now, last))
    line.append((end_x, line[-1][1]))
    chart.points = " ".join(f"{a:.1f},{b:.1f}" for a, b in line)
    done = shown[-1][1] if shown else 0
    chart.last_xy = (end_x, y(done))
    chart.last_label = f"{counted} {done}"
    chart.total_y = y(total)
    chart.total_label = f"应办 {total}"
    chart.deadline_x = x(deadline)
    chart.deadline_label = f"截止 {beijing_text(deadline, short=True)}"
    if first <= now <= last:
        local = beijing(now)
        chart.now_x = x(now)
        chart.now_label = f"现在 {local.month}月{local.day}日 {local.hour:02d}:{local.minute:02d}"
    if previous:
        window = deadline - start
        chart.previous = " ".join(
            f"{x(start + window * f):.1f},{y(share * total):.1f}" for f, share in previous
        )
    if projected_done is not None and now < deadline:
        chart.forecast = (end_x, y(done), x(deadline), y(projected_done))
        chart.forecast_label = f"预计截止时 {projected_done:.0f}"
    day = beijing(first).date()
    last_day = beijing(last).date()
    every = max(1, (last_day - day).days // 10)
    n = 0
    while day <= last_day:
        at = beijing(first).replace(year=day.year, month=day.month, day=day.day, hour=0, minute=0)
        if at >= first and n % every == 0:
            chart.x_ticks.append((x(at), f"{day.month}/{day.day}"))
        n += 1
        day += dt.timedelta(days=1)
    chart.y_ticks = [(y(v), str(v)) for v in _y_ticks(top)]
    return chart


def previous_shares(
    session: Session, cycle_id: str, story: StoryPhase
) -> list[tuple[float, float]] | None:
    """The previous cycle's curve by fraction of its window: (fraction, share of its own
    population) — the same region's earlier cycle, all of it (its scope is its region)."""
    earlier = previous_cycle(session, cycle_id)
    if earlier is None:
        return None
    window = session.execute(
        select(col(Phase.start), col(Phase.end)).where(
            col(Phase.cycle_id) == earlier, col(Phase.key) == story.key
        )
    ).first()
    if window is None or window[0] is None or window[1] is None:
        return None
    start, deadline = window
    everything = col(Organisation.id).is_not(None)
    total = population(session, earlier, story.entered, everything)
    if total == 0:
        return None
    span = (deadline - start).total_seconds()
    out = [(0.0, 0.0)]
    for t, n in curve(session, earlier, story.actions, everything):
        f = (t - start).total_seconds() / span
        if -0.5 <= f <= 1.1:
            out.append((max(f, 0.0), n / total))
    return out


# ---------------------------------------------------------------- after the deadline


@dataclass(frozen=True)
class Hindsight:
    """One stored forecast set against what happened (within the page's scope)."""

    at: dt.datetime
    days_before: float
    method: str
    forecast: float
    naive: int
    actual: int | None  # None while the phase is open

    @property
    def forecast_error(self) -> float | None:
        return abs(self.forecast - self.actual) if self.actual is not None else None

    @property
    def naive_error(self) -> int | None:
        return abs(self.naive - self.actual) if self.actual is not None else None


def units_in(session: Session, where: ColumnElement[bool]) -> set[int]:
    stmt: Any = select(col(Organisation.id)).where(where)
    return set(session.execute(stmt).scalars())


def hindsight(
    session: Session, cycle_id: str, phase: str, where: ColumnElement[bool], now: dt.datetime
) -> list[Hindsight]:
    """Each evaluation of ``phase`` stored by ``now``, restricted to the units under
    ``where``, next to the number its close marked missed there (once it has closed)."""
    units = units_in(session, where)
    evaluations = [e for e in stored_evaluations(session, cycle_id, phase) if e.at <= now]
    closed = bool(evaluations) and now >= evaluations[0].deadline
    actual = sum(missed(session, cycle_id, phase, where).values()) if closed else None
    out = []
    for e in evaluations:
        rows = [r for u, r in e.detail.get("units", {}).items() if int(u) in units]
        out.append(
            Hindsight(
                at=e.at,
                days_before=(e.deadline - e.at).total_seconds() / 86400,
                method=e.method,
                forecast=sum(float(r[3]) for r in rows),
                naive=sum(int(r[2]) for r in rows),
                actual=actual,
            )
        )
    return out


# ---------------------------------------------------------------- the page's data


@dataclass
class StoryPage:
    story: StoryPhase
    chart: Chart
    total: int
    done: int
    start: dt.datetime
    deadline: dt.datetime
    open: bool
    forecast: Forecast | None = None
    forecast_previous: str | None = None
    unit_names: dict[int, tuple[str, str]] = field(default_factory=dict)
    city_names: dict[str, str] = field(default_factory=dict)
    hindsight: list[Hindsight] = field(default_factory=list)


def story_page(
    session: Session,
    cycle_id: str,
    phase: Phase,
    now: dt.datetime,
    where: ColumnElement[bool],
    units_where: ColumnElement[bool] | None,
) -> StoryPage:
    """Everything the story page shows for one phase as of ``now``. ``where`` scopes the
    applications; ``units_where`` (over ``Organisation``) the forecast, None for a
    committee's account (the forecast is about units)."""
    story = STORY[phase.key]
    assert phase.start is not None and phase.end is not None
    start, deadline = phase.start, phase.end
    points = curve(session, cycle_id, story.actions, where, until=now)
    total = population(session, cycle_id, story.entered, where, until=now)
    done = points[-1][1] if points else 0
    is_open = start <= now < deadline
    forecast = None
    earlier = None
    if phase.key in CLOSING_ACTION and is_open and units_where is not None:
        forecast, earlier = forecast_as_of(
            session, cycle_id, phase.key, now, WINDOW, where=units_where
        )
    projected_done = total - forecast.projected if forecast is not None else None
    chart = draw(
        points,
        total,
        start,
        deadline,
        now,
        story.counted,
        previous_shares(session, cycle_id, story),
        projected_done,
    )
    page = StoryPage(story, chart, total, done, start, deadline, is_open, forecast, earlier)
    if forecast is not None:
        ids = [u.unit_id for u in forecast.units[:30]]
        page.unit_names = {
            i: (code, name)
            for i, code, name in session.execute(
                select(col(Organisation.id), col(Organisation.code), col(Organisation.name)).where(
                    col(Organisation.id).in_(ids)
                )
            )
        }
        page.city_names = dict(
            session.execute(
                select(col(Organisation.code), col(Organisation.name)).where(
                    col(Organisation.kind) == "city"
                )
            ).all()
        )
    if phase.key in CLOSING_ACTION and units_where is not None:
        page.hindsight = hindsight(session, cycle_id, phase.key, units_where, now)
    return page
