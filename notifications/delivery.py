"""Delivering due outbox rows through apprise: claim, send, mark — one row at a time, so a
crash can resend at most the row it was sending and never lose one."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field

import apprise
from sqlalchemy import and_, or_, select, update
from sqlmodel import Session

import notifications.sms  # noqa: F401  (registers the zhsms:// plugin with apprise)
from models.application import Person
from models.outbox import Message
from notifications.channels import Channels

LEASE = dt.timedelta(minutes=10)  # a row claimed longer ago than this was lost in a crash
BATCH = 500


@dataclass
class Delivery:
    counts: Counter[str] = field(default_factory=Counter)


def expire_overdue(session: Session, cycle_id: str, now: dt.datetime) -> int:
    """A reminder that could not go out before its deadline is never sent late."""
    result = session.execute(
        update(Message)
        .where(
            Message.cycle_id == cycle_id,  # type: ignore[arg-type]
            Message.expires_at <= now,  # type: ignore[operator]
            or_(
                Message.status.in_(["pending", "failed"]),  # type: ignore[attr-defined]
                and_(Message.status == "sending", Message.claimed_at <= now - LEASE),  # type: ignore[arg-type, operator]
            ),
        )
        .values(status="expired")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def claim(session: Session, cycle_id: str, now: dt.datetime, token: str) -> list[int]:
    """Takes up to BATCH due rows in one statement: a concurrent run never gets the same row.
    A row still "sending" after the lease was lost in a crash and is taken again."""
    claimable = or_(
        and_(Message.status.in_(["pending", "failed"]), Message.next_attempt_at <= now),  # type: ignore[attr-defined, operator]
        and_(Message.status == "sending", Message.claimed_at <= now - LEASE),  # type: ignore[arg-type, operator]
    )
    due = (
        select(Message.id)
        .where(Message.cycle_id == cycle_id, claimable)  # type: ignore[arg-type]
        .where(or_(Message.expires_at.is_(None), Message.expires_at > now))  # type: ignore[union-attr, operator]
        .order_by(Message.due, Message.id)  # type: ignore[arg-type]
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        update(Message)
        .where(Message.id.in_(due.scalar_subquery()), claimable)  # type: ignore[union-attr]
        .values(status="sending", claim=token, claimed_at=now, attempts=Message.attempts + 1)
        .returning(Message.id)  # type: ignore[arg-type]
    )
    return sorted(r[0] for r in claimed)


def send_one(message: Message, urls: list[str]) -> tuple[bool, str | None]:
    """Sends through apprise; the error is what apprise logged, with secrets masked."""
    sender = apprise.Apprise()
    for url in urls:
        if not sender.add(url):
            return False, f"无法识别的通知地址：{_private(url)}"
    with apprise.LogCapture(level=logging.WARNING) as captured:
        ok = sender.notify(title=message.title, body=message.body)
    if ok:
        return True, None
    log = captured.getvalue().strip().splitlines()
    return False, (log[-1] if log else "投递失败（渠道未返回原因）")[:500]


def _private(url: str) -> str:
    plugin = apprise.Apprise.instantiate(url)
    return plugin.url(privacy=True) if plugin else url.split("://")[0] + "://****"


def deliver(
    session_factory, cycle_id: str, now: dt.datetime, channels: Channels, retry_minutes: list[int]
) -> Delivery:  # type: ignore[no-untyped-def]
    result = Delivery()
    with session_factory() as session:
        result.counts["expired"] += expire_overdue(session, cycle_id, now)
    token = uuid.uuid4().hex
    while True:
        with session_factory() as session:
            ids = claim(session, cycle_id, now, token)
        if not ids:
            return result
        for message_id in ids:
            result.counts[
                _deliver_row(session_factory, message_id, token, now, channels, retry_minutes)
            ] += 1


def _deliver_row(
    session_factory,
    message_id: int,
    token: str,
    now: dt.datetime,
    channels: Channels,
    retry_minutes: list[int],
) -> str:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        message = session.get(Message, message_id)
        assert message is not None
        phone = None
        if message.recipient_kind == "applicant":
            person = session.get(Person, message.recipient)
            phone = person.phone if person else None
        urls = channels.urls_for(message.recipient_kind, message.recipient, phone)
    if not urls:
        status, error = "no_channel", "未配置该收件人的通知渠道"
    else:
        ok, error = send_one(message, urls)
        status = "sent" if ok else "failed"
    values: dict[str, object] = {"status": status, "last_error": error, "claim": None}
    if status == "sent":
        values["sent_at"] = now
    elif status == "failed":
        wait = (
            retry_minutes[min(message.attempts - 1, len(retry_minutes) - 1)]
            if retry_minutes
            else 60
        )
        values["next_attempt_at"] = now + dt.timedelta(minutes=wait)
    with session_factory() as session:
        session.execute(
            update(Message).where(Message.id == message_id, Message.claim == token).values(**values)
        )  # type: ignore[arg-type]
    return status
