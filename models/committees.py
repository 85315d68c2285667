"""Committee meetings: planned inside the committee's window, flagged at planning when its
result publicity and issuance cannot finish by the cycle's issuance deadline; postponed only
with the city's approval and a public notice (004 三(六))."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import Boolean, Column, ColumnElement, Text, case, func, literal_column, or_
from sqlalchemy import select as columns_of
from sqlmodel import Field, Session, SQLModel, col, select

from calendars.beijing import last_day
from calendars.committee_deadlines import finish_by, too_late_to_issue
from models.application import VILLAGE_DECLARED_PG, Application
from models.context import CycleContext, Refused
from models.cycle import Committee
from models.states import Status
from models.timeutil import UTCDateTime
from rules.eligibility import village_quota_shortfall


class CommitteeMeeting(SQLModel, table=True):
    """Every plan and every postponement is a row; the newest is the plan in force."""

    __tablename__ = "committee_meeting"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(index=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    meeting_day: dt.date
    by: str
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    approved_by: str | None = None
    notice: str | None = Field(default=None, sa_column=Column(Text))
    reason: str | None = Field(default=None, sa_column=Column(Text))
    flag: str | None = Field(default=None, sa_column=Column(Text))


def find_committee(session: Session, cycle_id: str, key: str) -> Committee | None:
    return session.exec(
        select(Committee).where(col(Committee.cycle_id) == cycle_id, col(Committee.key) == key)
    ).first()


def _committee(session: Session, cycle_id: str, key: str) -> Committee:
    found = find_committee(session, cycle_id, key)
    if found is None:
        raise Refused(f"本周期没有评委会 {key}", "no_committee")
    return found


def meetings_in_force(session: Session, cycle_id: str) -> dict[str, dt.date]:
    """Each committee's meeting day as it stands (the cycle file's, or the plan in force)."""
    rows = session.exec(
        select(Committee).where(
            col(Committee.cycle_id) == cycle_id, col(Committee.meeting).is_not(None)
        )
    ).all()
    return {c.key: c.meeting for c in rows if c.meeting is not None}


def current_plan(session: Session, committee_id: int) -> CommitteeMeeting | None:
    return session.exec(
        select(CommitteeMeeting)
        .where(col(CommitteeMeeting.committee_id) == committee_id)
        .order_by(col(CommitteeMeeting.id).desc())
    ).first()


def _issuance_flag(ctx: CycleContext, day: dt.date) -> str | None:
    """A meeting this late leaves no room for result publicity before the issuance deadline."""
    issuance = ctx.windows.get("issuance")
    days = ctx.policy.get("result_publicity_min_days")
    if issuance is None or issuance.end is None or days is None:
        return None
    deadline = last_day(issuance.end)
    earliest = too_late_to_issue(day, int(days), deadline)
    if earliest is not None:
        return f"{day.isoformat()} 开会，公示 {days} 天后最早 {earliest.isoformat()} 才能发文，晚于发证截止 {deadline.isoformat()}"
    return None


def _record(
    session: Session,
    ctx: CycleContext,
    committee: Committee,
    day: dt.date,
    *,
    by: str,
    now: dt.datetime,
    approved_by: str | None = None,
    notice: str | None = None,
    reason: str | None = None,
) -> CommitteeMeeting:
    """The plan in force becomes ``day``: a new history row, flagged if issuance cannot follow."""
    assert committee.id is not None
    meeting = CommitteeMeeting(
        cycle_id=ctx.cycle_id,
        committee_id=committee.id,
        meeting_day=day,
        by=by,
        at=now,
        flag=_issuance_flag(ctx, day),
        approved_by=approved_by,
        notice=notice,
        reason=reason,
    )
    session.add(meeting)
    committee.meeting = day
    session.add(committee)
    return meeting


def plan_meeting(
    session: Session, cycle_id: str, key: str, day: dt.date, *, by: str, now: dt.datetime
) -> CommitteeMeeting:
    ctx = CycleContext.load(session, cycle_id)
    committee = _committee(session, cycle_id, key)
    if (
        committee.window_start
        and committee.window_last_day
        and not (committee.window_start <= day <= committee.window_last_day)
    ):
        raise Refused(
            f"{committee.name}的会议须在其评审时间 {committee.window_start.isoformat()} 至 "
            f"{committee.window_last_day.isoformat()} 内；调整时间须经市人社局同意并公告（请用延期）",
            "outside_window",
        )
    return _record(session, ctx, committee, day, by=by, now=now)


def postpone_meeting(
    session: Session,
    cycle_id: str,
    key: str,
    day: dt.date,
    *,
    by: str,
    approved_by: str,
    notice: str,
    reason: str,
    now: dt.datetime,
) -> CommitteeMeeting:
    """原则上不得推迟评审：a postponement needs the city office's approval and a public notice."""
    ctx = CycleContext.load(session, cycle_id)
    committee = _committee(session, cycle_id, key)
    assert committee.id is not None  # a committee found in the database has its key
    planned = current_plan(session, committee.id)
    if planned is None:
        raise Refused(f"{committee.name}尚未计划会议，无从延期", "no_plan")
    missing = [
        name
        for name, value in (
            ("市人社局同意", approved_by),
            ("向社会公布的公告", notice),
            ("原因", reason),
        )
        if not value.strip()
    ]
    if missing:
        raise Refused(f"推迟评审须有{'、'.join(missing)}", "postponement_unapproved")
    if day <= planned.meeting_day:
        raise Refused(
            f"新会议日期 {day.isoformat()} 须晚于原计划 {planned.meeting_day.isoformat()}",
            "not_later",
        )
    last = finish_by(ctx.rules, committee.scope, committee.level)
    review = ctx.windows.get("committee_review")
    if last is None and review is not None and review.end is not None:
        last = last_day(review.end)
    if last is not None and day > last:
        raise Refused(
            f"{committee.name}须在 {last.isoformat()} 前完成评审，不能推迟到 {day.isoformat()}",
            "past_finish_by",
        )
    return _record(
        session,
        ctx,
        committee,
        day,
        by=by,
        now=now,
        approved_by=approved_by,
        notice=notice,
        reason=reason,
    )


