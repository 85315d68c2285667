"""The dashboard's figures, each one set-based query over the viewer's scope: counts by status,
phase progress, next deadlines, the level below with its overdue units, escalations and
messages, committees and filing. Pages and the JSON API show the same objects.

Every figure is as of an instant (``now``): statuses from the audit trail, messages from the
outbox's instants, escalations, meeting plans and filings recorded by then (models.asof); the
organisation tree as it is. The live dashboard passes the clock's "now"."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    case,
    func,
    literal,
    null,
    select,
    true,
    union,
)
from sqlalchemy.sql.util import find_tables
from sqlmodel import Session, SQLModel, col

from calendars.beijing import beijing
from calendars.cyclefile import TOP_LEVEL_PHASES
from calendars.workdays import day_end
from dashboard.schemas import (
    ApplicationRow,
    ChildRow,
    CommitteeRow,
    Deadline,
    EscalationRow,
    FilingRow,
    Overview,
    PhaseProgress,
    StatusCount,
)
from dashboard.scope import Viewer, application_filter, committee_visible, org_filter
from models import tally
from models.application import Application, Person
from models.asof import AsOf
from models.committees import GRANTED, RECOMMENDED, village_quota_by_stage
from models.context import CycleContext
from models.cycle import Committee, Cycle, Phase
from models.filing import FilingStatus, filing_status
from models.org import Organisation, OrgKind
from models.outbox import Escalation, Message
from models.plans import stored_plan
from models.states import LABELS, MISSED, PASSED, PENDING, Status, through_count
from rules.idcard import mask

_APPLICATION = SQLModel.metadata.tables["application"]
T = TypeVar("T")

# --- scope of one page: the viewer's scope narrowed to the organisation being looked at ---


def _under(org: Organisation | None) -> ColumnElement[bool]:
    return org_filter(org.kind, org.id, org.path) if org is not None else true()


def page_filter(
    viewer: Viewer, org: Organisation | None, committee_id: int | None = None
) -> ColumnElement[bool]:
    """Applications (joined to their unit) both in the viewer's scope and under ``org``."""
    narrowed = _under(org)
    if committee_id is not None:
        narrowed = and_(narrowed, col(Application.committee_id) == committee_id)
    return and_(application_filter(viewer), narrowed)


def units_filter(viewer: Viewer, org: Organisation | None) -> ColumnElement[bool] | None:
    """Units (``Organisation`` rows alone) of this page, for what is about units rather than
    applications — escalations. A committee's page has none: escalations are the units'."""
    if viewer.kind == "committee":
        return None
    return and_(org_filter(viewer.kind, viewer.org_id, viewer.org_path), _under(org))


# Where one pass over the cycle's whole trail costs less than one probe of the index per
# application: measured on PostgreSQL with 100,000 applications and 720,000 audit rows, a
# probe cost 8 µs of CPU and the pass 145 ms (a city of 10,800 applications: 86 ms by probes;
# a county of 1,141: 14 ms against 94 ms) — the pass pays from about 18,000. A tuning figure,
# not a policy: below it a page's statuses are probed per application.
WIDE_FROM = 15_000


