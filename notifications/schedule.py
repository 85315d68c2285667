"""When notifications fall due for a cycle, from its file and plan alone (no database): each
reminder offset, moved out of quiet hours unless that would pass its deadline, and each
escalation step's threshold. ``notification_schedule`` lists them all; the reminder writer and
the rehearsal both work from these same rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pendulum

from calendars.beijing import BEIJING, beijing, last_day
from calendars.cyclefile import NotificationsSpec, ReminderRule
from calendars.plan import Plan
from calendars.workdays import WorkdayCalendar, day_end

# A filing item has no opening: a daily reminder about it starts this long before its deadline.
FILING_LEAD = dt.timedelta(days=60)


@dataclass(frozen=True)
class Offset:
    key: str
    due: dt.datetime


@dataclass(frozen=True)
class ReminderWindow:
    """What a reminder is about (``declaration``, ``committee:gs-01``, ``filing:annual``)
    and the span its offsets count in."""

    subject: str
    start: dt.datetime
    deadline: dt.datetime


@dataclass(frozen=True, order=True)
class Due:
    """One instant at which a notification falls due: a reminder offset of ``kind`` (the
    reminder rule's kind) or an escalation step (kind ``escalation``, offset ``stepN``)."""

    at: dt.datetime
    kind: str
    offset: str
    subject: str
    deadline: dt.datetime


def at(day: dt.date, time: dt.time) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, time.hour, time.minute, tz=BEIJING)


def in_quiet_hours(instant: dt.datetime, spec: NotificationsSpec) -> bool:
    t = beijing(instant).time()
    start, end = spec.quiet_start, spec.quiet_end
    return (t >= start or t < end) if start > end else (start <= t < end)


def quiet_hours_end(instant: dt.datetime, spec: NotificationsSpec) -> pendulum.DateTime:
    """The end of the quiet hours ``instant`` falls in (call only when it is in them)."""
    local = beijing(instant)
    morning_day = (
        local.date() if local.time() < spec.quiet_end else local.date() + dt.timedelta(days=1)
    )
    return at(morning_day, spec.quiet_end)


def outside_quiet_hours(
    due: dt.datetime, deadline: dt.datetime, spec: NotificationsSpec
) -> dt.datetime:
    """A message due at night waits for the morning, unless the morning is past its deadline."""
    if not in_quiet_hours(due, spec):
        return due
    morning = quiet_hours_end(due, spec)
    return due if morning >= deadline else morning


def workdays_back(calendar: WorkdayCalendar, last: dt.date, n: int) -> dt.date:
    """The n-th working day counting back from ``last`` (itself counting when worked)."""
    day, seen = last, 0
    while True:
        if calendar.is_workday(day):
            seen += 1
            if seen == n:
                return day
        day -= dt.timedelta(days=1)


def offsets(
    rule: ReminderRule,
    start: dt.datetime,
    deadline: dt.datetime,
    calendar: WorkdayCalendar,
    spec: NotificationsSpec,
) -> list[Offset]:
    final = last_day(deadline)
    stamp = rule.at.strftime("%H:%M")
    raw: list[tuple[str, dt.datetime]] = [
        (f"d-{d}@{stamp}", at(final - dt.timedelta(days=d), rule.at)) for d in rule.days_before
    ]
    raw += [
        (f"w-{n}@{stamp}", at(workdays_back(calendar, final, n), rule.at))
        for n in rule.workdays_before
    ]
    if rule.daily:
        day = beijing(start).date()
        while day <= final:
            raw.append((f"daily-{day.isoformat()}@{stamp}", at(day, rule.at)))
            day += dt.timedelta(days=1)
    return [
        Offset(key, outside_quiet_hours(due, deadline, spec)) for key, due in raw if due < deadline
    ]


def committee_window(key: str, first: dt.date, last: dt.date) -> ReminderWindow:
    return ReminderWindow(f"committee:{key}", at(first, dt.time(0, 0)), day_end(last))


def filing_window(key: str, due_last_day: dt.date) -> ReminderWindow:
    deadline = day_end(due_last_day)
    return ReminderWindow(f"filing:{key}", deadline - FILING_LEAD, deadline)


def phase_window(plan: Plan, key: str) -> ReminderWindow | None:
    phase = plan.phase(key) if plan.has(key) else None
    if phase is None or phase.start is None or phase.end is None:
        return None
    return ReminderWindow(key, phase.start, phase.end)


def reminder_windows(rule: ReminderRule, plan: Plan) -> list[ReminderWindow]:
    """The spans a rule's offsets count in, as planned: a phase, each committee's review
    window, or each filing item's deadline."""
    if rule.audience == "committee":
        return [
            committee_window(c.key, c.window_start, c.window_last_day)
            for c in plan.committees
            if c.window_start and c.window_last_day
        ]
    if rule.audience == "filing":
        return [filing_window(f.key, f.due_last_day) for f in plan.filing if f.due_last_day]
    window = phase_window(plan, rule.phase)
    return [window] if window is not None else []


def notification_schedule(plan: Plan, calendar: WorkdayCalendar) -> list[Due]:
    """Every instant at which a reminder (filing reminders included) or an escalation step
    falls due for the planned cycle, in time order."""
    spec = plan.spec.notifications
    if spec is None:
        return []
    out = [
        Due(offset.due, rule.kind, offset.key, window.subject, window.deadline)
        for rule in spec.reminders
        for window in reminder_windows(rule, plan)
        for offset in offsets(rule, window.start, window.deadline, calendar, spec)
    ]
    escalation = spec.escalation
    if escalation is not None and plan.has(escalation.phase):
        deadline = plan.phase(escalation.phase).end
        if deadline is not None:
            out += [
                Due(
                    deadline + dt.timedelta(hours=step.offset_hours),
                    "escalation",
                    f"step{number}",
                    escalation.phase,
                    deadline,
                )
                for number, step in enumerate(escalation.steps, start=1)
            ]
    return sorted(out)
