"""Delivering due outbox rows through apprise: claim a batch, send, mark what was sent in
small groups. A claimed row is "sending" until it is marked, so a crash never loses one: after
the lease it is taken again and resent, and says so; a crash resends at most the rows a sender
had sent and not yet marked (``MARK_EVERY``, ``MARK_WITHIN``). No row is claimed by two
deliverers at once, so without a crash none is sent twice. Nothing goes out in the cycle's
quiet hours: a due row waits for their end, or expires if that passes its deadline."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
import uuid
from collections import Counter, OrderedDict
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import apprise
from sqlalchemy import (
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    Result,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlmodel import Session, col

import notifications.sms  # noqa: F401  (registers the zhsms:// plugin with apprise)
from calendars.cyclefile import NotificationsSpec
from models.application import Person
from models.cycle import Cycle
from models.db import or_fail
from models.org import Organisation, notify_urls
from models.outbox import Message, still_to_send
from notifications.channels import Channels
from notifications.keepalive import kept_connections
from notifications.schedule import in_quiet_hours, quiet_hours_end

LEASE = dt.timedelta(minutes=10)  # a row claimed longer ago than this was lost in a crash
# Said on a row taken again after its lease: its deliverer died between sending and marking,
# so it may have gone out already and goes out once more (at-least-once delivery).
RESENT = "上次投递在发送后、记录前中断：本条可能已发出，现重发"
NO_CHANNEL = "未配置该收件人的通知渠道"
BATCH = 500
# Rows one deliverer sends at once (threads, each over its own kept HTTP connections).
SENDERS = 1
# A sender marks what it sent in one UPDATE and commit per group: after MARK_EVERY rows, or
# MARK_WITHIN seconds after the group's first send, whichever comes first. A crash resends at
# most that many rows per sender (one commit per row cost more than the post itself).
MARK_EVERY = 100
MARK_WITHIN = 0.25
KEPT_SENDERS = 64  # apprise objects kept per thread, by address list
_LOCAL = threading.local()
_MESSAGE = Message.metadata.tables["message"]  # the table itself, for plain UPDATEs
# For the UPDATEs of many rows in a session that holds no Message object: without it the ORM
# reads back every updated row's id (RETURNING) to bring objects it does not have up to date.
_UNSYNCED = {"synchronize_session": False}


@dataclass
class Delivery:
    counts: Counter[str] = field(default_factory=Counter)


def expire_overdue(session: Session, cycle_id: str, now: dt.datetime) -> int:
    """A reminder that could not go out before its deadline is never sent late."""
    result = session.execute(
        or_fail(update(Message))
        .where(
            col(Message.cycle_id) == cycle_id,
            # implied by the statuses below, stated for the partial index of the rows still to
            # send (ix_message_waiting): without it every row the cycle ever had is read
            still_to_send(),
            col(Message.expires_at) <= now,
            or_(
                col(Message.status).in_(["pending", "failed"]),
                and_(col(Message.status) == "sending", col(Message.claimed_at) <= now - LEASE),
            ),
        )
        .values(status="expired", expired_at=now),
        execution_options=_UNSYNCED,
    )
    return _count(result)


def _quiet_hours(session: Session, cycle_id: str) -> NotificationsSpec | None:
    spec = session.execute(select(col(Cycle.spec)).where(col(Cycle.id) == cycle_id)).scalar()
    rules = (spec or {}).get("notifications")
    return NotificationsSpec.model_validate(rules) if rules else None


def hold_for_quiet_hours(
    session: Session, cycle_id: str, now: dt.datetime, morning: dt.datetime
) -> tuple[int, int]:
    """Rows due now wait until ``morning`` (the end of the quiet hours); those whose deadline
    comes first expire, since they would go out late. Returns (held, expired)."""
    due = due_for_attempt(cycle_id, now)
    late = and_(col(Message.expires_at).is_not(None), col(Message.expires_at) <= morning)
    expired = session.execute(
        or_fail(update(Message)).where(due, late).values(status="expired", expired_at=now),
        execution_options=_UNSYNCED,
    )
    held = session.execute(
        or_fail(update(Message)).where(due).values(next_attempt_at=morning),
        execution_options=_UNSYNCED,
    )
    return _count(held), _count(expired)


def _count(result: Result[Any]) -> int:
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    return int(result.rowcount or 0)


def _attempt_due(now: dt.datetime) -> ColumnElement[bool]:
    """Pending or failed, with its (next) attempt come by ``now``."""
    return and_(col(Message.status).in_(["pending", "failed"]), col(Message.next_attempt_at) <= now)


def due_for_attempt(cycle_id: str, now: dt.datetime) -> ColumnElement[bool]:
    """The cycle's rows whose (next) attempt has come by ``now``, their statuses stated also
    for the partial index of the rows still to send (ix_message_waiting), as in
    expire_overdue: without it every row the cycle ever had is read."""
    return and_(col(Message.cycle_id) == cycle_id, still_to_send(), _attempt_due(now))


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    """Due and not being sent: a row still "sending" after the lease was lost in a crash."""
    return or_(
        _attempt_due(now),
        and_(col(Message.status) == "sending", col(Message.claimed_at) <= now - LEASE),
    )


def _unexpired(now: dt.datetime) -> ColumnElement[bool]:
    return or_(col(Message.expires_at).is_(None), col(Message.expires_at) > now)


def claim(session: Session, cycle_id: str, now: dt.datetime, token: str) -> list[int]:
    """Takes up to BATCH due rows in one statement: a concurrent run never gets the same row.
    A row still "sending" after the lease was lost in a crash and is taken again."""
    claimable = _claimable(now)
    due = (
        select(col(Message.id))
        # implied by ``claimable``, stated for the planner: the partial index of waiting rows
        # (ix_message_waiting) then gives the batch in order instead of a sort of them all
        .where(col(Message.cycle_id) == cycle_id, still_to_send(), claimable)
        .where(_unexpired(now))
        .order_by(col(Message.due), col(Message.id))
        .limit(BATCH)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    claimed = session.execute(
        or_fail(update(Message))
        .where(col(Message.id).in_(due.scalar_subquery()), claimable)
        .values(
            status="sending",
            claim=token,
            claimed_at=now,
            attempts=col(Message.attempts) + 1,
            # evaluated on the row as it was: still "sending" means a deliverer died with it
            last_error=case(
                (col(Message.status) == "sending", RESENT), else_=col(Message.last_error)
            ),
        )
        .returning(col(Message.id))
    )
    return sorted(r[0] for r in claimed)


def _unreachable(channels: Channels) -> ColumnElement[bool] | None:
    """Rows ``channels.urls_for`` gives no address whatever the recipient's phone, in SQL:
    a kind and a code the channels file has no address for, and no imported address of the
    organisation. None when the file sends everything somewhere. (An applicant the file
    reaches only by a valid mobile number is left to ``urls_for``.)"""
    if channels.everything:
        return None
    kinds = sorted(k for k, urls in channels.kinds.items() if urls)
    codes = sorted(c for c, urls in channels.codes.items() if urls)
    imported = (
        select(col(Organisation.id))
        .where(
            col(Organisation.code) == col(Message.recipient),
            col(Organisation.notify_url).is_not(None),
            col(Organisation.notify_url) != "",
        )
        .exists()
    )
    clauses = [or_(col(Message.recipient_kind) == "applicant", ~imported)]
    if kinds:
        clauses.append(col(Message.recipient_kind).not_in(kinds))
    if codes:
        clauses.append(col(Message.recipient).not_in(codes))
    return and_(*clauses)


def mark_unreachable(session: Session, cycle_id: str, now: dt.datetime, channels: Channels) -> int:
    """Every claimable row nobody can be reached for, in one UPDATE: what claiming it and
    finding no address leaves on it (an attempt, ``claimed_at``, no claim), without reading
    the rows. A row another deliverer holds is not claimable and is left to it. On
    PostgreSQL a row another transaction is updating is waited for and then read again (it
    is no longer claimable once taken): a lock of each row first (``claim``'s SKIP LOCKED)
    cost twice the UPDATE, and runs of one cycle do not overlap (``one_run_per_cycle``)."""
    unreachable = _unreachable(channels)
    if unreachable is None:
        return 0
    rows = and_(
        col(Message.cycle_id) == cycle_id,
        still_to_send(),
        _claimable(now),
        _unexpired(now),
        unreachable,
    )
    result = session.execute(
        or_fail(update(Message))
        .where(rows)
        .values(
            status="no_channel",
            last_error=NO_CHANNEL,
            claim=None,
            claimed_at=now,
            attempts=col(Message.attempts) + 1,
            no_channel_at=now,
        ),
        execution_options=_UNSYNCED,
    )
    return _count(result)


def _apprise_for(urls: list[str]) -> apprise.Apprise | str:
    """An apprise object for these addresses, or why there is none. One made for the same
    addresses is used again in the same thread (making one costs about as much as a post)
    when none of its plugins asks for a pause between two posts (apprise waits
    ``request_rate_per_sec`` seconds between posts of one plugin object, which a fresh object
    never does): those are made anew for each message, as before."""
    key = tuple(urls)
    kept: OrderedDict[tuple[str, ...], apprise.Apprise] | None = getattr(_LOCAL, "kept", None)
    if kept is None:
        kept = _LOCAL.kept = OrderedDict()
    found = kept.get(key)
    if found is not None:
        kept.move_to_end(key)
        return found
    sender = apprise.Apprise()
    for url in urls:
        if not sender.add(url):
            return f"无法识别的通知地址：{_private(url)}"
    if all(getattr(plugin, "request_rate_per_sec", 1) <= 0 for plugin in sender):
        kept[key] = sender
        if len(kept) > KEPT_SENDERS:
            kept.popitem(last=False)
    return sender


def send_one(title: str, body: str, urls: list[str]) -> tuple[bool, str | None]:
    """Sends through apprise; the error is what apprise logged, with secrets masked."""
    sender = _apprise_for(urls)
    if isinstance(sender, str):
        return False, sender
    with apprise.LogCapture(level=logging.WARNING) as captured:
        # Plain text: a channel that renders HTML (e-mail) escapes it, never runs it as markup.
        ok = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if ok:
        return True, None
    log = captured.getvalue().strip().splitlines()
    return False, (log[-1] if log else "投递失败（渠道未返回原因）")[:500]


def _private(url: str) -> str:
    plugin = apprise.Apprise.instantiate(url)
    return plugin.url(privacy=True) if plugin else url.split("://")[0] + "://****"


@dataclass(frozen=True)
class _Claimed:
    id: int
    recipient_kind: str
    recipient: str
    title: str
    body: str
    attempts: int
    resent: bool


def _imported_addresses(session: Session, rows: list[_Claimed]) -> dict[str, str]:
    return notify_urls(session, [r.recipient for r in rows if r.recipient_kind != "applicant"])


def _claimed_rows(session: Session, ids: list[int]) -> tuple[list[_Claimed], dict[str, str | None]]:
    rows = [
        _Claimed(*r)
        for r in session.execute(
            select(
                col(Message.id),
                col(Message.recipient_kind),
                col(Message.recipient),
                col(Message.title),
                col(Message.body),
                col(Message.attempts),
                func.coalesce(col(Message.last_error), "").startswith(RESENT),
            )
            .where(col(Message.id).in_(ids))
            .order_by(col(Message.id))
        )
    ]
    people = [r.recipient for r in rows if r.recipient_kind == "applicant"]
    phones = (
        dict(
            session.execute(
                select(col(Person.id_number), col(Person.phone)).where(
                    col(Person.id_number).in_(people)
                )
            ).all()
        )
        if people
        else {}
    )
    return rows, phones


def deliver(
    session_factory,
    cycle_id: str,
    now: dt.datetime,
    channels: Channels,
    retry_minutes: list[int],
    senders: int = SENDERS,
    rules: NotificationsSpec | None = None,
) -> Delivery:
    """Claims due rows batch by batch; rows nobody can be reached for are marked in the
    claim's own transaction, the rest are sent by ``senders`` threads at once, each over kept
    HTTP connections, marking what it sent in groups (``MARK_EVERY`` rows or ``MARK_WITHIN``
    seconds, whichever comes first): a crash resends at most the unmarked part of one group
    per sender, and says so on those rows. ``rules``: the cycle's notification rules (its
    quiet hours), when the caller has read them; else they are read here."""
    result = Delivery()
    token = uuid.uuid4().hex
    with session_factory() as session:
        result.counts["expired"] += expire_overdue(session, cycle_id, now)
        quiet = rules if rules is not None else _quiet_hours(session, cycle_id)
        if quiet is not None and in_quiet_hours(now, quiet):
            held, expired = hold_for_quiet_hours(
                session, cycle_id, now, quiet_hours_end(now, quiet)
            )
            # Only counts that happened: a rehearsal's report stays as it was without a hold.
            result.counts.update({k: n for k, n in (("held", held), ("expired", expired)) if n})
            return result
        # Without any address (a simulation, a test) no row is read: one UPDATE marks them.
        if unreachable := mark_unreachable(session, cycle_id, now, channels):
            result.counts["no_channel"] += unreachable
        sendable = _take(session, cycle_id, now, token, channels, result.counts)
        engine = _engine_of(session)
    while sendable:
        result.counts.update(_send_all(engine, sendable, token, now, retry_minutes, senders))
        with session_factory() as session:
            sendable = _take(session, cycle_id, now, token, channels, result.counts)
    return result


def _engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _take(
    session: Session,
    cycle_id: str,
    now: dt.datetime,
    token: str,
    channels: Channels,
    counts: Counter[str],
) -> list[tuple[_Claimed, list[str]]]:
    """Claims the next batch and reads it; the rows nobody can be reached for are marked in
    the same transaction. Returns the rest, with their addresses (empty: nothing left)."""
    while True:
        ids = claim(session, cycle_id, now, token)
        if not ids:
            return []
        rows, phones = _claimed_rows(session, ids)
        addresses = _imported_addresses(session, rows)
        unreachable, sendable = [], []
        for row in rows:
            urls = channels.urls_for(
                row.recipient_kind,
                row.recipient,
                phones.get(row.recipient),
                addresses.get(row.recipient),
            )
            if urls:
                sendable.append((row, urls))
            else:
                unreachable.append(row.id)
        if unreachable:
            session.execute(
                or_fail(update(Message))
                .where(col(Message.id).in_(unreachable), col(Message.claim) == token)
                .values(
                    status="no_channel",
                    last_error=NO_CHANNEL,
                    claim=None,
                    no_channel_at=now,
                ),
                execution_options=_UNSYNCED,
            )
            counts["no_channel"] += len(unreachable)
        if sendable:  # else a batch nobody could be reached for: the next one, at once
            return sendable


def _send_all(
    engine: Engine,
    sendable: list[tuple[_Claimed, list[str]]],
    token: str,
    now: dt.datetime,
    retry_minutes: list[int],
    senders: int,
) -> Counter[str]:
    """Sends and marks the rows, one after another in each of ``senders`` threads; each
    thread posts over connections it keeps (``kept_connections``) and marks through one
    database connection of its own, a group of rows per UPDATE and commit."""
    counts: Counter[str] = Counter()
    pending = iter(sendable)
    lock = threading.Lock()

    def work() -> Counter[str]:
        marks = _Marks(token, now, retry_minutes)
        with engine.connect() as connection, kept_connections():
            try:
                while True:
                    with lock:
                        item = next(pending, None)
                    if item is None:
                        break
                    row, urls = item
                    ok, error = send_one(row.title, row.body, urls)
                    if marks.add(row, ok, error):
                        marks.write(connection)
                marks.write(connection)
            except BaseException:
                # What was sent is recorded if the database still answers; then the failure.
                with suppress(Exception):
                    marks.write(connection)
                raise
        return marks.counts

    if senders <= 1 or len(sendable) == 1:
        return work()
    with ThreadPoolExecutor(max_workers=min(senders, len(sendable))) as pool:
        for part in [pool.submit(work) for _ in range(min(senders, len(sendable)))]:
            counts.update(part.result())
    return counts


class _Marks:
    """One sender's sent and failed rows not yet marked. ``add`` says when to write them:
    after ``MARK_EVERY`` rows, or ``MARK_WITHIN`` seconds after the first of them was sent
    (a slow channel's rows are not held long; the clock only paces the writes)."""

    def __init__(self, token: str, now: dt.datetime, retry_minutes: list[int]) -> None:
        self.token, self.now, self.retry_minutes = token, now, retry_minutes
        self.groups: dict[tuple[tuple[str, object], ...], list[int]] = {}
        self.waiting = 0
        self.since = 0.0
        self.counts: Counter[str] = Counter()

    def add(self, row: _Claimed, ok: bool, error: str | None) -> bool:
        values: dict[str, object] = {
            "status": "sent" if ok else "failed",
            # a resent row keeps saying so, whatever happens to it next
            "last_error": "；".join(t for t in (RESENT if row.resent else None, error) if t)
            or None,
        }
        if ok:
            values["sent_at"] = self.now
        else:
            retry = self.retry_minutes
            wait = retry[min(row.attempts - 1, len(retry) - 1)] if retry else 60
            values["next_attempt_at"] = self.now + dt.timedelta(minutes=wait)
        self.groups.setdefault(tuple(values.items()), []).append(row.id)
        if not self.waiting:
            self.since = time.monotonic()
        self.waiting += 1
        return self.waiting >= MARK_EVERY or time.monotonic() - self.since >= MARK_WITHIN

    def write(self, connection: Connection) -> None:
        """One plain table UPDATE per group of rows with the same outcome (no ORM bookkeeping
        per row), all committed together."""
        if not self.waiting:
            return
        for key, ids in self.groups.items():
            values: dict[str, object] = {**dict(key), "claim": None}
            if values["status"] == "failed":
                # the first failure (``now`` bound with the column's type: a bare one is not
                # UTC-stored)
                values["failed_at"] = func.coalesce(
                    _MESSAGE.c.failed_at, literal(self.now, type_=_MESSAGE.c.failed_at.type)
                )
            connection.execute(
                or_fail(update(_MESSAGE))
                .where(_MESSAGE.c.id.in_(ids), _MESSAGE.c.claim == self.token)
                .values(**values)
            )
            self.counts[str(values["status"])] += len(ids)
        connection.commit()
        self.groups.clear()
        self.waiting = 0


def next_attempt(session: Session, cycle_id: str, now: dt.datetime) -> dt.datetime | None:
    """The earliest instant after ``now`` at which a waiting row may go out before its expiry:
    a failed row's retry, or a row held for the quiet hours. The cycle's schedule has no run
    then, and the next one may be a day away, past the row's expiry."""
    waiting = and_(
        col(Message.cycle_id) == cycle_id,
        still_to_send(),  # for ix_message_waiting, as in expire_overdue
        col(Message.status).in_(["pending", "failed"]),
        col(Message.next_attempt_at) > now,
        or_(
            col(Message.expires_at).is_(None),
            col(Message.expires_at) > col(Message.next_attempt_at),
        ),
    )
    return session.execute(select(func.min(col(Message.next_attempt_at))).where(waiting)).scalar()