# 001 三(二) counts senior titles: at recommendation, those the units have put forward and
# that are still on their way or decided; at the result, those the committee passed (not
# revoked).
RECOMMENDED = frozenset(
    {
        Status.recommended,
        Status.unit_publicity,
        Status.department_review,
        Status.committee_review,
        Status.result_publicity,
        Status.objection,
        Status.issued,
        Status.failed,
    }
)
GRANTED = frozenset({Status.result_publicity, Status.objection, Status.issued})


# SQLite matches an index on an expression only when the query writes the same expression (a
# bound JSON path never does): migration 0016's ix_application_village_fact holds
# (committee_id, json_extract(facts, '$.village_unit'), series), so a batch's check finds the
# village-unit applicants from index entries and reads only their rows (for status), not every
# application's row and facts; the totals come from ix_application_committee_series_status.


def _village_value() -> ColumnElement[Any]:
    """The applicant's declared village unit (001 三(二)) as SQLite reads it: true counts."""
    return func.json_extract(col(Application.facts), literal_column("'$.village_unit'"))


def village_declared(session: Session) -> ColumnElement[bool]:
    """Whether the applicant declared a village unit, written as each database's village index
    needs it: on PostgreSQL the very predicate of ix_application_village_declared (a query
    uses a partial index only where it states the index's condition), on SQLite the value of
    ix_application_village_fact's expression."""
    if session.get_bind().dialect.name == "sqlite":
        return case((_village_value(), 1), else_=0) == 1
    return literal_column(VILLAGE_DECLARED_PG, Boolean)


def _village_ranges(session: Session) -> list[ColumnElement[bool] | None]:
    """Where the declared-true entries lie, one condition per range: on SQLite, below or above
    0 in ix_application_village_fact's second column (every true value is there: NULL, false
    and 0 are not), so the probe seeks past each committee's other entries instead of reading
    them; PostgreSQL's partial index holds the declared ones alone."""
    if session.get_bind().dialect.name != "sqlite":
        return [None]
    fact = _village_value()
    return [fact > 0, fact < 0]


_EVERY_STATUS = sorted(s.value for s in Status)


def village_quota_shortfalls(
    session: Session,
    ctx: CycleContext,
    counted: frozenset[Status],
    committee_ids: Collection[int] | None = None,
    groups: Collection[tuple[int, str | None]] | None = None,
) -> list[tuple[int, str]]:
    """The village quota (001 三(二)) per senior committee and series: each (committee id,
    warning) where village-unit talent falls short of the policy's share among the
    applications in ``counted``. A warning only: nothing is refused for it. The notice sets
    the quota for "有乡村单位的系列（专业）": a series none of whose applicants to the committee
    declared a village unit has none, so it is not held to it. ``groups``: only these
    (committee id, series) — what a batch moved — counted from the committee index."""
    return village_quota_by_stage(session, ctx, [counted], committee_ids, groups)[0]


Pair = tuple[int, str | None]