def _wide(session: Session, asof: AsOf, where: ColumnElement[bool]) -> bool:
    """Whether the page's statuses as of the instant are read by one pass over the trail:
    only for an earlier instant, and when the page counts at least ``WIDE_FROM``
    applications (counted up to there, from ``ix_application_asof``)."""
    if asof.current:
        return False
    some: Any = (
        select(col(Application.id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(Application.cycle_id) == asof.cycle_id, asof.existed(), where)
        .limit(WIDE_FROM)
        .subquery()
    )
    return session.execute(select(func.count()).select_from(some)).scalar_one() >= WIDE_FROM


def _counted(
    session: Session, asof: AsOf, key: Any, where: ColumnElement[bool], wide: bool = False
) -> Any:
    """Applications of the page existing at the instant, counted by ``key`` (a column of
    ``Application``) and their status then: a subquery (key, status, n) to join what the key
    names to. The status is computed per application (a correlated subquery) on a narrow
    page, by one pass over the trail on a ``wide`` one; the counting groups by the bare key
    and status, and whatever the caller shows of the key (a unit's path) is joined to the few
    groups afterwards, not carried through every application's row. As they stand, where the
    database keeps the counts (models.tally), those are summed instead."""
    if asof.tallied():
        kept = tally.counted(asof.cycle_id, key, where, _names_units(where))
        if kept is not None:
            return kept
    if wide and not asof.current:
        trail, status = asof.wide()
        base: Any = select(key.label("key"), status.label("status")).select_from(Application)
        base = base.outerjoin(trail, trail.c.application_id == col(Application.id))
    else:
        base = select(key.label("key"), asof.status().label("status")).select_from(Application)
    # Joined to the units only where the page's scope names them: the province's page counts
    # every application of the cycle, and joining each to its unit was a quarter of that
    # count on PostgreSQL (80 → 60 ms at 100,000).
    if _names_units(where):
        base = base.join(Organisation, col(Organisation.id) == col(Application.unit_id))
    each = base.where(col(Application.cycle_id) == asof.cycle_id, asof.existed(), where).subquery(
        "each"
    )
    return (
        select(each.c.key, each.c.status, func.count().label("n"))
        .group_by(each.c.key, each.c.status)
        .subquery("counted")
    )


def _below(session: Session, org: Organisation | None) -> tuple[Any, Any]:
    """What a page groups its units' counts by, as SQL over the unit's ``Organisation`` row:
    the level below ``org`` (by the tree: the first segment of the unit's path past
    ``org``'s; a department's units by supervision, the unit itself) and for a city the unit's
    department. None where the page shows no level below (or no departments)."""
    if org is None or org.kind in (OrgKind.unit, OrgKind.agency):
        return None, None
    if org.kind == OrgKind.department:
        return col(Organisation.id), None
    path, reach = col(Organisation.path), len(org.path)
    find = func.strpos if session.get_bind().dialect.name == "postgresql" else func.instr
    slash = find(func.substr(path, reach + 2), "/")
    child = case((slash > 0, func.substr(path, 1, reach + slash)), else_=path)
    return child, col(Organisation.department_id) if org.kind == OrgKind.city else None


def _grouped(*keys: Any) -> tuple[list[Any], list[Any]]:
    """The columns to select for ``keys`` (NULL for a None) and those to group by."""
    return [null() if k is None else k for k in keys], [k for k in keys if k is not None]


def _status_counts(
    session: Session,
    asof: AsOf,
    where: ColumnElement[bool],
    wide: bool,
    org: Organisation | None,
) -> list[tuple[Any, int | None, str, int]]:
    """The page's counts by (the level below, the department, status): counted by unit, and
    those few thousand groups regrouped in SQL to the page's few dozen (the province's page
    handled a row per unit and status in Python: 2,895 at 100,000 applications)."""
    counted = _counted(session, asof, col(Application.unit_id), where, wide)
    shown, grouped = _grouped(*_below(session, org))
    stmt: Any = (
        # as an integer: PostgreSQL sums bigints into numerics (Decimals in Python)
        select(*shown, counted.c.status, func.sum(counted.c.n).cast(Integer))
        .join(Organisation, col(Organisation.id) == counted.c.key)
        .group_by(*grouped, counted.c.status)
    )
    # plain rows from the connection: the ORM's row loading costs more than the query here
    return [tuple(r) for r in session.connection().execute(stmt).all()]


def _once_per_page(session: Session, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """What a page reads more than once (its instant's probe, the cycle's phases), read once
    per page — in a read-only session (``read_scope``: a page's); where the session also
    writes, each read sees what was written before it."""
    if not session.connection().get_execution_options().get("zhicheng_readonly"):
        return make()
    kept = session.info.setdefault("figures", {})
    if key not in kept:
        kept[key] = make()
    return cast(T, kept[key])


def _asof(session: Session, cycle_id: str, at: dt.datetime, trail: bool = False) -> AsOf:
    return _once_per_page(
        session, ("asof", cycle_id, at, trail), lambda: AsOf(session, cycle_id, at, trail=trail)
    )


def phases_of(session: Session, cycle_id: str) -> dict[str, Phase]:
    def read() -> dict[str, Phase]:
        rows = session.execute(select(Phase).where(col(Phase.cycle_id) == cycle_id)).scalars()
        return {p.key: p for p in rows}

    return _once_per_page(session, ("phases", cycle_id), read)


# An applicant's own missed declaration is not the unit's delay.
REVIEW_PHASES = ("unit_review", "committee_review")


def late_count(
    counts: dict[str, int],
    phases: dict[str, Phase],
    now: dt.datetime,
    keys: tuple[str, ...] = tuple(PENDING),
) -> int:
    """Missed deadlines: what a closed boundary left behind, and what still waits past one."""
    late = sum(counts.get(s.value, 0) for key in keys for s in MISSED.get(key, ()))
    for key in keys:
        if _ended(phases.get(key), now):
            late += _pending(counts, key)
    return late


def _ended(phase: Phase | None, now: dt.datetime) -> bool:
    return phase is not None and phase.end is not None and now >= phase.end


def _pending(counts: dict[str, int], key: str) -> int:
    return sum(counts.get(s.value, 0) for s in PENDING.get(key, ()))


def _state(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> str:
    if start is not None and now < start:
        return "未开始"
    if end is not None and now >= end:
        return "已结束"
    return "进行中"


def phase_progress(
    counts: dict[str, int], phases: dict[str, Phase], now: dt.datetime
) -> list[PhaseProgress]:
    total = sum(counts.values())
    out = []
    for key in TOP_LEVEL_PHASES:
        phase = phases.get(key)
        if phase is None:
            continue
        through = through_count(counts, key)
        out.append(
            PhaseProgress(
                key=key,
                title=phase.title,
                start=phase.start,
                end=phase.end,
                state=_state(phase.start, phase.end, now),
                through=through,
                total=total,
                pending=0 if _ended(phase, now) else _pending(counts, key),
                late=late_count(counts, phases, now, (key,)),
            )
        )
    return out


def next_deadlines(
    counts: dict[str, int], phases: dict[str, Phase], now: dt.datetime, limit: int = 6
) -> list[Deadline]:
    """The coming phase ends (sub-steps too), with what still waits on each."""
    upcoming = sorted(
        ((p.end, p) for p in phases.values() if p.end is not None and p.end > now),
        key=lambda pair: (pair[0], pair[1].position),
    )
    return [
        Deadline(
            key=p.key,
            title=p.title,
            at=end,
            pending=_pending(counts, p.parent_key or p.key),
        )
        for end, p in upcoming[:limit]
    ]


def _names_units(where: ColumnElement[bool]) -> bool:
    """Whether a page's condition reads any table but ``application`` (a scope by the units'
    paths reads ``organisation``)."""
    return any(t is not _APPLICATION for t in find_tables(where, check_columns=True))


def _escalations_below(
    session: Session, asof: AsOf, where: ColumnElement[bool], org: Organisation | None
) -> dict[tuple[Any, Any], int]:
    """The page's escalations by (the level below, the department), as ``_status_counts``
    groups its counts."""
    shown, grouped = _grouped(*_below(session, org))
    stmt: Any = (
        select(*shown, func.count())
        .select_from(Escalation)
        .join(Organisation, col(Organisation.id) == col(Escalation.unit_id))
        .where(col(Escalation.cycle_id) == asof.cycle_id, asof.escalated(), where)
        .group_by(*grouped)
    )
    return {(key, d): count for key, d, count in session.execute(stmt).all()}


def _rows_for(
    groups: dict[Any, dict[str, int]],
    escalated: dict[Any, int],
    orgs: dict[Any, Any],
    phases: dict[str, Phase],
    now: dt.datetime,
) -> list[ChildRow]:
    rows = []
    for key, counts in groups.items():
        org = orgs.get(key)
        if org is None:
            continue
        rows.append(
            ChildRow(
                code=org.code,
                name=org.name,
                kind=org.kind,
                total=sum(counts.values()),
                pending=sum(_pending(counts, k) for k in PENDING),
                late=late_count(counts, phases, now, REVIEW_PHASES),
                escalations=escalated.get(key, 0),
                issued=counts.get(Status.issued.value, 0),
            )
        )
    return sorted(rows, key=lambda r: (-r.late, -r.escalations, r.code))


def children(
    session: Session,
    org: Organisation | None,
    rows: list[tuple[Any, int | None, str, int]],
    escalated: dict[tuple[Any, Any], int],
    phases: dict[str, Phase],
    now: dt.datetime,
) -> tuple[list[ChildRow], list[ChildRow]]:
    """The level below ``org`` (by the tree; a department's units by supervision), and for a
    city its departments as a second breakdown, from ``_status_counts``' rows."""
    if org is None or org.kind in (OrgKind.unit, OrgKind.agency):
        return [], []
    by_child: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    esc_child: dict[Any, int] = defaultdict(int)
    by_dept: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    esc_dept: dict[Any, int] = defaultdict(int)
    for key, dept, status, count in rows:
        by_child[key][status] += count
        if dept is not None:
            by_dept[dept][status] += count
    for (key, dept), count in escalated.items():
        esc_child[key] += count
        if dept is not None:
            esc_dept[dept] += count
    if org.kind == OrgKind.department:
        orgs = _orgs(session, col(Organisation.id).in_(list(by_child)), "id")
    else:
        orgs = _orgs(session, col(Organisation.path).in_(list(by_child)), "path")
    kids = _rows_for(by_child, esc_child, orgs, phases, now)
    depts: list[ChildRow] = []
    if org.kind == OrgKind.city:
        dept_orgs = _orgs(session, col(Organisation.id).in_(list(by_dept)), "id")
        depts = _rows_for(by_dept, esc_dept, dept_orgs, phases, now)
    return kids, depts


def _orgs(session: Session, where: ColumnElement[bool], key: str) -> dict[Any, Any]:
    """The rows a child's line shows (code, name, kind) by ``key``: plain rows, not the ORM's
    objects (a county's page builds one per unit)."""
    o = Organisation
    found = session.execute(
        select(getattr(o, key).label("key"), col(o.code), col(o.name), col(o.kind)).where(where)
    )
    return {row.key: row for row in found}


def escalation_rows(
    session: Session, asof: AsOf, where: ColumnElement[bool], limit: int = 20
) -> list[EscalationRow]:
    target = SQLModel.metadata.tables[Organisation.__tablename__].alias("target")
    stmt: Any = (
        select(
            col(Organisation.name),
            col(Organisation.code),
            col(Escalation.level),
            col(Escalation.step),
            target.c.name,
            col(Escalation.at),
            col(Escalation.items),
        )
        .join(Organisation, col(Organisation.id) == col(Escalation.unit_id))
        .join(target, target.c.id == col(Escalation.to_org_id))
        .where(col(Escalation.cycle_id) == asof.cycle_id, asof.escalated(), where)
        .order_by(col(Escalation.at).desc(), col(Escalation.id).desc())
        .limit(limit)
    )
    return [
        EscalationRow(
            unit=r[0], unit_code=r[1], level=r[2], step=r[3], to=r[4], at=r[5], items=r[6]
        )
        for r in session.execute(stmt)
    ]


def message_counts(
    session: Session,
    asof: AsOf,
    viewer: Viewer,
    org: Organisation | None,
    where: ColumnElement[bool],
) -> dict[str, int]:
    """Messages written by the instant to people and organisations of this page's scope, by
    their delivery status then (committees are addressed as ``committee:<key>``). Read from
    ``ix_message_asof`` alone: the page's recipients (its applicants and its units' codes, one
    set) are probed in it, the province's whole cycle is read from it without the bodies."""
    cycle_id = asof.cycle_id
    inner = select(asof.message_status().label("status")).where(
        col(Message.cycle_id) == cycle_id, asof.message_existed()
    )

    def counted(selected: Any) -> dict[str, int]:
        sub = selected.subquery()
        stmt: Any = select(sub.c.status, func.count()).group_by(sub.c.status)
        return {key: count for key, count in session.execute(stmt).all()}

    if org is not None and org.kind == OrgKind.province:
        return counted(inner)
    people = (
        select(col(Application.person_id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(Application.cycle_id) == cycle_id, where)
    )
    if viewer.kind == "committee":
        committee = session.get(Committee, viewer.committee_id)
        addressed: Any = select(literal(f"committee:{committee.key if committee else ''}"))
    else:
        addressed = select(col(Organisation.code)).where(_under(org))
    # one set of recipients (a semi-join the planner may answer by probing the index), not
    # two IN tests OR-ed on every message of the cycle
    return counted(inner.where(col(Message.recipient).in_(union(people, addressed))))


def overview(
    session: Session,
    cycle: Cycle,
    viewer: Viewer,
    org: Organisation | None,
    now: dt.datetime,
    committee_id: int | None = None,
    *,
    trail: bool = False,
) -> Overview:
    """The page's figures as of ``now`` (``trail``: from the audit trail even when nothing
    happened since, models.asof)."""
    where = page_filter(viewer, org, committee_id)
    asof = _asof(session, cycle.id, now, trail)
    # a page above the units, of many applications, as of an earlier instant: one pass over
    # the trail (a unit's or a committee's page probes per application)
    wide = org is not None and org.kind not in (OrgKind.unit, OrgKind.agency)
    rows = _status_counts(session, asof, where, wide and _wide(session, asof, where), org)
    counts: dict[str, int] = defaultdict(int)
    for *_, status, count in rows:
        counts[status] += count
    phases = phases_of(session, cycle.id)
    units = units_filter(viewer, org)
    escalated = _escalations_below(session, asof, units, org) if units is not None else {}
    kids, depts = children(session, org, rows, escalated, phases, now)
    committee = session.get(Committee, committee_id) if committee_id else None
    return Overview(
        cycle_id=cycle.id,
        cycle_title=cycle.title,
        org_code=org.code if org else None,
        org_name=org.name if org else (committee.name if committee else ""),
        org_kind=org.kind if org else "committee",
        now=now,
        total=sum(counts.values()),
        statuses=[
            StatusCount(status=s.value, label=LABELS[s], count=counts[s.value])
            for s in Status
            if counts.get(s.value)
        ],
        phases=phase_progress(counts, phases, now),
        deadlines=next_deadlines(counts, phases, now),
        children=kids,
        departments=depts,
        escalations=escalation_rows(session, asof, units) if units is not None else [],
        messages=message_counts(session, asof, viewer, org, where),
    )


def applications(
    session: Session,
    cycle_id: str,
    where: ColumnElement[bool],
    *,
    status: str | None = None,
    ids: list[int] | None = None,
    limit: int = 200,
    offset: int = 0,
    at: dt.datetime | None = None,
) -> list[ApplicationRow]:
    """The applications of the page as they stood at ``at`` (None: as they are stored). The
    page's ids are taken first (the scope, the status, ``ORDER BY id``, LIMIT/OFFSET) and the
    person and the columns as of ``at`` are read for those rows only, not for a whole city's
    applications sorted before the limit."""
    asof = _asof(session, cycle_id, at) if at is not None else None
    status_now = asof.status() if asof else col(Application.status)
    page: Any = (
        select(col(Application.id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(Application.cycle_id) == cycle_id, where)
        .order_by(col(Application.id))
        .limit(limit)
        .offset(offset)
    )
    if asof is not None:
        page = page.where(asof.existed())
    if status:
        page = page.where(status_now == status)
    if ids is not None:
        page = page.where(col(Application.id).in_(ids))
    stmt: Any = (
        select(
            col(Application.id),
            col(Application.person_id),
            col(Person.name),
            col(Organisation.name),
            col(Organisation.code),
            col(Application.series),
            status_now,
            asof.submitted_at() if asof else col(Application.submitted_at),
            asof.return_count() if asof else col(Application.return_count),
            asof.locked() if asof else col(Application.locked),
            col(Application.return_reason),
        )
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .join(Person, col(Person.id_number) == col(Application.person_id))
        .where(col(Application.id).in_(page.correlate(None).scalar_subquery()))
        .order_by(col(Application.id))
    )
    return [
        ApplicationRow(
            id=r[0],
            id_number=mask(r[1]),
            name=r[2],
            unit=r[3],
            unit_code=r[4],
            series=r[5],
            status=r[6],
            status_label=LABELS[Status(r[6])],
            submitted_at=r[7],
            return_count=r[8],
            locked=bool(r[9]),
            return_reason=r[10],
        )
        for r in session.execute(stmt)
    ]


def committees(
    session: Session,
    cycle_id: str,
    viewer: Viewer,
    now: dt.datetime,
    *,
    trail: bool = False,
) -> list[CommitteeRow]:
    """The committees this viewer may see, with their windows, the meeting planned and the
    verdicts so far, as of ``now``."""
    asof = _asof(session, cycle_id, now, trail)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    where = application_filter(viewer)
    wide = viewer.kind not in ("unit", "agency", "committee") and _wide(session, asof, where)
    counted = _counted(session, asof, col(Application.committee_id), where, wide)
    for committee_id, status, count in session.execute(select(*counted.c)):
        counts[committee_id][status] = count
    found = session.execute(
        select(Committee).where(col(Committee.cycle_id) == cycle_id).order_by(col(Committee.id))
    ).scalars()
    return _committee_rows(session, asof, viewer, list(found), counts)


def committee_row(
    session: Session,
    cycle_id: str,
    viewer: Viewer,
    now: dt.datetime,
    committee: Committee,
    statuses: list[StatusCount],
) -> CommitteeRow | None:
    """One committee's row (its own page) from the statuses its page's overview counted —
    the same applications, as of the same instant — or None when the viewer may not see it."""
    mine = {s.status: s.count for s in statuses}
    counts = {committee.id: mine} if mine and committee.id is not None else {}
    rows = _committee_rows(session, _asof(session, cycle_id, now), viewer, [committee], counts)
    return rows[0] if rows else None


def _committee_rows(
    session: Session,
    asof: AsOf,
    viewer: Viewer,
    committees: list[Committee],
    counts: dict[int, dict[str, int]],
) -> list[CommitteeRow]:
    """The rows of those of ``committees`` the viewer may see, from their counts by status."""
    meetings = asof.meetings()
    visible = [c for c in committees if committee_visible(viewer, c, c.id in counts)]
    # The quota's warnings count the stored statuses: shown only when they are those of ``now``;
    # counted for the committees shown only.
    shown = [c.id for c in visible if c.id is not None]
    short = _village_quota(session, asof.cycle_id, shown) if asof.current and shown else {}
    rows = []
    for c in visible:
        mine = counts.get(c.id, {}) if c.id is not None else {}
        rows.append(
            CommitteeRow(
                key=c.key,
                name=c.name,
                organiser=c.organiser,
                series=c.series,
                window_start=c.window_start,
                window_last_day=c.window_last_day,
                # the plan in force then: every plan and postponement is recorded with its time
                meeting=meetings[c.id] if c.id in meetings else c.meeting,
                state=_window_state(c, asof.at) if c.window_start or c.window_last_day else "未定",
                total=sum(mine.values()),
                waiting=_pending(mine, "committee_review"),
                passed=sum(mine.get(s.value, 0) for s in PASSED),
                failed=mine.get(Status.failed.value, 0),
                village_quota=short.get(c.id, []) if c.id is not None else [],
            )
        )
    return rows


def _village_quota(
    session: Session, cycle_id: str, committee_ids: list[int]
) -> dict[int, list[str]]:
    """The village-quota warnings of these committees (the senior ones among them): among
    those recommended, and among the titles passed once there are any."""
    ctx = CycleContext.load(session, cycle_id)
    out: dict[int, list[str]] = defaultdict(list)
    stages = (("推荐", RECOMMENDED), ("评审结果", GRANTED))
    found = village_quota_by_stage(session, ctx, [c for _, c in stages], committee_ids)
    for (stage, _), warnings in zip(stages, found, strict=True):
        for cid, warning in warnings:
            out[cid].append(f"{stage}：{warning}")
    return out


def _window_state(c: Committee, now: dt.datetime) -> str:
    today = beijing(now).date()
    if c.window_start and today < c.window_start:
        return "未开始"
    if c.window_last_day and today > c.window_last_day:
        return "已结束"
    return "评审中"


def filing(session: Session, cycle_id: str, now: dt.datetime) -> list[FilingRow]:
    """The filing checklist as of ``now``: a filing recorded later was not there yet."""
    _, plan = stored_plan(session, cycle_id)
    return [
        FilingRow(
            key=f.key,
            title=f.title,
            due_last_day=f.due_last_day,
            status=f.status,
            label=f.label,
            filed_at=f.filed_at,
        )
        for f in map(partial(_not_yet_filed, now), filing_status(session, cycle_id, plan, now))
    ]


def _not_yet_filed(now: dt.datetime, f: FilingStatus) -> FilingStatus:
    if f.filed_at is None or f.filed_at <= now:
        return f
    if f.due_last_day is None:
        return replace(f, status="standing", filed_at=None)
    late = now >= day_end(f.due_last_day)
    return replace(f, status="overdue" if late else "open", filed_at=None)
