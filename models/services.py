"""The service layer: every action on applications, for flows, the simulation, the CLI and
the web API alike. Each action takes many ids at one ``now`` (set-based), refuses what the
rules do not allow with a reason, and moves the rest through ``transition``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

import pendulum
from sqlalchemy import ColumnElement, bindparam, func, null, select, update
from sqlmodel import Session, SQLModel, col

from calendars.beijing import BEIJING, beijing_text
from calendars.workdays import day_end
from models import documents, integrity
from models.application import Application, AuditEvent
from models.committees import GRANTED, RECOMMENDED, village_quota_shortfalls
from models.context import CycleContext, Window, require_open
from models.cycle import Committee
from models.documents import DOCUMENT_LABELS, DocumentKind
from models.id_lists import among
from models.integrity import integrity_of
from models.org import OrgKind
from models.refusals import Refusal, RefusalCode, Refused
from models.settings import workday_calendar
from models.states import ACTIONS, DOCUMENT_STATES, LABELS, Status
from models.transitions import CHUNK, note, of_cycle, transition
from rules.eligibility import FactsError, applicant_from_facts, check
from rules.push import push_month_last_day, push_month_of

__all__ = ["Outcome", "Refusal", "RefusalCode", "Refused", "one"]


@dataclass
class Outcome:
    """What an action did: the ids it moved, and each refused id with its code and reason."""

    done: list[int] = field(default_factory=list)
    refusals: dict[int, Refusal] = field(default_factory=dict)
    # What the rules flag without refusing (the village quota), in plain Chinese.
    warnings: list[str] = field(default_factory=list)

    @property
    def refused(self) -> dict[int, str]:
        """Each refused id with its reason in plain Chinese, for people to read."""
        return {i: r.message for i, r in self.refusals.items()}


class _Row(NamedTuple):
    """One application as an action reads it (a tuple: thousands are built per batch)."""

    id: int
    status: str
    return_count: int
    locked: bool
    returned_by: str | None
    committee_id: int
    result_publicity_ends: dt.datetime | None
    person_id: str
    facts: dict[str, Any] | None
    unit_publicity_ends: dt.datetime | None
    # The level sought, for the rules on senior titles: the application's, not the
    # applicant's word (one application per person a year, so the person's in this cycle).
    level_sought: str | None


def _rows_read(facts: bool) -> Any:
    """The read every action starts with (the cycle and the ids bound per call), built once:
    over the table's own columns, so rows come back as plain tuples without the ORM's
    loading machinery (3.5 of 5.9 s at 100,000 simulated applicants); the declared facts
    (JSON, decoded per row) only where the eligibility rules need them."""
    table = SQLModel.metadata.tables["application"]
    return select(
        table.c.id,
        table.c.status,
        table.c.return_count,
        table.c.locked,
        table.c.returned_by,
        table.c.committee_id,
        table.c.result_publicity_ends,
        table.c.person_id,
        table.c.facts if facts else null().label("facts"),
        table.c.unit_publicity_ends,
        table.c.level_sought,
    ).where(
        of_cycle(table.c.cycle_id, bindparam("cycle")),
        among(table.c.id),
    )


_ROWS = {True: _rows_read(True), False: _rows_read(False)}


def _rows(
    session: Session, cycle_id: str, ids: Sequence[int], *, facts: bool = False
) -> dict[int, _Row]:
    """The ids' rows; ``facts``: with what the applicant declared (else None)."""
    read = _ROWS[facts]
    found: dict[int, _Row] = {}
    for i in range(0, len(ids), CHUNK):
        for row in session.execute(read, {"cycle": cycle_id, "ids": list(ids[i : i + CHUNK])}):
            found[row[0]] = _Row(*row)
    return found


def _screen(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    action: str,
    check: Callable[[_Row], Refusal | None] | None = None,
    rows: dict[int, _Row] | None = None,
) -> tuple[dict[int, _Row], Outcome]:
    """Split ids into those the action may move and those refused, with the reason. ``rows``:
    the ids' rows when the caller has already read them (``_rows``), so they are read once."""
    if rows is None:
        rows = _rows(session, cycle_id, ids)
    sources, _ = ACTIONS[action]
    outcome = Outcome()
    accepted: dict[int, _Row] = {}
    for app_id in ids:
        row = rows.get(app_id)
        if row is None:
            outcome.refusals[app_id] = Refusal(
                RefusalCode.no_application, f"本周期没有编号为 {app_id} 的申报"
            )
        elif row.status not in sources:  # a StrEnum's members are their strings
            outcome.refusals[app_id] = Refusal(
                RefusalCode.wrong_status,
                f"当前状态为“{LABELS[Status(row.status)]}”，不能执行此操作",
            )
        elif check is not None and (why := check(row)) is not None:
            outcome.refusals[app_id] = why
        else:
            accepted[app_id] = row
    return accepted, outcome


def _window_refusal(window: Window, now: dt.datetime, what: str) -> Refusal | None:
    try:
        require_open(window, now, what)
    except Refused as exc:
        return exc.refusal
    return None


