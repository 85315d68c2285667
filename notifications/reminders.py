"""Reminders as data: from the cycle file's rules to outbox rows, set-based. Each rule's
offsets become due instants (``notifications.schedule``); a sweep writes the rows of every
offset that has come due, once, keyed by the outbox key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pendulum
from sqlalchemy import ColumnElement, Select, String, case, cast, func, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec, ReminderRule
from calendars.plan import Plan
from calendars.workdays import WorkdayCalendar
from models.application import Application, Person
from models.cycle import Committee
from models.db import or_fail
from models.org import Organisation
from models.outbox import Message
from models.timeutil import UTCDateTime
from notifications.render import Skeleton, render, skeleton
from notifications.schedule import (
    Offset,
    committee_window,
    filing_window,
    offsets,
    phase_window,
)
from rules.idcard import mask

FRESH = dt.timedelta(hours=24)  # an offset missed by more than this is not sent belatedly
# What a SELECT feeding insert_selected names, besides the values its text is filled with.
MESSAGE_COLUMNS = (
    "cycle_id",
    "kind",
    "recipient",
    "recipient_kind",
    "subject",
    "deadline",
    "offset",
    "due",
    "expires_at",
    "pending",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)
_STARS = "*" * 40
# ReminderWriter._offsets: (calendar, offsets) by rule, quiet hours, window and calendar.
_OFFSETS: dict[tuple[Any, ...], tuple[WorkdayCalendar, list[Offset]]] = {}
_OFFSETS_KEPT = 4096


def _dialect_insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> int:
    """Adds outbox rows; a row whose key is already there is left as it was."""
    if not rows:
        return 0
    insert = _dialect_insert(session)
    # One prepared statement, many rows: a multi-VALUES statement would be compiled anew each time.
    session.execute(insert(Message).on_conflict_do_nothing(), rows)
    return len(rows)


def message_row(
    cycle_id: str,
    kind: str,
    recipient: str,
    recipient_kind: str,
    subject: str,
    deadline: dt.datetime,
    offset: Offset,
    now: dt.datetime,
    pending: int,
    expires: bool,
    **values: Any,
) -> dict[str, Any]:
    title, body = render(kind, deadline, pending=pending, **values)
    return {
        "cycle_id": cycle_id,
        "kind": kind,
        "recipient": recipient,
        "recipient_kind": recipient_kind,
        "subject": subject,
        "deadline": deadline,
        "offset": offset.key,
        "due": offset.due,
        "expires_at": deadline if expires else None,
        "title": title,
        "body": body,
        "pending": pending,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": offset.due,
        "created_at": now,
    }


def message_constants(
    cycle_id: str,
    kind: str,
    recipient_kind: str,
    deadline: dt.datetime,
    offset: Offset,
    now: dt.datetime,
    expires: bool,
) -> dict[str, ColumnElement[Any]]:
    """The columns every row of one offset shares, as SQL literals of the columns' types
    (what message_row writes for them)."""
    stamp = UTCDateTime()
    return {
        "cycle_id": literal(cycle_id, String),
        "kind": literal(kind, String),
        "recipient_kind": literal(recipient_kind, String),
        "deadline": literal(deadline, stamp),
        "offset": literal(offset.key, String),
        "due": literal(offset.due, stamp),
        "expires_at": literal(deadline if expires else None, stamp),
        "status": literal("pending", String),
        "attempts": literal(0),
        "next_attempt_at": literal(offset.due, stamp),
        "created_at": literal(now, stamp),
    }


def filled(made: Skeleton, values: dict[str, ColumnElement[Any]]) -> ColumnElement[str]:
    """The skeleton's body with each token replaced by its value, in SQL."""
    body: ColumnElement[Any] = literal(made.body, String)
    for name, token in made.tokens.items():
        body = func.replace(body, token, cast(values[name], String))
    return body


