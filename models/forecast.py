"""A forecast of the deadline ahead: while the declaration or unit review is open, how many of
the applications still waiting on it will miss its deadline, per unit and city.

Three parts, kept apart: ``project`` is the pure forecasting function (counts in, projection
out, ``now`` given — no clock, no database); ``pace`` and ``previous_survival`` read the
counts it needs from the audit trail, set-based (one grouped query each, as of any instant);
``ForecastEvaluation`` stores each evaluation the sweep makes at the schedule's reminder
instants, so the story page can set it against what happened.

The method (README, "A forecast of the deadline ahead"): an item waiting now is late unless it
leaves the waiting states before the deadline. The share of waiting items that still wait at
the deadline is read from the same region's previous cycle at the same fraction of the window
elapsed (its waiting count at the deadline over its waiting count then), or, without one, from
the current curve: the share that left in the last ``window`` hours, held constant to the
deadline. Each unit's own pace scales it (proportional hazards): a unit that moved fewer items
than the pooled share predicts keeps more of them waiting, shrunk toward the pool by ``prior``
expected departures so that a small unit is not judged on one application (benchmarks/
forecast.py chose 2: at 1 item the unit factor made the forecast worse, beyond 2 it fades)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    String,
    UniqueConstraint,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
)
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col

from models.application import Application, AuditEvent
from models.asof import of_cycle_range
from models.cycle import Cycle, Phase
from models.org import Organisation
from models.states import ACTIONS, Status
from models.timeutil import UTCDateTime

# The phases whose close marks what still waits as missed, and the action that does it
# (tasks.boundaries.CLOSERS): what "waiting" means is that action's source states.
CLOSING_ACTION = {"declaration": "expire", "unit_review": "not_recommend"}
WAITING: dict[str, frozenset[Status]] = {
    phase: ACTIONS[action][0] for phase, action in CLOSING_ACTION.items()
}
# How far back the current curve's pace is read (a property of the method, not a policy:
# benchmarks/forecast.py measures it).
WINDOW = dt.timedelta(hours=72)


class ForecastEvaluation(SQLModel, table=True):
    """One evaluation of one phase's forecast, as of one reminder instant of the schedule."""

    __tablename__ = "forecast_evaluation"
    __table_args__ = (UniqueConstraint("cycle_id", "phase", "at", name="uq_forecast_instant"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(sa_column=Column(String(80), nullable=False, index=True))
    phase: str
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    deadline: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    made_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    method: str  # previous_cycle | current_curve
    previous_cycle: str | None = None
    elapsed: float  # fraction of the window elapsed at ``at``
    waiting: int  # waiting at ``at``: the naive baseline's "late"
    projected: float  # projected to miss the deadline
    escalated: int = 0  # units escalated early for this evaluation
    # {"units": {unit_id: [city_code, total, waiting, projected]}, "cities": {code: [w, p]}}
    detail: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


# ---------------------------------------------------------------- the pure function


@dataclass(frozen=True)
class UnitPace:
    """One unit's counts for one phase as of ``now``: ``total`` in the phase (waiting now or
    left it already), ``waiting`` now, and over the last window: ``exposed`` (waiting at its
    start or arriving within it) and ``left`` (left the waiting states within it)."""

    unit_id: int
    city_code: str
    total: int
    waiting: int
    exposed: int
    left: int


@dataclass(frozen=True)
class UnitForecast:
    unit_id: int
    city_code: str
    total: int
    waiting: int
    projected: float

    @property
    def share(self) -> float:
        """The projected shortfall as a share of the unit's applications in the phase."""
        return self.projected / self.total if self.total else 0.0


@dataclass(frozen=True)
class Forecast:
    method: str
    elapsed: float
    survival: float  # the pooled share of waiting items still waiting at the deadline
    units: list[UnitForecast] = field(default_factory=list)  # most at risk first

    @property
    def waiting(self) -> int:
        return sum(u.waiting for u in self.units)

    @property
    def projected(self) -> float:
        return sum(u.projected for u in self.units)

    def cities(self) -> dict[str, tuple[int, float]]:
        out: dict[str, tuple[int, float]] = {}
        for u in self.units:
            w, p = out.get(u.city_code, (0, 0.0))
            out[u.city_code] = (w + u.waiting, p + u.projected)
        return dict(sorted(out.items(), key=lambda kv: (-kv[1][1], kv[0])))


def elapsed_fraction(now: dt.datetime, start: dt.datetime, deadline: dt.datetime) -> float:
    span = (deadline - start).total_seconds()
    return min(max((now - start).total_seconds() / span, 0.0), 1.0) if span > 0 else 1.0


def project(
    now: dt.datetime,
    start: dt.datetime,
    deadline: dt.datetime,
    units: Sequence[UnitPace],
    *,
    window: dt.timedelta,
    previous: float | None = None,
    prior: float = 2.0,
) -> Forecast:
    """How many of each unit's waiting items will still wait at ``deadline``.

    ``previous``: the previous cycle's survival from this fraction of its window to its
    deadline (``previous_survival``), or None to extrapolate the current curve: the pooled
    share that left over ``window`` (the last one before ``now``) continues at that rate."""
    elapsed = elapsed_fraction(now, start, deadline)
    remaining = max((deadline - now).total_seconds(), 0.0)
    exposed = sum(u.exposed for u in units)
    left = sum(u.left for u in units)
    pooled = left / exposed if exposed else 0.0  # share leaving per window
    if remaining == 0:
        survival, method = 1.0, "deadline"
    elif previous is not None:
        survival, method = min(max(previous, 0.0), 1.0), "previous_cycle"
    else:
        windows = remaining / window.total_seconds()
        survival = (1.0 - min(pooled, 1.0)) ** windows
        method = "current_curve"
    out = []
    for u in units:
        expected = u.exposed * pooled
        pace = (u.left + prior) / (expected + prior) if pooled > 0 and expected + prior else 1.0
        unit_survival = survival**pace if survival > 0 else 0.0
        out.append(
            UnitForecast(u.unit_id, u.city_code, u.total, u.waiting, u.waiting * unit_survival)
        )
    out.sort(key=lambda f: (-f.projected, -f.share, f.unit_id))
    return Forecast(method, elapsed, survival, out)


def escalation_candidates(forecast: Forecast, share: float | None) -> list[UnitForecast]:
    """Units whose projected shortfall reaches ``share`` of their applications in the phase
    (the cycle file's ``forecast_escalation_share``; None: never)."""
    if share is None:
        return []
    return [u for u in forecast.units if u.waiting > 0 and u.share >= share]


# ---------------------------------------------------------------- counts from the audit trail


def _status_as_of(cycle_id: str, at: dt.datetime) -> Any:
    """Each application of the cycle that existed at ``at``, with its status then: the target
    of its last audit row up to ``at``, or a draft before any."""
    last = (
        sa_select(
            col(AuditEvent.application_id).label("app"), func.max(col(AuditEvent.id)).label("id")
        )
        .where(of_cycle_range(cycle_id), col(AuditEvent.at) <= at)
        .group_by(col(AuditEvent.application_id))
        .subquery()
    )
    status = func.coalesce(col(AuditEvent.to_status), Status.draft.value).label("status")
    return (
        sa_select(
            col(Application.id).label("id"),
            col(Application.unit_id).label("unit_id"),
            col(Application.city_code).label("city_code"),
            status,
        )
        .select_from(Application)
        .join(last, last.c.app == col(Application.id), isouter=True)
        .join(AuditEvent, col(AuditEvent.id) == last.c.id, isouter=True)
        .where(col(Application.cycle_id) == cycle_id, col(Application.created_at) <= at)
        .subquery()
    )


def _status_now(cycle_id: str, at: dt.datetime) -> Any:
    """``_status_as_of`` when nothing was recorded after ``at``: the stored status (each
    status change writes its audit row, so the last row's target is the status), read from
    the status index rather than the whole trail."""
    return (
        sa_select(
            col(Application.id).label("id"),
            col(Application.unit_id).label("unit_id"),
            col(Application.city_code).label("city_code"),
            col(Application.status).label("status"),
        )
        .where(col(Application.cycle_id) == cycle_id, col(Application.created_at) <= at)
        .subquery()
    )


def nothing_after(session: Session, cycle_id: str, at: dt.datetime) -> bool:
    """Whether the cycle's audit trail ends at or before ``at`` (a sweep at the instant it
    evaluates; not a late run catching up an earlier one)."""
    # max(at) from the end of ix_audit_event_cycle_at: an EXISTS on at > T was planned as a
    # scan of the table (models.asof)
    last = session.execute(
        sa_select(func.max(col(AuditEvent.at))).where(col(AuditEvent.cycle_id) == cycle_id)
    ).scalar()
    return last is None or last <= at


def waiting_as_of(
    session: Session,
    cycle_id: str,
    phase: str,
    at: dt.datetime,
    where: ColumnElement[bool] | None = None,
    *,
    current: bool = False,
) -> dict[tuple[int, str], int]:
    """Waiting on ``phase`` as of ``at``, by (unit, city): one grouped query. ``where`` narrows
    over ``Organisation`` (the unit). ``current``: nothing was recorded after ``at``
    (``nothing_after``), so the stored statuses are those as of ``at``."""
    states = sorted(s.value for s in WAITING[phase])
    rows = _status_now(cycle_id, at) if current else _status_as_of(cycle_id, at)
    stmt = (
        sa_select(rows.c.unit_id, rows.c.city_code, func.count())
        .where(rows.c.status.in_(states))
        .group_by(rows.c.unit_id, rows.c.city_code)
    )
    if where is not None:
        stmt = stmt.join(Organisation, col(Organisation.id) == rows.c.unit_id).where(where)
    return {(unit, city): n for unit, city, n in session.execute(stmt)}


def _crossings(phase: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """An audit row that leaves the phase's waiting states, and one that enters them."""
    states = sorted(s.value for s in WAITING[phase])
    source_in = col(AuditEvent.from_status).in_(states)
    target_in = col(AuditEvent.to_status).in_(states)
    return and_(source_in, ~target_in), and_(~source_in, target_in)


def _moves(
    session: Session,
    cycle_id: str,
    phase: str,
    since: dt.datetime | None,
    until: dt.datetime,
    into: bool,
    where: ColumnElement[bool] | None,
) -> dict[tuple[int, str], int]:
    """Audit rows in (since, until] that left the waiting states (``into``: entered them),
    by (unit, city); with ``into`` and no ``since``, every application ever in the phase."""
    out_of, entered = _crossings(phase)
    moved = entered if into else out_of
    counted = (
        func.count(func.distinct(col(AuditEvent.application_id))) if since is None else func.count()
    )
    stmt = (
        sa_select(col(Application.unit_id), col(Application.city_code), counted)
        .select_from(AuditEvent)
        .join(Application, col(Application.id) == col(AuditEvent.application_id))
        .where(col(AuditEvent.cycle_id) == cycle_id, moved, col(AuditEvent.at) <= until)
        .where(col(AuditEvent.action) != CLOSING_ACTION[phase])
        .group_by(col(Application.unit_id), col(Application.city_code))
    )
    if since is not None:
        stmt = stmt.where(col(AuditEvent.at) > since)
    if where is not None:
        stmt = stmt.join(Organisation, col(Organisation.id) == col(Application.unit_id)).where(
            where
        )
    return {(unit, city): n for unit, city, n in session.execute(stmt)}


def pace(
    session: Session,
    cycle_id: str,
    phase: str,
    now: dt.datetime,
    window: dt.timedelta,
    where: ColumnElement[bool] | None = None,
    *,
    trail: bool = False,
) -> list[UnitPace]:
    """Every unit's counts for ``project`` as of ``now``, from the audit trail (five grouped
    queries, whatever the number of units). When nothing was recorded after ``now`` (a sweep
    at its own instant) nothing needs the whole trail: the counts are carried on from the
    latest stored evaluation by what happened since (``_since_stored``), or, without one (or
    narrowed by ``where``), read from the stored statuses and the window's events
    (``_window_now``); ``trail`` reads the trail even then (tests compare)."""
    since = now - window
    current = not trail and nothing_after(session, cycle_id, now)
    stored = None
    if current and where is None:
        stored = _since_stored(session, cycle_id, phase, now, since)
    if stored is not None:
        waiting, before, left, arrived, ever = stored
    elif current:
        waiting, before, left, arrived = _window_now(session, cycle_id, phase, now, since, where)
        ever = _left_ever(session, cycle_id, phase, now, where, current)
    else:
        waiting = waiting_as_of(session, cycle_id, phase, now, where)
        before = waiting_as_of(session, cycle_id, phase, since, where)
        left = _moves(session, cycle_id, phase, since, now, False, where)
        arrived = _moves(session, cycle_id, phase, since, now, True, where)
        ever = _left_ever(session, cycle_id, phase, now, where)
    keys = set(waiting) | set(before) | set(left) | set(arrived) | set(ever)
    return [
        UnitPace(
            unit_id=unit,
            city_code=city,
            total=waiting.get((unit, city), 0) + ever.get((unit, city), 0),
            waiting=waiting.get((unit, city), 0),
            exposed=before.get((unit, city), 0) + arrived.get((unit, city), 0),
            left=left.get((unit, city), 0),
        )
        for unit, city in sorted(keys)
    ]


Counts = dict[tuple[int, str], int]


def _counts(rows: Iterable[Any]) -> Counts:
    """(unit, city, n) rows as a dict without the zeros (a grouped count has none)."""
    return {(unit, city): n for unit, city, n in rows if n}


def _window_now(
    session: Session,
    cycle_id: str,
    phase: str,
    now: dt.datetime,
    since: dt.datetime,
    where: ColumnElement[bool] | None,
) -> tuple[Counts, Counts, Counts, Counts]:
    """``pace``'s waiting (at ``now``), before (at ``since``), left and arrived when nothing
    was recorded after ``now``, in two grouped queries: the stored statuses, and the events
    of the window (``ix_audit_event_cycle_at``) — not the cycle's whole trail. Waiting at
    ``since`` is waiting now among the applications that existed then, plus what left
    since, minus what entered since (the trail chains: each event's from-status is the
    to-status before it, so an application's net flow out over the window is 1 if it
    waited at ``since`` and not now, -1 the other way round, 0 otherwise)."""
    states = sorted(s.value for s in WAITING[phase])
    existed = col(Application.created_at) <= since
    stored = (
        sa_select(
            col(Application.unit_id),
            col(Application.city_code),
            func.count(),
            func.count().filter(existed),
        )
        .where(
            col(Application.cycle_id) == cycle_id,
            col(Application.status).in_(states),
            col(Application.created_at) <= now,
        )
        .group_by(col(Application.unit_id), col(Application.city_code))
    )
    out_of, into = _crossings(phase)
    counted = col(AuditEvent.action) != CLOSING_ACTION[phase]
    flows = (
        sa_select(
            col(Application.unit_id),
            col(Application.city_code),
            func.count().filter(and_(out_of, counted)),
            func.count().filter(and_(into, counted)),
            func.sum(case((~existed, 0), (out_of, 1), (into, -1), else_=0)),
        )
        .select_from(AuditEvent)
        .join(Application, col(Application.id) == col(AuditEvent.application_id))
        .where(
            col(AuditEvent.cycle_id) == cycle_id,
            col(AuditEvent.at) > since,
            col(AuditEvent.at) <= now,
        )
        .group_by(col(Application.unit_id), col(Application.city_code))
    )
    if where is not None:
        unit = col(Organisation.id) == col(Application.unit_id)
        stored = stored.join(Organisation, unit).where(where)
        flows = flows.join(Organisation, unit).where(where)
    stored_rows = list(session.execute(stored))
    flow_rows = list(session.execute(flows))
    waiting = _counts((u, c, n) for u, c, n, _ in stored_rows)
    before = {(u, c): then for u, c, _, then in stored_rows}
    for u, c, _, _, back in flow_rows:
        before[(u, c)] = before.get((u, c), 0) + int(back or 0)
    left = _counts((u, c, n) for u, c, n, _, _ in flow_rows)
    arrived = _counts((u, c, n) for u, c, _, n, _ in flow_rows)
    return waiting, _counts((u, c, n) for (u, c), n in before.items()), left, arrived


def _since_stored(
    session: Session, cycle_id: str, phase: str, now: dt.datetime, since: dt.datetime
) -> tuple[Counts, Counts, Counts, Counts, Counts] | None:
    """``pace``'s waiting, before, left, arrived and ``_left_ever`` at ``now`` (nothing
    recorded after it) from the latest evaluation stored at or before ``now`` — its units'
    waiting and total — and what happened since then or since ``since``, whichever is
    earlier: the events in between (``ix_audit_event_cycle_at``), the applications created
    in between (a draft waits on the declaration without an event), and, for
    ``_left_ever``, the applications with an event since then, each counted as it is now
    less as it was then. The other applications are where they were. By the chain of the
    trail, an application's net flow into the waiting states over a span (events into them
    less events out of them, plus 1 if it was created within the span as a waiting draft)
    is whether it waits at the end less whether it waited at the start: so the count then
    plus the net flows gives the count now, and the count now less the window's gives the
    count at its start. None without a stored evaluation, or where an application's city
    is not the one stored for its unit (the detail is by unit): then the statuses are read."""
    found = session.execute(
        sa_select(col(ForecastEvaluation.at), col(ForecastEvaluation.detail))
        .where(
            col(ForecastEvaluation.cycle_id) == cycle_id,
            col(ForecastEvaluation.phase) == phase,
            col(ForecastEvaluation.at) <= now,
        )
        .order_by(col(ForecastEvaluation.at).desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    then, detail = found
    city_of: dict[int, str] = {}
    waiting: Counts = {}
    ever: Counts = {}
    for unit, (city, total, waited, _) in detail["units"].items():
        city_of[int(unit)] = city
        waiting[(int(unit), city)] = waited
        ever[(int(unit), city)] = total - waited
    before: Counts = {}
    left: Counts = {}
    arrived: Counts = {}
    changes = [
        *session.execute(_flows_since(cycle_id, phase, then, since, now)),
        *session.execute(_ever_changed(cycle_id, phase, then, now)),
    ]
    if Status.draft in WAITING[phase]:
        changes += session.execute(_created_since(cycle_id, then, since, now))
    for unit, city, *_ in changes:
        if city_of.setdefault(unit, city) != city:
            return None
    for unit, city, into_then, into_since, out, came, ever_now, ever_then in changes:
        key = (unit, city)
        waiting[key] = waiting.get(key, 0) + int(into_then or 0)
        before[key] = before.get(key, 0) - int(into_since or 0)
        left[key] = left.get(key, 0) + out
        arrived[key] = arrived.get(key, 0) + came
        ever[key] = ever.get(key, 0) + int(ever_now or 0) - int(ever_then or 0)
    for key, n in waiting.items():
        before[key] = before.get(key, 0) + n
    figures = (waiting, before, left, arrived, ever)
    if any(n < 0 for counts in figures for n in counts.values()):
        return None
    waiting, before, left, arrived, ever = (_nonzero(counts) for counts in figures)
    return waiting, before, left, arrived, ever


def _nonzero(counts: Counts) -> Counts:
    return {key: n for key, n in counts.items() if n}


def _flows_since(
    cycle_id: str, phase: str, then: dt.datetime, since: dt.datetime, now: dt.datetime
) -> Any:
    """By (unit, city), over the events after ``then`` or ``since`` up to ``now``: the net flow
    into the waiting states since ``then`` and since ``since``, and since ``since`` the
    departures and arrivals ``_moves`` counts (in ``_since_stored``'s column order)."""
    out_of, into = _crossings(phase)
    net = case((into, 1), (out_of, -1), else_=0)
    after_then, after_since = col(AuditEvent.at) > then, col(AuditEvent.at) > since
    counted = and_(after_since, col(AuditEvent.action) != CLOSING_ACTION[phase])
    return (
        sa_select(
            col(Application.unit_id),
            col(Application.city_code),
            func.sum(case((after_then, net), else_=0)),
            func.sum(case((after_since, net), else_=0)),
            func.count().filter(and_(counted, out_of)),
            func.count().filter(and_(counted, into)),
            literal(0),
            literal(0),
        )
        .select_from(AuditEvent)
        .join(Application, col(Application.id) == col(AuditEvent.application_id))
        .where(
            col(AuditEvent.cycle_id) == cycle_id,
            col(AuditEvent.at) > min(then, since),
            col(AuditEvent.at) <= now,
            # every figure above is 0 for an event that neither leaves nor enters the waiting
            # states: those are not joined to their applications (most of a window's events)
            or_(out_of, into),
        )
        .group_by(col(Application.unit_id), col(Application.city_code))
    )


def _created_since(cycle_id: str, then: dt.datetime, since: dt.datetime, now: dt.datetime) -> Any:
    """By (unit, city): the applications created after ``then`` and after ``since`` up to
    ``now`` (each a draft before its first event), in ``_since_stored``'s column order."""
    created = col(Application.created_at)
    return (
        sa_select(
            col(Application.unit_id),
            col(Application.city_code),
            func.count().filter(created > then),
            func.count().filter(created > since),
            literal(0),
            literal(0),
            literal(0),
            literal(0),
        )
        .where(
            col(Application.cycle_id) == cycle_id,
            created > min(then, since),
            created <= now,
        )
        .group_by(col(Application.unit_id), col(Application.city_code))
    )


def _ever_changed(cycle_id: str, phase: str, then: dt.datetime, now: dt.datetime) -> Any:
    """For the applications with an event in (``then``, ``now``], by (unit, city): how many
    ``_left_ever`` counts at ``now`` and how many it counted at ``then`` — each read from
    that application's own events (``ix_audit_event_trail``) — in ``_since_stored``'s column
    order."""
    states = sorted(s.value for s in WAITING[phase])
    app = SQLModel.metadata.tables["application"]
    # an IN list, not a DISTINCT derived table: SQLite read that one in application order
    # from the trail index, the cycle's every event, instead of the window's
    # an application whose events since ``then`` all stay outside the waiting states (or all
    # inside) has the same ``_left_ever`` then as now: only the others are read
    moved = sa_select(col(AuditEvent.application_id)).where(
        col(AuditEvent.cycle_id) == cycle_id,
        col(AuditEvent.at) > then,
        col(AuditEvent.at) <= now,
        or_(*_crossings(phase)),
    )

    def events(bound: dt.datetime, name: str) -> Any:
        e = SQLModel.metadata.tables["audit_event"].alias(name)
        return e, [e.c.application_id == app.c.id, e.c.at <= bound]

    def touched(bound: dt.datetime, name: str) -> Any:
        e, by = events(bound, name)
        waited = or_(e.c.from_status.in_(states), e.c.to_status.in_(states))
        return exists(sa_select(literal(1)).where(*by, waited)).correlate(app)

    # the status at ``then`` as _status_as_of reads it: its last event's (highest id) target.
    # Ordered by ``id + 0``, which no index serves: PostgreSQL, its statistics taken before
    # the trail grew, otherwise walked the primary key backwards through every event of the
    # database for each application (20,000 simulated: 38 s for one forecast; 100,000: most
    # of 1,000 s), instead of the application's few events by ix_audit_event_trail.
    last, by = events(then, "last")
    status_then = func.coalesce(
        sa_select(last.c.to_status)
        .where(*by)
        .order_by((last.c.id + 0).desc())
        .limit(1)
        .correlate(app)
        .scalar_subquery(),
        Status.draft.value,
    )
    now_in = and_(app.c.created_at <= now, ~app.c.status.in_(states), touched(now, "touched_now"))
    then_in = and_(
        app.c.created_at <= then, ~status_then.in_(states), touched(then, "touched_then")
    )
    return (
        sa_select(
            app.c.unit_id,
            app.c.city_code,
            literal(0),
            literal(0),
            literal(0),
            literal(0),
            func.sum(case((now_in, 1), else_=0)),
            func.sum(case((then_in, 1), else_=0)),
        )
        .where(app.c.id.in_(moved))
        .group_by(app.c.unit_id, app.c.city_code)
    )


def _left_ever(
    session: Session,
    cycle_id: str,
    phase: str,
    now: dt.datetime,
    where: ColumnElement[bool] | None,
    current: bool = False,
) -> dict[tuple[int, str], int]:
    """Applications not waiting now that had been waiting on the phase (a draft that was
    submitted, a submission that was recommended) by ``now``; ``current`` as for
    ``waiting_as_of`` (then every audit row is at or before ``now``)."""
    states = sorted(s.value for s in WAITING[phase])
    rows = _status_now(cycle_id, now) if current else _status_as_of(cycle_id, now)
    touched = or_(col(AuditEvent.from_status).in_(states), col(AuditEvent.to_status).in_(states))
    was_waiting = (
        sa_select(col(AuditEvent.application_id))
        .where(
            col(AuditEvent.cycle_id) == cycle_id,
            touched if current else and_(col(AuditEvent.at) <= now, touched),
        )
        .scalar_subquery()
    )
    stmt = (
        sa_select(rows.c.unit_id, rows.c.city_code, func.count())
        .where(~rows.c.status.in_(states), rows.c.id.in_(was_waiting))
        .group_by(rows.c.unit_id, rows.c.city_code)
    )
    if where is not None:
        stmt = stmt.join(Organisation, col(Organisation.id) == rows.c.unit_id).where(where)
    return {(unit, city): n for unit, city, n in session.execute(stmt)}


def window_of(session: Session, cycle_id: str, phase: str) -> tuple[dt.datetime, dt.datetime]:
    row = session.execute(
        sa_select(col(Phase.start), col(Phase.end)).where(
            col(Phase.cycle_id) == cycle_id, col(Phase.key) == phase
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        raise LookupError(f"{cycle_id} 没有 {phase} 阶段的起止时间")
    return row[0], row[1]


def previous_cycle(session: Session, cycle_id: str) -> str | None:
    """The same region's latest cycle of an earlier year in the database, if any."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return None
    found = session.execute(
        sa_select(col(Cycle.id))
        .where(col(Cycle.region_code) == cycle.region_code, col(Cycle.year) < cycle.year)
        .order_by(col(Cycle.year).desc(), col(Cycle.launched_at).desc())
        .limit(1)
    ).scalar()
    return str(found) if found is not None else None


def previous_survival(session: Session, cycle_id: str, phase: str, elapsed: float) -> float | None:
    """In cycle ``cycle_id`` (a previous one), the share of the items waiting on ``phase`` at
    ``elapsed`` of its window that still waited at its deadline; None if nothing waited."""
    try:
        start, deadline = window_of(session, cycle_id, phase)
    except LookupError:
        return None
    then = start + (deadline - start) * elapsed
    before_close = deadline - dt.timedelta(microseconds=1)
    waiting_then = sum(waiting_as_of(session, cycle_id, phase, then).values())
    if waiting_then == 0:
        return None
    at_close = sum(waiting_as_of(session, cycle_id, phase, before_close).values())
    return at_close / waiting_then


def missed(
    session: Session, cycle_id: str, phase: str, where: ColumnElement[bool] | None = None
) -> dict[tuple[int, str], int]:
    """What the phase's close actually marked missed, by (unit, city)."""
    stmt = (
        sa_select(col(Application.unit_id), col(Application.city_code), func.count())
        .select_from(AuditEvent)
        .join(Application, col(Application.id) == col(AuditEvent.application_id))
        .where(
            col(AuditEvent.cycle_id) == cycle_id,
            col(AuditEvent.action) == CLOSING_ACTION[phase],
        )
        .group_by(col(Application.unit_id), col(Application.city_code))
    )
    if where is not None:
        stmt = stmt.join(Organisation, col(Organisation.id) == col(Application.unit_id)).where(
            where
        )
    return {(unit, city): n for unit, city, n in session.execute(stmt)}


def forecast_as_of(
    session: Session,
    cycle_id: str,
    phase: str,
    now: dt.datetime,
    window: dt.timedelta,
    *,
    use_previous: bool = True,
    where: ColumnElement[bool] | None = None,
) -> tuple[Forecast, str | None]:
    """The forecast of ``phase`` as it stood at ``now`` (and the previous cycle it used)."""
    start, deadline = window_of(session, cycle_id, phase)
    units = pace(session, cycle_id, phase, now, window, where)
    earlier = previous_cycle(session, cycle_id) if use_previous else None
    survival = None
    if earlier is not None:
        survival = previous_survival(
            session, earlier, phase, elapsed_fraction(now, start, deadline)
        )
        if survival is None:
            earlier = None
    return project(now, start, deadline, units, window=window, previous=survival), earlier


def detail_of(forecast: Forecast) -> dict[str, Any]:
    return {
        "units": {
            str(u.unit_id): [u.city_code, u.total, u.waiting, round(u.projected, 3)]
            for u in forecast.units
        },
        "cities": {code: [w, round(p, 3)] for code, (w, p) in forecast.cities().items()},
    }


def stored_evaluations(
    session: Session, cycle_id: str, phase: str | None = None
) -> list[ForecastEvaluation]:
    stmt = sa_select(ForecastEvaluation).where(col(ForecastEvaluation.cycle_id) == cycle_id)
    if phase is not None:
        stmt = stmt.where(col(ForecastEvaluation.phase) == phase)
    return list(session.execute(stmt.order_by(col(ForecastEvaluation.at))).scalars())


def evaluated_instants(session: Session, cycle_id: str) -> set[tuple[str, dt.datetime]]:
    stmt = sa_select(col(ForecastEvaluation.phase), col(ForecastEvaluation.at)).where(
        col(ForecastEvaluation.cycle_id) == cycle_id
    )
    return {(phase, at) for phase, at in session.execute(stmt)}


def mean_absolute_error(
    predicted: Mapping[Any, float], actual: Mapping[Any, int], keys: Iterable[Any]
) -> float:
    """Mean over ``keys`` of |predicted − actual| (a key missing from either counts as 0)."""
    wanted = list(keys)
    if not wanted:
        return 0.0
    return math.fsum(abs(predicted.get(k, 0.0) - actual.get(k, 0)) for k in wanted) / len(wanted)