def _level_refusals(
    ctx: CycleContext, now: dt.datetime, what: str
) -> Callable[[str], Refusal | None]:
    """Each review level's window refusal at ``now`` (None while open), worked out once per
    level when first asked, not once per row."""

    @cache
    def closed_at(level: str) -> Refusal | None:
        return _window_refusal(ctx.level_window(level), now, what)

    return closed_at


def _refuse_all(ids: Sequence[int], refusal: Refusal) -> Outcome:
    return Outcome(refusals={i: refusal for i in ids})


def _move(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    action: str,
    *,
    now: dt.datetime,
    actor: str,
    window: Window | None = None,
    what: str = "",
    check: Callable[[_Row], Refusal | None] | None = None,
    reason: str | None = None,
    values: dict[str, object] | None = None,
    rows: dict[int, _Row] | None = None,
    in_sql: _InSql | None = None,
    actor_of: Mapping[int, str] | None = None,
) -> Outcome:
    """The common shape of an action: refuse all outside its window, screen each id against
    the state machine (and ``check``), move the rest. ``actor_of``: each id's own actor, when
    several act at once (``transition``).

    Without a ``check``, or with ``in_sql`` saying the same as the check, the UPDATE screens
    (status, and ``in_sql``'s ids left out and WHERE) and only the ids it did not move are
    read and screened in Python for their refusals (the same codes and messages)."""
    if window is not None and (closed := _window_refusal(window, now, what)):
        return _refuse_all(ids, closed)

    def move(
        some: list[int],
        where: Sequence[ColumnElement[bool]] = (),
        read: dict[int, _Row] | None = None,
    ) -> list[int]:
        return transition(
            session,
            cycle_id=cycle_id,
            action=action,
            now=now,
            actor=actor,
            reason=reason,
            ids=some,
            where=where,
            values=values,
            statuses=_statuses(read) if read is not None else None,
            actor_of=actor_of,
        )

    if check is not None and in_sql is None:
        accepted, outcome = _screen(session, cycle_id, ids, action, check, rows)
        outcome.done = _as_asked(ids, move(list(accepted), read=accepted))
        return outcome
    leave = in_sql.leave if in_sql is not None else frozenset()
    done = move(
        [i for i in dict.fromkeys(ids) if i not in leave],
        in_sql.where if in_sql is not None else (),
    )
    moved = set(done)
    rest = [i for i in ids if i not in moved]
    accepted, outcome = _screen(session, cycle_id, rest, action, check, rows)
    if accepted:  # changed by someone else since the UPDATE: as a read-then-move would do
        done += move(list(accepted), read=accepted)
    outcome.done = _as_asked(ids, done)
    return outcome


def _statuses(rows: Mapping[int, _Row]) -> dict[int, str]:
    """Each row's status as read, for ``transition`` to try each id from that status only."""
    return {app_id: row.status for app_id, row in rows.items()}


def _as_asked(ids: Sequence[int], moved: Sequence[int]) -> list[int]:
    """The moved ids in the order they were asked for: a statement's RETURNING order is the
    database's own (PostgreSQL's differs from SQLite's and from run to run)."""
    done = set(moved)
    return [i for i in dict.fromkeys(ids) if i in done]


@dataclass(frozen=True)
class _InSql:
    """An action's ``check`` said in SQL: the ids it refuses whatever their status (``leave``)
    and conditions on the columns (``where``); together exactly the rows the check passes."""

    leave: frozenset[int] = frozenset()
    where: tuple[ColumnElement[bool], ...] = ()


@dataclass(frozen=True)
class _Record:
    """What follows a person across years, from our own records rather than their word."""

    barred: dict[str, tuple[dt.date, str | None]]
    failed_last_year: set[str]
    # Whether any of the people has a record without a bar, which the office is warned of
    # (models.integrity.declaration_warnings): most batches have none, and skip that read.
    flagged: bool = False


def _records(session: Session, ctx: CycleContext, people: Sequence[str]) -> _Record:
    """The integrity records' bars (models.integrity) and last year's failures, set-based."""
    found = integrity_of(session, people)
    barred = {
        pid: (one.barred_until, one.bar_reason)
        for pid, one in found.items()
        if one.barred_until is not None
    }
    failed: set[str] = set()
    for i in range(0, len(people), CHUNK):
        chunk = list(people[i : i + CHUNK])
        failed.update(
            session.execute(
                select(col(Application.person_id)).where(
                    among(Application.person_id, chunk, text=True),
                    col(Application.year) == ctx.year - 1,
                    col(Application.status) == Status.failed.value,
                )
            ).scalars()
        )
    return _Record(barred, failed, any(one.flags for one in found.values()))


