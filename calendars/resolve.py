"""Resolution: a cycle file's phases (dates, datetimes, references to other phases), xun
windows and filing rules turned into absolute Beijing dates and instants."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pendulum

from calendars.beijing import BEIJING
from calendars.cyclefile import (
    REFERENCE,
    TOP_LEVEL_PHASES,
    WINDOW,
    CycleFileError,
    CycleSpec,
    Moment,
)
from calendars.plan import Plan, PlannedCommittee, PlannedFiling, PlannedPhase
from calendars.workdays import WorkdayCalendar, YearNotCovered, day_end, day_start


def resolve_phases(spec: CycleSpec) -> list[PlannedPhase]:
    resolved: dict[str, PlannedPhase] = {}
    resolving: set[str] = set()

    def resolve(key: str) -> PlannedPhase:
        if key in resolved:
            return resolved[key]
        if key in resolving:
            raise CycleFileError(spec.chain[0], f"phases.{key}", "阶段之间的引用形成循环")
        resolving.add(key)
        phase = spec.phases[key]
        start = _instant(phase.start, "start", resolve)
        end = _instant(phase.end, "end", resolve)
        if phase.last_day is not None:
            end = _instant(phase.last_day, "last_day", resolve)
        resolved[key] = PlannedPhase(key, phase.parent, phase.title, start, end, phase)
        resolving.discard(key)
        return resolved[key]

    for key in spec.phases:
        resolve(key)
    return _ordered(spec, resolved)


def _instant(
    value: Moment, edge: str, resolve: Callable[[str], PlannedPhase]
) -> pendulum.DateTime | None:
    if value is None:
        return None
    if isinstance(value, str):
        ref = REFERENCE.match(value)
        assert ref is not None
        target = resolve(ref["key"])
        return target.start if ref["edge"] == "start" else target.end
    if isinstance(value, dt.datetime):
        # An instant as written: with its offset, or on the Beijing clock when it has none.
        if value.tzinfo is None:
            return pendulum.instance(value, tz=BEIJING)
        return pendulum.instance(value).in_timezone(BEIJING)
    return day_end(value) if edge == "last_day" else day_start(value)


def _ordered(spec: CycleSpec, resolved: dict[str, PlannedPhase]) -> list[PlannedPhase]:
    """Top-level phases in the client's order, each followed by its sub-steps in file order."""
    out: list[PlannedPhase] = []
    for top in TOP_LEVEL_PHASES:
        if top in resolved:
            out.append(resolved[top])
            steps = [p for p in resolved.values() if p.parent == top]
            # Sub-steps in time order (a city's file adds its own among the province's).
            out.extend(sorted(steps, key=_time_order))
    return out


def _time_order(phase: PlannedPhase) -> tuple[float, float]:
    undated = float("inf")
    start = phase.start.timestamp() if phase.start else undated
    end = phase.end.timestamp() if phase.end else undated
    return start, end


def resolve_committees(spec: CycleSpec) -> list[PlannedCommittee]:
    out = []
    for key, c in spec.committees.items():
        start, last = c.window_start, c.window_last_day
        if c.window is not None and start is None:
            start, last = _xun(spec.year, c.window)
        out.append(
            PlannedCommittee(
                key,
                c.name,
                c.organiser,
                c.level,
                c.scope,
                c.series,
                c.window,
                start,
                last,
                c.meeting,
            )
        )
    return out


def _xun(year: int, window: str) -> tuple[dt.date, dt.date]:
    """上旬 is days 1–10, 中旬 11–20, 下旬 21 to the month's end."""
    match = WINDOW.match(window)
    assert match is not None
    month = int(match["month"])
    first = {"上旬": 1, "中旬": 11, "下旬": 21}[match["part"]]
    if match["part"] == "下旬":
        last = pendulum.date(year, month, 1).end_of("month").day
    else:
        last = first + 9
    return dt.date(year, month, first), dt.date(year, month, last)


def resolve_filing(
    plan: Plan, calendar: WorkdayCalendar
) -> tuple[list[PlannedFiling], list[YearNotCovered]]:
    """Each filing item's last day, and the calendar years its working-day rules needed but
    the calendar does not cover (the checks report those)."""
    out, uncovered = [], []
    for key, item in plan.spec.filing_items.items():
        due: dt.date | None = None
        rule = item.note or ""
        if item.last_day is not None and not isinstance(item.last_day, str):
            due = item.last_day  # a day: the cycle file refuses an instant here
            rule = rule or f"{due.isoformat() if due else ''} 前"
        elif item.after and item.within_workdays and plan.has(item.after):
            anchor = plan.phase(item.after).last_day
            rule = rule or f"{plan.phase(item.after).title}后 {item.within_workdays} 个工作日内"
            if anchor is not None:
                try:
                    due = calendar.workdays_after(anchor, item.within_workdays)
                except YearNotCovered as exc:
                    uncovered.append(exc)
        elif item.before and plan.has(item.before):
            anchor_start = plan.phase(item.before).start
            rule = rule or f"{plan.phase(item.before).title}前"
            if anchor_start is not None:
                due = anchor_start.date() - dt.timedelta(days=(item.before_days or 0) + 1)
        out.append(PlannedFiling(key, item.title, due, rule))
    return out, uncovered
