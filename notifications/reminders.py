"""Reminders as data: from the cycle file's rules to outbox rows, set-based. Each rule's
offsets become due instants (``notifications.schedule``); a sweep writes the rows of every
offset that has come due, once, keyed by the outbox key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pendulum
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec, ReminderRule
from calendars.plan import Plan
from calendars.workdays import WorkdayCalendar
from models.application import Application, Person
from models.cycle import Committee
from models.org import Organisation
from models.outbox import Message
from notifications.render import render
from notifications.schedule import (
    Offset,
    committee_window,
    filing_window,
    offsets,
    phase_window,
)
from rules.idcard import mask

FRESH = dt.timedelta(hours=24)  # an offset missed by more than this is not sent belatedly


def insert_messages(session: Session, rows: list[dict[str, Any]]) -> int:
    """Adds outbox rows; a row whose key is already there is left as it was."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
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
        assert self.spec.notifications is not None
        for offset in offsets(rule, start, deadline, self.calendar, self.spec.notifications):
            if offset.due <= now < deadline and now - offset.due < FRESH:
                if not self._written(rule.kind, offset.key, deadline):
                    yield offset

    def _written(self, kind: str, offset: str, deadline: dt.datetime) -> bool:
        """An offset is written once, at the first sweep after it falls due: its recipients
        are those pending at that moment."""
        stmt = (
            select(col(Message.id))
            .where(col(Message.cycle_id) == self.cycle_id, col(Message.kind) == kind)
            .where(col(Message.offset) == offset, col(Message.deadline) == deadline)
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
        window = self._window(rule.phase)
        if window is None:
            return 0
        rows: list[dict[str, Any]] = []
        for offset in self.due_offsets(rule, *window, now):
            stmt = (
                select(col(Application.id), col(Person.id_number), col(Person.name))
                .join(Person, col(Person.id_number) == col(Application.person_id))
                .where(
                    col(Application.cycle_id) == self.cycle_id,
                    col(Application.status).in_(rule.states),
                )
            )
            days_left = (pendulum.instance(window[1]) - pendulum.instance(offset.due)).in_days()
            for app_id, id_number, name in self.session.execute(stmt):
                rows.append(
                    message_row(
                        self.cycle_id,
                        rule.kind,
                        id_number,
                        "applicant",
                        f"application:{app_id}",
                        window[1],
                        offset,
                        now,
                        1,
                        True,
                        name=name,
                        id_masked=mask(id_number),
                        cycle_title=self.title,
                        days_left=days_left,
                    )
                )
        return insert_messages(self.session, rows)

    def _grouped(self, rule: ReminderRule, now: dt.datetime, org_column: Any, kind: str) -> int:
        window = self._window(rule.phase)
        if window is None:
            return 0
        rows: list[dict[str, Any]] = []
        for offset in self.due_offsets(rule, *window, now):
            stmt = (
                select(col(Organisation.code), col(Organisation.name), func.count())
                .select_from(Application)
                .join(Organisation, col(Organisation.id) == org_column)
                .where(
                    col(Application.cycle_id) == self.cycle_id,
                    col(Application.status).in_(rule.states),
                )
                .group_by(col(Organisation.code), col(Organisation.name))
            )
            for code, name, count in self.session.execute(stmt):
                rows.append(
                    message_row(
                        self.cycle_id,
                        rule.kind,
                        code,
                        kind,
                        code,
                        window[1],
                        offset,
                        now,
                        count,
                        True,
                        org_name=name,
                        phase_title=self.plan.phase(rule.phase).title,
                        return_limit=self.spec.policy.return_limit,
                    )
                )
        return insert_messages(self.session, rows)

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
        rows: list[dict[str, Any]] = []
        stmt = (
            select(
                col(Committee.key),
                col(Committee.name),
                col(Committee.window_start),
                col(Committee.window_last_day),
                func.count(),
            )
            .join(Application, col(Application.committee_id) == col(Committee.id))
            .where(
                col(Committee.cycle_id) == self.cycle_id, col(Application.status).in_(rule.states)
            )
            .group_by(
                col(Committee.key),
                col(Committee.name),
                col(Committee.window_start),
                col(Committee.window_last_day),
            )
        )
        for key, name, first, last, count in self.session.execute(stmt):
            if first is None or last is None:
                continue
            window = committee_window(key, first, last)
            start, deadline = window.start, window.deadline
            for offset in self.due_offsets(rule, start, deadline, now):
                rows.append(
                    message_row(
                        self.cycle_id,
                        rule.kind,
                        f"committee:{key}",
                        "committee",
                        f"committee:{key}",
                        deadline,
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