def _ineligible(ctx: CycleContext, row: _Row, on: dt.date, record: _Record) -> Refusal | None:
    """The eligibility rules on what the applicant declared and what our records hold about
    the person (an integrity bar, last year's failure), on the Beijing day ``on``: the
    blocking reasons, or None."""
    facts = dict(row.facts or {})
    if row.person_id in record.barred:
        until, why = record.barred[row.person_id]
        facts.update(barred_until=until.isoformat(), bar_reason=why)
    if row.person_id in record.failed_last_year:
        facts["failed_last_year"] = True
    try:
        applicant = applicant_from_facts(row.person_id, facts, level_sought=row.level_sought)
    except FactsError as exc:
        return Refusal(RefusalCode.bad_facts, f"申报信息有误：{exc}")
    verdict = check(applicant, ctx.rules, year=ctx.year, on=on)
    if verdict.eligible:
        return None
    return Refusal(RefusalCode.ineligible, "不符合申报条件：" + "；".join(verdict.reasons))


def submit(
    session: Session, cycle_id: str, ids: Sequence[int], *, now: dt.datetime, actor: str
) -> Outcome:
    """First submission (提交申报): only inside the declaration window, and only when the
    eligibility rules pass on what the applicant declared (the draft stays a draft)."""
    ctx = CycleContext.load(session, cycle_id)
    window = ctx.window("declaration")
    if closed := _window_refusal(window, now, "首次提交申报"):
        return _refuse_all(ids, closed)
    rows = _rows(session, cycle_id, ids, facts=True)
    record = _records(session, ctx, [r.person_id for r in rows.values()])
    today = _local_day(now)
    outcome = _move(
        session,
        cycle_id,
        ids,
        "submit",
        now=now,
        actor=actor,
        check=lambda row: _ineligible(ctx, row, today, record),
        values={"submitted_at": now},
        rows=rows,
    )
    if record.flagged:
        outcome.warnings += integrity.declaration_warnings(session, cycle_id, outcome.done)
    return outcome


def open_review(
    session: Session, cycle_id: str, ids: Sequence[int], *, now: dt.datetime, actor: str
) -> Outcome:
    """A unit takes submitted applications into review (随报随审), checking eligibility
    again: what fails now is refused with its reasons."""
    ctx = CycleContext.load(session, cycle_id)
    window = ctx.level_window("unit")
    if closed := _window_refusal(window, now, "审核"):
        return _refuse_all(ids, closed)
    failing: dict[Refusal, list[int]] = {}
    rows = _rows(session, cycle_id, ids, facts=True)
    record = _records(session, ctx, [r.person_id for r in rows.values()])
    today = _local_day(now)
    for app_id, row in rows.items():
        if row.status == Status.submitted and (why := _ineligible(ctx, row, today, record)):
            failing.setdefault(why, []).append(app_id)
    refused_now = [i for group in failing.values() for i in group]
    for why, group in failing.items():
        transition(
            session,
            cycle_id=cycle_id,
            action="refuse",
            now=now,
            actor=actor,
            reason=why.message,
            ids=group,
            statuses=_statuses(rows),
        )
    refused_set = set(refused_now)
    rest = [i for i in ids if i not in refused_set]
    # The rest were not moved by the refusals above: their rows as read are still current.
    outcome = _move(session, cycle_id, rest, "open_review", now=now, actor=actor, rows=rows)
    outcome.refusals.update({i: why for why, group in failing.items() for i in group})
    if record.flagged:
        outcome.warnings += integrity.declaration_warnings(session, cycle_id, outcome.done)
    return outcome


def return_for_changes(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: str,
    reason: str,
) -> Outcome:
    """A reviewer sends applications back with all requested changes at once (一次性反馈).
    The counter is shared by all levels; past the cycle's limit the return is refused and the
    materials lock as they are."""
    if not reason or not reason.strip():
        return _refuse_all(
            ids, Refusal(RefusalCode.reason_required, "退回须一次性写明全部修改意见")
        )
    ctx = CycleContext.load(session, cycle_id)
    limit = int(ctx.policy_value("return_limit"))
    since = ctx.counted_from()
    counted = _returns_since(session, cycle_id, ids, since) if since is not None else {}
    day = ctx.rules.return_count_from
    counting = f"{day.year}年{day.month}月{day.day}日起" if day is not None else ""

    closed_at = _level_refusals(ctx, now, "退回")

    def check(row: _Row) -> Refusal | None:
        level = "department" if row.status == Status.department_review else "unit"
        if closed := closed_at(level):
            return closed
        returns = row.return_count if since is None else counted.get(row.id, 0)
        if row.locked or returns >= limit:
            return Refusal(
                RefusalCode.return_limit,
                f"{counting}已退回 {returns} 次，达到上限 {limit} 次：申报材料已锁定，请按现有材料作出决定",
            )
        return None

    rows = _rows(session, cycle_id, ids)
    accepted, outcome = _screen(session, cycle_id, ids, "return", check, rows)
    over_limit = [
        i
        for i, why in outcome.refusals.items()
        if why.code == RefusalCode.return_limit and not rows[i].locked
    ]
    _lock(session, cycle_id, over_limit, now, actor, limit, rows)
    by_level: dict[str, list[int]] = {}
    for app_id, row in accepted.items():
        by_level.setdefault(
            "department" if row.status == Status.department_review else "unit", []
        ).append(app_id)
    for level, level_ids in by_level.items():
        outcome.done += transition(
            session,
            cycle_id=cycle_id,
            action="return",
            now=now,
            actor=actor,
            reason=reason,
            ids=level_ids,
            values={"returned_by": level, "return_reason": reason},
            increments=("return_count",),
            statuses=_statuses(accepted),
        )
    return outcome


