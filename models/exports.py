"""A cycle's rows as an office or an auditor checks them independently: every application,
audit row, message, escalation and integrity record, in id order. ID numbers are always
masked; instants are Beijing time. Each function streams its rows (constant memory for any
size of cycle).

Given ``at``, each gives what the office would have seen then (models.asof): the applications
existing at that instant with their status, first submission, returns and lock then; the
audit rows, messages and escalations recorded by then, each message with its delivery status
then (its attempts and last error only where that status is still its status now); the
integrity records recorded by then, of the people found in the cycle or declared in it by
then."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy import and_, or_, select, true
from sqlalchemy.orm import aliased
from sqlmodel import col

from calendars.beijing import beijing
from models.application import Application, AuditEvent, Person
from models.asof import AsOf
from models.cycle import Committee
from models.db import read_scope
from models.integrity import IntegrityRecord
from models.org import Organisation
from models.outbox import Escalation, Message
from rules.idcard import mask

APPLICATION_FIELDS = (
    "id",
    "id_number",
    "name",
    "unit_code",
    "unit",
    "city",
    "committee",
    "series",
    "status",
    "submitted_at",
    "return_count",
    "locked",
)
AUDIT_FIELDS = (
    "id",
    "application_id",
    "at",
    "actor",
    "action",
    "from_status",
    "to_status",
    "reason",
)


def _iso(value: Any) -> Any:
    return beijing(value).isoformat() if value is not None else None


def _exported(
    stmt: Any,
    fields: tuple[str, ...],
    shaped: Callable[[list[Any]], list[Any]],
    batch: int = 5000,
) -> Iterator[dict[str, Any]]:
    """The statement's rows, each made ready for the file by ``shaped`` (masked, in Beijing
    time) and named by ``fields``: read ``batch`` at a time, in one read-only transaction."""
    with read_scope() as session:
        for row in session.execute(stmt).yield_per(batch):
            yield dict(zip(fields, shaped(list(row)), strict=True))


def application_rows(cycle_id: str, at: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    city = aliased(Organisation)
    with read_scope() as session:
        asof = AsOf(session, cycle_id, at) if at is not None else None
    stmt = (
        select(
            col(Application.id),
            col(Application.person_id),
            col(Person.name),
            col(Organisation.code),
            col(Organisation.name),
            col(city.name),
            col(Committee.name),
            col(Application.series),
            asof.status() if asof else col(Application.status),
            asof.submitted_at() if asof else col(Application.submitted_at),
            asof.return_count() if asof else col(Application.return_count),
            asof.locked() if asof else col(Application.locked),
        )
        .join(Person, col(Person.id_number) == col(Application.person_id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .join(city, col(city.code) == col(Application.city_code), isouter=True)
        .join(Committee, col(Committee.id) == col(Application.committee_id))
        .where(col(Application.cycle_id) == cycle_id)
        .where(asof.existed() if asof else true())
        .order_by(col(Application.id))
    )

    def shaped(values: list[Any]) -> list[Any]:
        values[1] = mask(values[1])
        values[9] = _iso(values[9])
        values[11] = bool(values[11])
        return values

    yield from _exported(stmt, APPLICATION_FIELDS, shaped, batch=2000)


def audit_rows(cycle_id: str, at: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    stmt = (
        select(
            col(AuditEvent.id),
            col(AuditEvent.application_id),
            col(AuditEvent.at),
            col(AuditEvent.actor),
            col(AuditEvent.action),
            col(AuditEvent.from_status),
            col(AuditEvent.to_status),
            col(AuditEvent.reason),
        )
        .where(col(AuditEvent.cycle_id) == cycle_id)
        .order_by(col(AuditEvent.id))
    )
    if at is not None:
        stmt = stmt.where(col(AuditEvent.at) <= at)

    def shaped(values: list[Any]) -> list[Any]:
        values[2] = _iso(values[2])
        return values

    yield from _exported(stmt, AUDIT_FIELDS, shaped)


MESSAGE_FIELDS = (
    "id",
    "kind",
    "recipient_kind",
    "recipient",
    "subject",
    "deadline",
    "offset",
    "due",
    "status",
    "attempts",
    "sent_at",
    "last_error",
    "pending",
)
ESCALATION_FIELDS = (
    "id",
    "unit",
    "unit_name",
    "phase",
    "deadline",
    "step",
    "level",
    "to",
    "to_name",
    "at",
    "items",
    "by",
)


def message_rows(cycle_id: str, at: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    with read_scope() as session:
        asof = AsOf(session, cycle_id, at) if at is not None else None
    stmt = (
        select(
            col(Message.id),
            col(Message.kind),
            col(Message.recipient_kind),
            col(Message.recipient),
            col(Message.subject),
            col(Message.deadline),
            col(Message.offset),
            col(Message.due),
            asof.message_status() if asof else col(Message.status),
            col(Message.attempts),
            col(Message.sent_at),
            col(Message.last_error),
            col(Message.pending),
            col(Message.status),
        )
        .where(col(Message.cycle_id) == cycle_id)
        .where(asof.message_existed() if asof else true())
        .order_by(col(Message.id))
    )

    def shaped(row: list[Any]) -> list[Any]:
        *values, status_now = row
        if asof is not None and values[8] != status_now:  # not known as of then
            values[9] = values[11] = None
        if asof is not None and values[8] != "sent":
            values[10] = None
        if values[2] == "applicant":
            values[3] = mask(values[3])
        for i in (5, 7, 10):
            values[i] = _iso(values[i])
        return values

    yield from _exported(stmt, MESSAGE_FIELDS, shaped)


def escalation_rows(cycle_id: str, at: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    unit, target = aliased(Organisation), aliased(Organisation)
    stmt = (
        select(
            col(Escalation.id),
            col(unit.code),
            col(unit.name),
            col(Escalation.phase),
            col(Escalation.deadline),
            col(Escalation.step),
            col(Escalation.level),
            col(target.code),
            col(target.name),
            col(Escalation.at),
            col(Escalation.items),
            col(Escalation.by),
        )
        .join(unit, col(unit.id) == col(Escalation.unit_id))
        .join(target, col(target.id) == col(Escalation.to_org_id))
        .where(col(Escalation.cycle_id) == cycle_id)
        .order_by(col(Escalation.id))
    )
    if at is not None:
        stmt = stmt.where(col(Escalation.at) <= at)

    def shaped(values: list[Any]) -> list[Any]:
        values[4], values[9] = _iso(values[4]), _iso(values[9])
        return values

    yield from _exported(stmt, ESCALATION_FIELDS, shaped)


INTEGRITY_FIELDS = (
    "id",
    "application_id",
    "id_number",
    "name",
    "found_on",
    "reason",
    "found_in_cycle",
    "bar_years",
    "barred_until",
    "recorded_by",
    "recorded_at",
)


def integrity_rows(cycle_id: str, at: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
    """The integrity records (弄虚作假: falsified materials) an auditor of the cycle checks:
    every one found in it, and every one — of any year — of a person who declared in it, with
    that person's application (none for a record found here of someone who did not declare).
    Given ``at``: those recorded by then, of the people who had declared by then."""
    applied = and_(
        col(Application.person_id) == col(IntegrityRecord.person_id),
        col(Application.cycle_id) == cycle_id,
        col(Application.created_at) <= at if at is not None else true(),
    )
    stmt = (
        select(
            col(IntegrityRecord.id),
            col(Application.id),
            col(IntegrityRecord.person_id),
            col(Person.name),
            col(IntegrityRecord.found_on),
            col(IntegrityRecord.reason),
            col(IntegrityRecord.cycle_id),
            col(IntegrityRecord.bar_years),
            col(IntegrityRecord.barred_until),
            col(IntegrityRecord.recorded_by),
            col(IntegrityRecord.recorded_at),
        )
        .join(Application, applied, isouter=True)
        .join(Person, col(Person.id_number) == col(IntegrityRecord.person_id))
        .where(or_(col(IntegrityRecord.cycle_id) == cycle_id, col(Application.id).is_not(None)))
        .order_by(col(IntegrityRecord.id))
    )
    if at is not None:
        stmt = stmt.where(col(IntegrityRecord.recorded_at) <= at)

    def shaped(values: list[Any]) -> list[Any]:
        values[2] = mask(values[2])
        for i in (4, 8):  # days, not instants
            values[i] = values[i].isoformat() if values[i] is not None else None
        values[10] = _iso(values[10])
        return values

    yield from _exported(stmt, INTEGRITY_FIELDS, shaped)