def insert_selected(
    session: Session,
    rows: Select[Any],
    kind: str,
    deadline: dt.datetime,
    samples: dict[str, tuple[Any, Any]],
    **fixed: Any,
) -> int:
    """Outbox rows from a query, in one INSERT … SELECT: ``rows`` names every column of
    MESSAGE_COLUMNS and each value in ``samples`` (those that differ between its rows); the
    text is rendered once with tokens the database fills in (``render.skeleton``). Where
    the template does more with a value than print it, each row is rendered here instead.
    A row whose key is already there is left as it was. Returns the rows added."""
    made = skeleton(kind, deadline, samples, **fixed)
    if made is None:
        out = []
        for row in session.execute(rows).mappings():
            values = {name: row[name] for name in samples}
            title, body = render(kind, deadline, **fixed, **values)
            out.append({c: row[c] for c in MESSAGE_COLUMNS} | {"title": title, "body": body})
        return insert_messages(session, out)
    source = rows.subquery()
    columns: list[Any] = [source.c[c] for c in MESSAGE_COLUMNS]
    if session.get_bind().dialect.name == "postgresql":
        # A NULL (or any parameter) in a subquery's select list is text to PostgreSQL; cast
        # each to its column's type. (Not on SQLite: CAST(… AS DATETIME) there is numeric.)
        table = Message.metadata.tables["message"]
        columns = [
            cast(column, table.c[c].type)
            for column, c in zip(columns, MESSAGE_COLUMNS, strict=True)
        ]
    stmt = (
        or_fail(_dialect_insert(session)(Message))
        .from_select(
            [*MESSAGE_COLUMNS, "title", "body"],
            # WHERE: SQLite reads ON CONFLICT after a bare SELECT … FROM as a join's ON
            select(
                *columns,
                literal(made.title, String),
                filled(made, {name: source.c[name] for name in samples}),
            ).where(true()),
        )
        .on_conflict_do_nothing()
    )
    result: Any = session.execute(stmt)  # a CursorResult: rows added, not those in conflict
    return int(result.rowcount or 0)


def masked_in_sql(id_number: Any) -> ColumnElement[str]:
    """``rules.idcard.mask`` of a stored ID number, in SQL (stored numbers are normalised:
    digits and an upper-case X): up to 10 characters all hidden, else the first 6 and the
    last max(0, min(4, n - 14)) shown."""
    n = func.length(id_number)
    tail = case((n >= 18, 4), (n > 14, n - 14), else_=0)
    return case(
        (n <= 10, func.substr(_STARS, 1, n, type_=String)),
        else_=func.substr(id_number, 1, 6, type_=String)
        + func.substr(_STARS, 1, n - 6 - tail, type_=String)
        + func.substr(id_number, n - tail + 1, tail, type_=String),
    )