def _returns_since(
    session: Session, cycle_id: str, ids: Sequence[int], since: dt.datetime
) -> dict[int, int]:
    """Each application's returns at or after ``since`` (002 五(六) counts from 9/30 on)."""
    counts: dict[int, int] = {}
    for i in range(0, len(ids), CHUNK):
        stmt = (
            select(col(AuditEvent.application_id), func.count())
            .where(
                of_cycle(AuditEvent.cycle_id, cycle_id),
                col(AuditEvent.action) == "return",
                col(AuditEvent.at) >= since,
                among(AuditEvent.application_id, ids[i : i + CHUNK]),
            )
            .group_by(col(AuditEvent.application_id))
        )
        counts.update({app_id: int(n) for app_id, n in session.execute(stmt)})
    return counts


def _lock(
    session: Session,
    cycle_id: str,
    ids: list[int],
    now: dt.datetime,
    actor: str,
    limit: int,
    rows: dict[int, _Row],
) -> None:
    """Lock the materials of ``ids`` (their ``rows`` as the caller read them: locking does
    not change a status, so the audit rows name the status read)."""
    if not ids:
        return
    session.execute(
        update(Application).where(among(Application.id, ids)).values(locked=True, updated_at=now)
    )
    note(
        session,
        cycle_id=cycle_id,
        ids=ids,
        status_of={i: rows[i].status for i in ids},
        now=now,
        actor=actor,
        action="lock",
        reason=f"退回次数已达上限 {limit} 次，材料锁定",
    )


def resubmit(
    session: Session, cycle_id: str, ids: Sequence[int], *, now: dt.datetime, actor: str
) -> Outcome:
    """After a return: open until the returning level's own deadline, not the declaration's."""
    ctx = CycleContext.load(session, cycle_id)
    rows = _rows(session, cycle_id, ids)
    by_level: dict[str, list[int]] = {"unit": [], "department": []}
    for app_id in ids:
        row = rows.get(app_id)
        by_level[(row.returned_by if row else None) or "unit"].append(app_id)
    done: list[int] = []
    refusals: dict[int, Refusal] = {}

    closed_at = _level_refusals(ctx, now, "重新提交")

    for level, level_ids in by_level.items():

        def check(row: _Row, level: str = level) -> Refusal | None:
            return closed_at(level)

        # The levels' ids are disjoint: the rows read once above are current for each level.
        accepted, outcome = _screen(session, cycle_id, level_ids, f"resubmit_{level}", check, rows)
        refusals.update(outcome.refusals)
        done += transition(
            session,
            cycle_id=cycle_id,
            action=f"resubmit_{level}",
            now=now,
            actor=actor,
            ids=list(accepted),
        )
    return Outcome(done, {i: refusals[i] for i in ids if i in refusals})


def recommend(
    session: Session, cycle_id: str, ids: Sequence[int], *, now: dt.datetime, actor: str
) -> Outcome:
    """The unit recommends (审核推荐); unit publicity opens at the next sweep. The outcome
    warns where a senior committee's series falls short of the village quota."""
    ctx = CycleContext.load(session, cycle_id)
    window = ctx.level_window("unit")
    special: set[int] = set()
    reviewed: set[int] = set()
    if ctx.rules.collective_review_required:
        special = documents.special_category(session, cycle_id, ids)
        reviewed = documents.with_document(
            session, cycle_id, special, DocumentKind.collective_review
        )

    def check(row: _Row) -> Refusal | None:
        if row.id in special and row.id not in reviewed:
            return Refusal(
                RefusalCode.document_missing,
                "破格晋升、基层有效、艰苦单位等类别的申报人须先经职工大会集体评议并登记，方可推荐",
            )
        return None

    outcome = _move(
        session,
        cycle_id,
        ids,
        "recommend",
        now=now,
        actor=actor,
        window=window,
        what="审核推荐",
        check=check,
        in_sql=_InSql(leave=frozenset(special - reviewed)),
    )
    outcome.warnings += _special_publicity_warnings(ctx, special & set(outcome.done))
    outcome.warnings += _village_warnings(session, ctx, outcome.done, RECOMMENDED)
    return outcome


