"""Every instant at which something is due for a cycle, from its plan, the working-day
calendar and the committees' planned meetings alone (no database, no Prefect): the phase
boundaries, each reminder (after quiet-hour shifting), each escalation step and the morning
its message is held to, filing deadlines and the morning their overdue message goes out, and
the end of every publicity. ``launch`` schedules a run at each, the rehearsal drives the same
list; the 00:30 daily run only catches up what a missed run left."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pendulum

from calendars.beijing import beijing
from calendars.cyclefile import TOP_LEVEL_PHASES, NotificationsSpec
from calendars.plan import Plan
from calendars.workdays import WorkdayCalendar, day_end
from notifications.schedule import notification_schedule, outside_quiet_hours

# What is due, in the order a run at a shared instant is named after (a boundary first).
KINDS = (
    "boundary",
    "escalation",
    "filing_deadline",
    "filing_overdue",
    "result_publicity_end",
    "unit_publicity_end",
    "reminder",
    "delivery",
)
_RANK = {kind: i for i, kind in enumerate(KINDS)}
# An overdue filing message has no deadline of its own: the morning after is always fine.
_NO_DEADLINE = dt.timedelta(days=365)


def utc(instant: dt.datetime) -> pendulum.DateTime:
    return pendulum.instance(instant).in_timezone("UTC")


def stamp(instant: dt.datetime) -> str:
    """The instant in keys (``20241020T1600Z``), as models.cycle.boundary_key writes it."""
    return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")


@dataclass(frozen=True, order=True)
class Entry:
    """One thing due at ``at`` (UTC): ``what`` names it within its kind
    (``declaration.close``, ``declaration_draft:declaration:d-3@09:00``, ``gs-01``)."""

    at: pendulum.DateTime
    rank: int = field(repr=False)
    kind: str
    what: str
    # The deadline a quiet-hour shift may not pass (reminders, escalation messages).
    deadline: dt.datetime | None = field(default=None, compare=False)


def entry(at: dt.datetime, kind: str, what: str, deadline: dt.datetime | None = None) -> Entry:
    return Entry(utc(at), _RANK[kind], kind, what, deadline)


@dataclass(frozen=True)
class Run:
    """One run of the phase flow: one per boundary (as the boundary runs always were), and
    one per other instant that no boundary shares, named after the first thing due then."""

    at: pendulum.DateTime
    kind: str
    what: str

    @property
    def boundary(self) -> bool:
        return self.kind == "boundary"

    @property
    def phase(self) -> str:
        """The phase flow's ``phase`` parameter: the boundary's slug, else the kind."""
        text = self.what.replace(".", "-") if self.boundary else self.kind
        return text.replace("_", "-")

    @property
    def label(self) -> str:
        """What the run is for, as people read it: a boundary as its stored key
        (``declaration.close@20241020T1600Z``), else ``kind:what@stamp``."""
        if self.boundary:
            return f"{self.what}@{stamp(self.at)}"
        return f"{self.kind}:{self.what}@{stamp(self.at)}"

    def key(self, cycle_id: str) -> str:
        """The idempotency key: stable across reruns, new when the instant moves."""
        if self.boundary:
            phase, _, edge = self.what.partition(".")
            return f"{cycle_id}-{phase}-{edge}-{stamp(self.at)}"
        return f"{cycle_id}-{self.kind}-{self.what}-{stamp(self.at)}"

    def tags(self, cycle_id: str) -> list[str]:
        tags = [f"cycle:{cycle_id}", f"kind:{self.kind}"]
        if self.boundary:
            tags.append(f"boundary:{self.what}")
        return tags


def boundaries(plan: Plan) -> list[Entry]:
    """Open and close of every top-level phase, keyed as tasks.events keys them."""
    out = []
    for phase in plan.phases:
        if phase.parent is not None or phase.key not in TOP_LEVEL_PHASES:
            continue
        if phase.start is not None:
            out.append(entry(phase.start, "boundary", f"{phase.key}.open"))
        if phase.end is not None:
            out.append(entry(phase.end, "boundary", f"{phase.key}.close"))
    return out


def notifications(plan: Plan, calendar: WorkdayCalendar, spec: NotificationsSpec) -> list[Entry]:
    """Reminders at their (shifted) instant; an escalation step when it is written, and again
    at the end of the quiet hours when its message is held until then."""
    out = []
    for due in notification_schedule(plan, calendar):
        if due.kind != "escalation":
            what = f"{due.kind}:{due.subject}:{due.offset}"
            out.append(entry(due.at, "reminder", what, due.deadline))
            continue
        what = f"{due.subject}.{due.offset}"
        out.append(entry(due.at, "escalation", what, due.deadline))
        sent = outside_quiet_hours(due.at, due.at + _NO_DEADLINE, spec)
        if sent != due.at:
            out.append(entry(sent, "delivery", f"escalation:{what}", due.deadline))
    return out


def filing(plan: Plan, spec: NotificationsSpec | None) -> list[Entry]:
    """Each item's deadline (24:00 of its last day), and the instant its overdue message is
    sent: the deadline, or the end of the quiet hours it falls in."""
    out = []
    for item in plan.filing:
        if item.due_last_day is None:
            continue
        deadline = day_end(item.due_last_day)
        out.append(entry(deadline, "filing_deadline", item.key))
        if spec is not None:
            sent = outside_quiet_hours(deadline, deadline + _NO_DEADLINE, spec)
            out.append(entry(sent, "filing_overdue", item.key))
    return out


def unit_publicity_ends(plan: Plan, calendar: WorkdayCalendar) -> list[Entry]:
    """A unit's publicity opens at the first run after it recommends, on any day of the unit
    publicity window up to the day its closing instant falls on, and lasts the cycle's
    working days (models.services.unit_publicity_end): every end those days can give."""
    workdays = plan.spec.policy.unit_publicity_min_workdays
    window = plan.phase("unit_publicity") if plan.has("unit_publicity") else None
    if workdays is None or window is None or window.start is None or window.end is None:
        return []
    day, last = beijing(window.start).date(), beijing(window.end).date()
    ends = set()
    while day <= last:
        ends.add(day_end(calendar.add_workdays(day, workdays)))
        day += dt.timedelta(days=1)
    return [entry(end, "unit_publicity_end", "unit_publicity") for end in ends]


def result_publicity_ends(plan: Plan, meetings: Mapping[str, dt.date]) -> list[Entry]:
    """A committee records its verdicts on its meeting day; result publicity then runs the
    cycle's number of days from the next day (models.services.record_result)."""
    days = plan.spec.policy.result_publicity_min_days
    if days is None:
        return []
    return [
        entry(day_end(day + dt.timedelta(days=days)), "result_publicity_end", key)
        for key, day in meetings.items()
    ]