def village_quota_by_stage(
    session: Session,
    ctx: CycleContext,
    stages: Sequence[frozenset[Status]],
    committee_ids: Collection[int] | None = None,
    groups: Collection[tuple[int, str | None]] | None = None,
) -> list[list[tuple[int, str]]]:
    """``village_quota_shortfalls`` for several sets of statuses (the dashboard's stages:
    recommended, titles granted): one list per set.

    Counted in two index reads rather than one pass over every application of the
    committees: first the village-unit applicants alone, by (committee, series, status) —
    which also tells the series that have any, the only ones held to the quota (in the
    simulation, none) — then, for those series only, every application by status."""
    if ctx.rules.village_senior_quota is None:
        return [[] for _ in stages]
    wanted = None if groups is None else set(groups)
    if wanted is not None and not wanted:
        return [[] for _ in stages]
    names = _senior_committees(session, ctx.cycle_id, committee_ids, wanted)
    if not names:
        return [[] for _ in stages]
    village = _count_by_status(session, list(names), wanted, village_only=True)
    if wanted is not None:
        village = {pair: n for pair, n in village.items() if pair in wanted}
    if not village:
        return [[] for _ in stages]
    counted = sorted({s.value for stage in stages for s in stage})
    totals = _count_by_status(session, sorted({c for c, _ in village}), set(village), counted)
    out: list[list[tuple[int, str]]] = [[] for _ in stages]
    for cid, series in sorted(village, key=lambda p: (p[0], p[1] is None, p[1] or "")):
        for i, stage in enumerate(stages):
            total = sum(n for s, n in totals.get((cid, series), {}).items() if s in stage)
            from_village = sum(n for s, n in village[(cid, series)].items() if s in stage)
            found = village_quota_shortfall(total, from_village, ctx.rules)
            if found is not None:
                out[i].append((cid, f"{names[cid]}（{series or '未填系列'}）：{found.message}"))
    return out


def _senior_committees(
    session: Session,
    cycle_id: str,
    committee_ids: Collection[int] | None,
    wanted: set[Pair] | None,
) -> dict[int, str]:
    """The cycle's senior committees (of ``committee_ids`` and ``wanted``'s), by id: name."""
    stmt = columns_of(col(Committee.id), col(Committee.name)).where(
        col(Committee.cycle_id) == cycle_id, col(Committee.level) == "senior"
    )
    if committee_ids is not None:
        stmt = stmt.where(col(Committee.id).in_(sorted(set(committee_ids))))
    if wanted is not None:
        stmt = stmt.where(col(Committee.id).in_(sorted({c for c, _ in wanted})))
    return {cid: name for cid, name in session.execute(stmt)}


def _count_by_status(
    session: Session,
    committees: list[int],
    pairs: set[Pair] | None,
    statuses: list[str] = _EVERY_STATUS,
    *,
    village_only: bool = False,
) -> dict[Pair, dict[str, int]]:
    """Applications to ``committees`` (of ``pairs``' series, when given) in ``statuses``,
    counted per (committee, series) and status: all of them from the index's entries, or
    those declaring a village unit (``village_declared``).
    (committee, series) pairs outside ``pairs`` that the IN lists let through are kept:
    the caller drops them."""
    conditions: list[ColumnElement[bool]] = [
        col(Application.committee_id).in_(committees),
        col(Application.status).in_(statuses),
    ]
    if pairs is not None:
        named = sorted({s for _, s in pairs if s is not None})
        in_series = col(Application.series).in_(named)
        conditions.append(
            or_(in_series, col(Application.series).is_(None))
            if any(s is None for _, s in pairs)
            else in_series
        )
    ranges: list[ColumnElement[bool] | None] = [None]
    if village_only:
        conditions.append(village_declared(session))
        ranges = _village_ranges(session)
    committee: ColumnElement[Any] = SQLModel.metadata.tables["application"].c.committee_id
    # Grouped by the column itself, SQLite (planning without statistics) takes the totals'
    # index for its order and reads every application's facts; ``+ 0`` leaves it the village
    # ranges of ix_application_village_fact (SQLite only: PostgreSQL has no ranges).
    grouped = committee + literal_column("0") if ranges[0] is not None else committee
    out: dict[Pair, dict[str, int]] = defaultdict(dict)
    for where in ranges:
        stmt = (
            columns_of(committee, col(Application.series), col(Application.status), func.count())
            .where(*conditions, *([] if where is None else [where]))
            .group_by(grouped, col(Application.series), col(Application.status))
        )
        for cid, series, status, n in session.execute(stmt):
            mine = out[(cid, series)]
            mine[status] = mine.get(status, 0) + int(n)
    return dict(out)