def _special_publicity_warnings(ctx: CycleContext, special: set[int]) -> list[str]:
    """004 四(一) asks a longer, wider unit publicity for these applicants but gives no length:
    with none in the cycle's policy it is a reminder, never a block."""
    if not special or ctx.rules.special_category_publicity_min_workdays is not None:
        return []
    return [
        f"{len(special)} 名破格晋升、基层有效、艰苦单位等类别的申报人：单位公示应适当延长公示期、"
        "扩大公示范围（本周期未规定天数，请单位把握）"
    ]


def _village_warnings(
    session: Session, ctx: CycleContext, done: Sequence[int], counted: frozenset[Status]
) -> list[str]:
    """The village quota (001 三(二)) for the committees and series the moved applications
    go to (what the batch changed; the rest of the cycle is counted where it moves)."""
    if not done or ctx.rules.village_senior_quota is None:
        return []
    groups: set[tuple[int, str | None]] = set()
    for i in range(0, len(done), CHUNK):  # their committees and series, not their facts
        groups.update(
            (cid, series)
            for cid, series in session.execute(
                select(col(Application.committee_id), col(Application.series))
                .where(
                    of_cycle(Application.cycle_id, ctx.cycle_id),
                    among(Application.id, done[i : i + CHUNK]),
                )
                .distinct()
            ).all()
        )
    return [w for _, w in village_quota_shortfalls(session, ctx, counted, groups=groups)]


def _push_deadlines(session: Session, ctx: CycleContext) -> dict[int, tuple[str, int]]:
    """Each committee held to a push month: its series and the month (003 附件1 注2)."""
    if not ctx.push_months:
        return {}
    out = {}
    for cid, series in session.execute(
        select(col(Committee.id), col(Committee.series)).where(
            col(Committee.cycle_id) == ctx.cycle_id
        )
    ):
        month = push_month_of(series, ctx.push_months)
        if month is not None:
            out[cid] = (series, month)
    return out


def _past_push_month(
    ctx: CycleContext, deadlines: dict[int, tuple[str, int]], row: _Row, now: dt.datetime
) -> Refusal | None:
    if row.committee_id not in deadlines:
        return None
    series, month = deadlines[row.committee_id]
    if now < day_end(push_month_last_day(month, ctx.year)):
        return None
    return Refusal(
        RefusalCode.past_push_month,
        f"{series}系列须于{month}月推送评审（可适当提前，但不得延后），{month}月已过，不能再报送",
    )


def forward(
    session: Session, cycle_id: str, ids: Sequence[int], *, now: dt.datetime, actor: str
) -> Outcome:
    """The department forwards to the committee (报送评委会): the push of 003 附件1, in or
    before the series' push month where the cycle sets one."""
    return forward_each(session, cycle_id, {actor: ids}, now=now)[actor]


def forward_each(
    session: Session,
    cycle_id: str,
    by_actor: Mapping[str, Sequence[int]],
    *,
    now: dt.datetime,
) -> dict[str, Outcome]:
    """Several departments forwarding at one ``now``, each its own ids, in the order given:
    the same moves, audit rows (each naming its department) and refusals as one ``forward``
    per department, with the cycle, the push months and the documents read once."""
    ctx = CycleContext.load(session, cycle_id)
    deadlines = _push_deadlines(session, ctx)
    everyone = [i for ids in by_actor.values() for i in ids]
    missing = _missing_before_committee(session, ctx, everyone) if everyone else {}

    def check(row: _Row) -> Refusal | None:
        return missing.get(row.id) or _past_push_month(ctx, deadlines, row, now)

    past = [
        cid
        for cid, (_, month) in deadlines.items()
        if now >= day_end(push_month_last_day(month, ctx.year))
    ]
    in_sql = _InSql(
        leave=frozenset(missing),
        where=(col(Application.committee_id).not_in(past),) if past else (),
    )

    def forwarded(ids: Sequence[int], actor: str, actor_of: Mapping[int, str] | None) -> Outcome:
        return _move(
            session,
            cycle_id,
            ids,
            "forward",
            now=now,
            actor=actor,
            window=ctx.level_window("department"),
            what="报送",
            check=check,
            in_sql=in_sql,
            actor_of=actor_of,
        )

    if len(by_actor) > 1 and len(set(everyone)) == len(everyone):
        # Each department's ids its own: one UPDATE for them all (a day's forwarding was one
        # per department, ~100 of a few rows each), each audit row naming its department.
        actor_of = {i: actor for actor, ids in by_actor.items() for i in ids}
        together = forwarded(everyone, next(iter(by_actor)), actor_of)
        return {actor: _part(together, ids) for actor, ids in by_actor.items()}
    return {actor: forwarded(ids, actor, None) for actor, ids in by_actor.items()}


def _part(outcome: Outcome, ids: Sequence[int]) -> Outcome:
    """What ``outcome`` says of ``ids``, in their order."""
    done = set(outcome.done)
    return Outcome(
        done=[i for i in ids if i in done],
        refusals={i: outcome.refusals[i] for i in ids if i in outcome.refusals},
        warnings=list(outcome.warnings),
    )