def planned_meetings(plan: Plan) -> dict[str, dt.date]:
    """The meetings the cycle file itself dates (a committee's plan in force overrides them)."""
    return {c.key: c.meeting for c in plan.committees if c.meeting is not None}


def cycle_schedule(
    plan: Plan, calendar: WorkdayCalendar, meetings: Mapping[str, dt.date]
) -> list[Entry]:
    """Everything due for the cycle, in time order, each once. ``meetings`` are the planned
    meeting days by committee key."""
    spec = plan.spec.notifications
    entries = boundaries(plan)
    if spec is not None:
        entries += notifications(plan, calendar, spec)
    entries += filing(plan, spec)
    entries += unit_publicity_ends(plan, calendar)
    entries += result_publicity_ends(plan, meetings)
    return sorted(set(entries))


def runs(entries: list[Entry]) -> list[Run]:
    """The phase-flow runs that carry out ``entries``: a run does everything due by its
    instant, so one run per instant is enough, except that each boundary keeps its own."""
    out: list[Run] = []
    taken: set[pendulum.DateTime] = set()
    for item in sorted(entries):  # boundaries sort first at their instant
        if item.kind == "boundary":
            out.append(Run(item.at, item.kind, item.what))
            taken.add(item.at)
        elif item.at not in taken:
            out.append(Run(item.at, item.kind, item.what))
            taken.add(item.at)
    return out