class ReminderWriter:
    """Writes the rows of every reminder offset due by ``now`` for one cycle."""

    def __init__(
        self,
        session: Session,
        cycle_id: str,
        spec: CycleSpec,
        plan: Plan,
        calendar: WorkdayCalendar,
    ) -> None:
        self.session, self.cycle_id, self.spec, self.plan, self.calendar = (
            session,
            cycle_id,
            spec,
            plan,
            calendar,
        )
        self.title = spec.title

    def due_offsets(
        self, rule: ReminderRule, start: dt.datetime, deadline: dt.datetime, now: dt.datetime
    ) -> Iterator[Offset]:
        for offset in self._fallen_due(rule, start, deadline, now):
            if not self._written(rule.kind, offset.key, deadline):
                yield offset

    def _fallen_due(
        self, rule: ReminderRule, start: dt.datetime, deadline: dt.datetime, now: dt.datetime
    ) -> list[Offset]:
        """The offsets whose time has come by ``now`` (written or not): no database read."""
        if now >= deadline:
            return []
        return [
            o for o in self._offsets(rule, start, deadline) if o.due <= now and now - o.due < FRESH
        ]

    def _offsets(
        self, rule: ReminderRule, start: dt.datetime, deadline: dt.datetime
    ) -> list[Offset]:
        """A rule's offsets in one window: the same at every instant of the cycle, so worked
        out once per process (keyed by everything they depend on)."""
        assert self.spec.notifications is not None
        quiet = self.spec.notifications
        key = (
            rule.model_dump_json(),
            quiet.quiet_start,
            quiet.quiet_end,
            start,
            deadline,
            id(self.calendar),
        )
        cached = _OFFSETS.get(key)
        if cached is not None and cached[0] is self.calendar:
            return cached[1]
        made = offsets(rule, start, deadline, self.calendar, quiet)
        if len(_OFFSETS) >= _OFFSETS_KEPT:
            _OFFSETS.clear()
        _OFFSETS[key] = (self.calendar, made)
        return made

    def _written(self, kind: str, offset: str, deadline: dt.datetime) -> bool:
        """An offset is written once, at the first sweep after it falls due: its recipients
        are those pending at that moment. One seek of uq_message_key, whose entries for an
        offset lie together (migration 0026), read in its order: asked for the first row
        only, PostgreSQL otherwise reckoned a written offset's many rows would turn up at once
        in a sequential scan, and read past every other offset's first (33 ms at 100,000)."""
        stmt = (
            select(col(Message.id))
            .where(col(Message.cycle_id) == self.cycle_id, col(Message.kind) == kind)
            .where(col(Message.offset) == offset, col(Message.deadline) == deadline)
            .order_by(col(Message.recipient))
            .limit(1)
        )
        return self.session.execute(stmt).first() is not None

    def write(self, now: dt.datetime) -> int:
        if self.spec.notifications is None:
            return 0
        written = 0
        for rule in self.spec.notifications.reminders:
            writer = getattr(self, f"_{rule.audience}")
            written += writer(rule, now)
        return written

    def _window(self, key: str) -> tuple[dt.datetime, dt.datetime] | None:
        window = phase_window(self.plan, key)
        return (window.start, window.deadline) if window is not None else None

    def _applicant(self, rule: ReminderRule, now: dt.datetime) -> int:
        """One row per applicant still in the rule's states, each naming the person: the
        text is rendered once per offset, the database puts in each name and masked number."""
        window = self._window(rule.phase)
        if window is None:
            return 0
        written = 0
        for offset in self.due_offsets(rule, *window, now):
            days_left = (pendulum.instance(window[1]) - pendulum.instance(offset.due)).in_days()
            shared = message_constants(
                self.cycle_id, rule.kind, "applicant", window[1], offset, now, True
            )
            rows = (
                select(
                    *(value.label(name) for name, value in shared.items()),
                    col(Person.id_number).label("recipient"),
                    (literal("application:", String) + cast(col(Application.id), String)).label(
                        "subject"
                    ),
                    literal(1).label("pending"),
                    col(Person.name).label("name"),
                    masked_in_sql(col(Person.id_number)).label("id_masked"),
                )
                .select_from(Application)
                .join(Person, col(Person.id_number) == col(Application.person_id))
                .where(
                    col(Application.cycle_id) == self.cycle_id,
                    col(Application.status).in_(rule.states),
                )
            )
            written += insert_selected(
                self.session,
                rows,
                rule.kind,
                window[1],
                {"name": ("张三", "欧阳小明"), "id_masked": (mask("1" * 18), mask("2" * 15))},
                pending=1,
                cycle_title=self.title,
                days_left=days_left,
            )
        return written

    def _grouped(self, rule: ReminderRule, now: dt.datetime, org_column: Any, kind: str) -> int:
        """One row per organisation with items in the rule's states (unit or department),
        with their count: rendered once per offset, name and count put in by the database."""
        window = self._window(rule.phase)
        if window is None:
            return 0
        written = 0
        for offset in self.due_offsets(rule, *window, now):
            shared = message_constants(self.cycle_id, rule.kind, kind, window[1], offset, now, True)
            rows = (
                select(
                    *(value.label(name) for name, value in shared.items()),
                    col(Organisation.code).label("recipient"),
                    col(Organisation.code).label("subject"),
                    func.count().label("pending"),
                    col(Organisation.name).label("org_name"),
                )
                .select_from(Application)
                .join(Organisation, col(Organisation.id) == org_column)
                .where(
                    col(Application.cycle_id) == self.cycle_id,
                    col(Application.status).in_(rule.states),
                )
                .group_by(col(Organisation.code), col(Organisation.name))
            )
            written += insert_selected(
                self.session,
                rows,
                rule.kind,
                window[1],
                {"org_name": ("某某单位", "另一单位（2）"), "pending": (1, 2345)},
                phase_title=self.plan.phase(rule.phase).title,
                return_limit=self.spec.policy.return_limit,
            )
        return written

    def _unit(self, rule: ReminderRule, now: dt.datetime) -> int:
        return self._grouped(rule, now, col(Application.unit_id), "unit")

    def _department(self, rule: ReminderRule, now: dt.datetime) -> int:
        unit = select(col(Organisation.id), col(Organisation.department_id)).subquery()
        stmt_column = (
            select(unit.c.department_id)
            .where(unit.c.id == col(Application.unit_id))
            .scalar_subquery()
        )
        return self._grouped(rule, now, stmt_column, "department")

    def _committee(self, rule: ReminderRule, now: dt.datetime) -> int:
        """One row per committee with items in the rule's states, for each offset of its own
        review window that has come due. The applications are counted only at an instant
        when some committee's offset has come (a few a year), from the status index."""
        windows = []
        for key, name, first, last in self.session.execute(
            select(
                col(Committee.key),
                col(Committee.name),
                col(Committee.window_start),
                col(Committee.window_last_day),
            )
            .where(col(Committee.cycle_id) == self.cycle_id)
            .order_by(col(Committee.key))
        ):
            if first is None or last is None:
                continue
            window = committee_window(key, first, last)
            if self._fallen_due(rule, window.start, window.deadline, now):
                windows.append((key, name, window))
        if not windows:
            return 0
        counts = dict(
            self.session.execute(
                select(col(Committee.key), func.count())
                .select_from(Application)
                .join(Committee, col(Committee.id) == col(Application.committee_id))
                .where(
                    col(Application.cycle_id) == self.cycle_id,
                    col(Application.status).in_(rule.states),
                    col(Committee.key).in_([key for key, _, _ in windows]),
                )
                .group_by(col(Committee.key))
            ).all()
        )
        rows: list[dict[str, Any]] = []
        for key, name, window in windows:
            count = counts.get(key, 0)
            if not count:
                continue
            for offset in self.due_offsets(rule, window.start, window.deadline, now):
                rows.append(
                    message_row(
                        self.cycle_id,
                        rule.kind,
                        f"committee:{key}",
                        "committee",
                        f"committee:{key}",
                        window.deadline,
                        offset,
                        now,
                        count,
                        True,
                        org_name=name,
                    )
                )
        return insert_messages(self.session, rows)

    def _filing(self, rule: ReminderRule, now: dt.datetime) -> int:
        rows: list[dict[str, Any]] = []
        region = self.spec.region
        for item in self.plan.filing:
            if item.due_last_day is None:
                continue
            window = filing_window(item.key, item.due_last_day)
            start, deadline = window.start, window.deadline
            for offset in self.due_offsets(rule, start, deadline, now):
                rows.append(
                    message_row(
                        self.cycle_id,
                        rule.kind,
                        region.code,
                        "city" if region.level == "city" else region.level,
                        f"filing:{item.key}",
                        deadline,
                        offset,
                        now,
                        1,
                        True,
                        org_name=region.name,
                        item_title=item.title,
                        rule=item.rule,
                    )
                )
        return insert_messages(self.session, rows)