def _missing_before_committee(
    session: Session, ctx: CycleContext, ids: Sequence[int]
) -> dict[int, Refusal]:
    """What an application must carry before it goes to a committee, where the cycle's
    policy requires it: the unit's publicity report (004 三(三)) and, for central-government
    units' staff, the commissioned-review letter (002 二, 004 一)."""
    out: dict[int, Refusal] = {}
    if ctx.rules.commission_letter_required:
        needed = documents.commissioned(session, ctx.cycle_id, ids)
        have = documents.with_document(
            session, ctx.cycle_id, needed, DocumentKind.commission_letter
        )
        for app_id in needed - have:
            out[app_id] = Refusal(
                RefusalCode.document_missing,
                "中央在甘单位（或外省单位分支机构）人员须有经省人社厅审核同意的委托函，方可报送评委会",
            )
    if ctx.rules.publicity_report_required:
        have = documents.with_document(session, ctx.cycle_id, ids, DocumentKind.publicity_report)
        for app_id in set(ids) - have:
            out.setdefault(
                app_id,
                Refusal(
                    RefusalCode.document_missing,
                    "用人单位尚未出具公示结果报告（公示无异议后出具），不能报送评委会",
                ),
            )
    return out


def refuse(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: str,
    reason: str,
) -> Outcome:
    """A reviewer finds an application ineligible (不符合申报条件)."""
    return _move(session, cycle_id, ids, "refuse", now=now, actor=actor, reason=reason)


def record_result(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    passed: bool,
    now: dt.datetime,
    actor: str,
) -> Outcome:
    """A committee records its verdict inside its review window; a pass opens result
    publicity for the cycle's number of days, counted from the next day."""
    ctx = CycleContext.load(session, cycle_id)
    windows = _committee_windows(session, cycle_id)
    unrecorded = documents.unrecorded_video_defences(session, cycle_id)

    closed_of = {cid: _window_refusal(w, now, "录入评审结果") for cid, w in windows.items()}

    def check(row: _Row) -> Refusal | None:
        if closed := closed_of.get(row.committee_id):
            return closed
        if (meeting := unrecorded.get(row.committee_id)) is not None:
            return Refusal(
                RefusalCode.recording_missing,
                f"{meeting.held_on.isoformat()} 的视频答辩须全程录像保存：会议记录尚未登记录像存放位置，"
                "不能录入评审结果",
            )
        return None

    # The committees whose applications the check refuses, whatever the row: closed (outside
    # their own review time) or with a video defence whose recording is not registered.
    barred = sorted({cid for cid, closed in closed_of.items() if closed} | set(unrecorded))
    values: dict[str, object] = {}
    if passed:
        days = int(ctx.policy_value("result_publicity_min_days"))
        values["result_publicity_ends"] = day_end(_local_day(now) + dt.timedelta(days=days))
    outcome = _move(
        session,
        cycle_id,
        ids,
        "pass" if passed else "fail",
        now=now,
        actor=actor,
        window=ctx.window("committee_review"),
        what="录入评审结果",
        check=check,
        values=values,
        in_sql=_InSql(where=(col(Application.committee_id).not_in(barred),) if barred else ()),
    )
    if passed:
        outcome.warnings += _village_warnings(session, ctx, outcome.done, GRANTED)
    return outcome


def _committee_windows(session: Session, cycle_id: str) -> dict[int, Window]:
    out = {}
    for c in session.scalars(select(Committee).where(col(Committee.cycle_id) == cycle_id)):
        assert c.id is not None
        if c.window_start and c.window_last_day:
            start = pendulum.datetime(
                c.window_start.year, c.window_start.month, c.window_start.day, tz=BEIJING
            )
            out[c.id] = Window(c.key, f"{c.name}评审时间", start, day_end(c.window_last_day))
    return out


def object_to(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: str,
    reason: str,
) -> Outcome:
    """An objection during result publicity opens an investigation with the cycle's limit."""
    ctx = CycleContext.load(session, cycle_id)
    months = int(ctx.policy_value("objection_investigation_months"))

    def check(row: _Row) -> Refusal | None:
        ends = row.result_publicity_ends
        if ends is not None and now >= ends:
            return Refusal(
                RefusalCode.publicity_ended, f"结果公示已于 {beijing_text(ends)} 结束，不再受理异议"
            )
        return None

    due = pendulum.instance(now).in_timezone(BEIJING).add(months=months)
    return _move(
        session,
        cycle_id,
        ids,
        "object",
        now=now,
        actor=actor,
        check=check,
        reason=reason,
        values={"objection_due": due},
    )


def decide_objection(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    upheld: bool,
    now: dt.datetime,
    actor: str,
    reason: str,
) -> Outcome:
    """Upheld: the title is revoked. Dismissed: back to publicity, issued by the next sweep."""
    action = "uphold_objection" if upheld else "dismiss_objection"
    return _move(session, cycle_id, ids, action, now=now, actor=actor, reason=reason)


def revoke(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: str,
    reason: str,
) -> Outcome:
    """An issued title revoked (e.g. obtained with falsified materials); its certificate then
    fails verification as revoked."""
    if not reason or not reason.strip():
        return _refuse_all(ids, Refusal(RefusalCode.reason_required, "撤销职称须写明原因"))
    return _move(session, cycle_id, ids, "revoke", now=now, actor=actor, reason=reason)


def withdraw(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: str,
    reason: str,
) -> Outcome:
    return _move(session, cycle_id, ids, "withdraw", now=now, actor=actor, reason=reason)


def record_document(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    kind: DocumentKind,
    *,
    now: dt.datetime,
    actor: str,
    reference: str,
) -> Outcome:
    """A unit or office records a document the applications carry (who, when, its reference:
    the meeting's date and votes, the report's or the letter's number), once each: the
    collective review before recommendation, the publicity report once unit publicity is over
    (for 破格/基层有效/艰苦单位 applicants, over its longer length where the cycle sets one),
    the commissioned-review letter before the committee. Nothing changes status."""
    label = DOCUMENT_LABELS[kind]
    if not reference or not reference.strip():
        return _refuse_all(
            ids, Refusal(RefusalCode.reason_required, f"登记{label}须写明文号或会议情况")
        )
    ctx = CycleContext.load(session, cycle_id)
    rows = _rows(session, cycle_id, ids)
    have = documents.with_document(session, cycle_id, list(rows), kind)
    states = DOCUMENT_STATES[kind.value]
    publicity_over = (
        _publicity_over(session, ctx, rows, now) if kind == DocumentKind.publicity_report else {}
    )
    outcome = Outcome()
    for app_id in dict.fromkeys(ids):
        row = rows.get(app_id)
        if row is None:
            why = Refusal(RefusalCode.no_application, f"本周期没有编号为 {app_id} 的申报")
        elif row.status not in states:
            why = Refusal(
                RefusalCode.wrong_status,
                f"当前状态为“{LABELS[Status(row.status)]}”，不能登记{label}",
            )
        elif app_id in have:
            why = Refusal(RefusalCode.already_recorded, f"已登记{label}，不重复登记")
        elif kind == DocumentKind.publicity_report and (ends := publicity_over[app_id]) > now:
            why = Refusal(
                RefusalCode.publicity_not_over,
                f"单位公示至 {beijing_text(ends)} 结束，公示期满无异议后方可出具公示结果报告",
            )
        else:
            outcome.done.append(app_id)
            continue
        outcome.refusals[app_id] = why
    documents.add_documents(
        session, cycle_id, outcome.done, kind, reference=reference.strip(), by=actor, now=now
    )
    return outcome


def _publicity_over(
    session: Session, ctx: CycleContext, rows: dict[int, _Row], now: dt.datetime
) -> dict[int, dt.datetime]:
    """When each application's unit publicity ends: its stored end, or for 破格/基层有效/艰苦单位
    applicants the cycle's longer length counted from the day it went on publicity."""
    ends = {i: r.unit_publicity_ends or now for i, r in rows.items()}
    longer = ctx.rules.special_category_publicity_min_workdays
    if longer is None:
        return ends
    special = documents.special_category(session, ctx.cycle_id, list(rows))
    if not special:
        return ends
    started = session.execute(
        select(col(AuditEvent.application_id), func.min(col(AuditEvent.at)))
        .where(
            of_cycle(AuditEvent.cycle_id, ctx.cycle_id),
            col(AuditEvent.action) == "start_unit_publicity",
            col(AuditEvent.application_id).in_(sorted(special)),
        )
        .group_by(col(AuditEvent.application_id))
    )
    for app_id, at in started:
        ends[app_id] = max(ends[app_id], unit_publicity_end(at, int(longer)))
    return ends


def _local_day(now: dt.datetime) -> dt.date:
    return pendulum.instance(now).in_timezone(BEIJING).date()


def one(outcome: Outcome, app_id: int) -> None:
    """For single-application callers: raise the refusal instead of returning it."""
    if app_id in outcome.refusals:
        refusal = outcome.refusals[app_id]
        raise Refused(refusal.message, refusal.code)


def unit_publicity_end(start: dt.datetime, workdays: int) -> pendulum.DateTime:
    """Publicity posted on a day counts that day when it is a working day (Monday to Friday)."""
    return day_end(workday_calendar().add_workdays(_local_day(start), workdays))


def _recording(
    kind: DocumentKind,
) -> Callable[[Session, str, Sequence[int], dt.datetime, str, str], Outcome]:
    """The action that records a document of ``kind``: its reference is the action's reason."""

    def run(
        s: Session,
        c: str,
        ids: Sequence[int],
        now: dt.datetime,
        actor: str,
        reason: str,
    ) -> Outcome:
        return record_document(s, c, ids, kind, now=now, actor=actor, reference=reason)

    return run


@dataclass(frozen=True)
class Action:
    """One action as the callers that take it by name see it (the CLI, the dashboard)."""

    name: str
    label: str  # in plain Chinese, as buttons and messages say it
    run: Callable[[Session, str, Sequence[int], dt.datetime, str, str], Outcome]
    # The dashboard accounts that may take it, by kind (an OrgKind, or "committee"); an action
    # no account may take there is for the CLI and the flows only.
    taken_by: frozenset[str] = frozenset()


_UNITS = frozenset({OrgKind.unit, OrgKind.agency})
_OFFICES = frozenset({OrgKind.city, OrgKind.province})
_COMMITTEE = frozenset({"committee"})

# Every action by name, in the order of the workflow: the one vocabulary of the CLI and the
# dashboard. A refusal or withdrawal without words gets the usual ones; return, object and
# revoke need their own, and recording a document (collective_review, publicity_report,
# commission_letter) takes its reference (文号、会议情况) as the reason.
ACTION_TABLE: tuple[Action, ...] = (
    Action(
        "submit",
        "提交申报",
        lambda s, c, ids, now, actor, reason: submit(s, c, ids, now=now, actor=actor),
        _UNITS,
    ),
    Action(
        "resubmit",
        "重新提交",
        lambda s, c, ids, now, actor, reason: resubmit(s, c, ids, now=now, actor=actor),
        _UNITS,
    ),
    Action(
        "return",
        "退回修改",
        lambda s, c, ids, now, actor, reason: return_for_changes(
            s, c, ids, now=now, actor=actor, reason=reason
        ),
        _UNITS | {OrgKind.department},
    ),
    Action(
        "recommend",
        "审核推荐",
        lambda s, c, ids, now, actor, reason: recommend(s, c, ids, now=now, actor=actor),
        _UNITS,
    ),
    Action(
        "collective_review",
        "登记职工大会集体评议",
        _recording(DocumentKind.collective_review),
        _UNITS,
    ),
    Action(
        "publicity_report",
        "出具公示结果报告",
        _recording(DocumentKind.publicity_report),
        _UNITS,
    ),
    Action(
        "commission_letter",
        "登记委托函",
        _recording(DocumentKind.commission_letter),
        _OFFICES,
    ),
    Action(
        "forward",
        "报送评委会",
        lambda s, c, ids, now, actor, reason: forward(s, c, ids, now=now, actor=actor),
        frozenset({OrgKind.department}),
    ),
    Action(
        "refuse",
        "认定不符合申报条件",
        lambda s, c, ids, now, actor, reason: refuse(
            s, c, ids, now=now, actor=actor, reason=reason or "不符合申报条件"
        ),
    ),
    Action(
        "pass",
        "评审通过",
        lambda s, c, ids, now, actor, reason: record_result(
            s, c, ids, passed=True, now=now, actor=actor
        ),
        _COMMITTEE,
    ),
    Action(
        "fail",
        "评审未通过",
        lambda s, c, ids, now, actor, reason: record_result(
            s, c, ids, passed=False, now=now, actor=actor
        ),
        _COMMITTEE,
    ),
    Action(
        "object",
        "登记异议",
        lambda s, c, ids, now, actor, reason: object_to(
            s, c, ids, now=now, actor=actor, reason=reason
        ),
        _OFFICES,
    ),
    Action(
        "uphold",
        "异议成立",
        lambda s, c, ids, now, actor, reason: decide_objection(
            s, c, ids, upheld=True, now=now, actor=actor, reason=reason
        ),
    ),
    Action(
        "dismiss",
        "异议不成立",
        lambda s, c, ids, now, actor, reason: decide_objection(
            s, c, ids, upheld=False, now=now, actor=actor, reason=reason
        ),
    ),
    Action(
        "revoke",
        "撤销职称",
        lambda s, c, ids, now, actor, reason: revoke(
            s, c, ids, now=now, actor=actor, reason=reason
        ),
    ),
    Action(
        "withdraw",
        "本人撤回",
        lambda s, c, ids, now, actor, reason: withdraw(
            s, c, ids, now=now, actor=actor, reason=reason or "本人撤回"
        ),
    ),
)
_BY_NAME = {a.name: a for a in ACTION_TABLE}
# The names in the order of the workflow (the CLI's help lists them so).
ACTION_NAMES = tuple(_BY_NAME)
ACTION_LABELS = {a.name: a.label for a in ACTION_TABLE}
# What the dashboard offers some account, in the same order.
DASHBOARD_ACTIONS = tuple(a.name for a in ACTION_TABLE if a.taken_by)


def actions_taken_by(kind: str) -> frozenset[str]:
    """The actions a dashboard account of this kind (an OrgKind, or "committee") may take."""
    return frozenset(a.name for a in ACTION_TABLE if kind in a.taken_by)


def by_name(
    session: Session,
    action: str,
    cycle_id: str,
    ids: Sequence[int],
    *,
    now: dt.datetime,
    actor: str,
    reason: str = "",
) -> Outcome:
    """The action called ``action`` (one of ``ACTION_NAMES``)."""
    return _BY_NAME[action].run(session, cycle_id, ids, now, actor, reason)
