"""The cycle as it stood at an instant, read from what is never rewritten: an application's
status at T is the to-status of its last audit event at or before T (a draft with none yet;
absent if it was created after T), a message's from the instants the outbox records. Each is
one SQL expression for the figures' queries to group by: no replay in Python.

The last event is found on ``ix_audit_event_trail`` (application, at DESC, id DESC,
to_status), from the index alone, in one of two ways: for a page of fewer applications (a
unit's, a committee's, a list, a county's; dashboard.figures.WIDE_FROM) a correlated
subquery, one probe per application; for a wide page (a big city, the province) one pass over
the index across the cycle's range of application ids (``of_cycle_range``: the index holds no
cycle, migration 0018), in its order, keeping each application's first row (DISTINCT ON on
PostgreSQL, ROW_NUMBER … = 1 elsewhere), joined to the applications — nothing sorted. When
nothing happened after T (the live dashboard: T is "now") the stored status is the same
answer and is used as it is.

A wide page as of a late instant reads from the other end: an application's status at T is
the from-status of its first event after T, or its stored status when it has none (the trail
chains: each event's from-status is the to-status before it). That reads only the events
after T (``ix_audit_event_cycle_at``) instead of the cycle's whole index; it is chosen when
fewer events lie after T than up to it, judged on a sample (``AsOf.from_the_end``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlmodel import Session, col

from models import tally
from models.application import Application, AuditEvent
from models.committees import CommitteeMeeting
from models.outbox import Escalation, Message
from models.states import Status

# How many of the cycle's applications are looked at to tell on which side of an instant most
# of its events lie (their events read on ix_audit_event_trail: a few thousand entries). A
# tuning figure, not a policy; the choice changes the cost only, never the figures.
SAMPLED = 500


def of_cycle_range(cycle_id: str) -> ColumnElement[bool]:
    """Audit rows of applications with ids in the cycle's range: where a pass over
    ``ix_audit_event_trail`` (which holds no cycle) reads a cycle's events. Another cycle's
    application inside the range has its rows read too, so the caller joins them to the
    cycle's applications (an application is in one cycle: its rows are never mixed)."""

    def bound(edge: Any) -> Any:
        # never correlated: the caller's own FROM may hold ``application`` too
        return (
            select(edge(col(Application.id)))
            .where(col(Application.cycle_id) == cycle_id)
            .correlate(None)
            .scalar_subquery()
        )

    return col(AuditEvent.application_id).between(bound(func.min), bound(func.max))


class AsOf:
    """The instant ``at`` for one cycle, and whether anything was recorded after it.
    ``trail``: read the audit trail even then (tests and the benchmark compare the two)."""

    def __init__(
        self, session: Session, cycle_id: str, at: dt.datetime, *, trail: bool = False
    ) -> None:
        self.session = session
        self.cycle_id = cycle_id
        self.at = at
        # the cycle's last event from the end of ix_audit_event_cycle_at (an EXISTS on at > T
        # was planned as a scan of the table, which found the first later row only after
        # reading most of it: 170 ms at 720,000 events)
        last = session.execute(
            select(func.max(col(AuditEvent.at))).where(col(AuditEvent.cycle_id) == cycle_id)
        ).scalar()
        self.current = not trail and (last is None or last <= at)
        self._from_the_end: bool | None = None
        self._tallied: bool | None = None

    def tallied(self) -> bool:
        """Whether the cycle's applications as they stand are those at ``at`` and the
        tally keeps them (models.tally): nothing happened after ``at`` and every application
        counted existed by then. Once per instant."""
        if self._tallied is None:
            self._tallied = False
            if self.current and tally.kept(self.session):
                through = tally.created_through(self.session, self.cycle_id)
                self._tallied = through is None or through <= self.at
        return self._tallied

    def from_the_end(self) -> bool:
        """Whether the wide pass reads the events after ``at`` rather than those up to it:
        when fewer of them lie after it, judged on ``SAMPLED`` of the cycle's applications
        (counting the cycle's events on either side cost as much as a page: 100-140 ms for
        150,000 index entries). From the start the pass reads the cycle's whole index
        whatever the instant (no skip scan) at about 1.1 µs an event; from the end it sorts
        the later events by application, about 2.4 µs each (PostgreSQL, 720,000 events).
        Once per instant."""
        if self._from_the_end is None:
            sampled = (
                select(col(Application.id))
                .where(col(Application.cycle_id) == self.cycle_id)
                .limit(SAMPLED)
            )
            later = col(AuditEvent.at) > self.at
            counts: Any = select(func.count().filter(later), func.count().filter(~later)).where(
                col(AuditEvent.application_id).in_(sampled.scalar_subquery()),
            )
            after, before = self.session.execute(counts).one()
            self._from_the_end = after < before
        return self._from_the_end

    def _last_event(self, column: Any) -> Any:
        return (
            select(column)
            .where(
                col(AuditEvent.application_id) == col(Application.id),
                col(AuditEvent.at) <= self.at,
            )
            .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
            .limit(1)
            .correlate(Application)
            .scalar_subquery()
        )

    def status(self) -> Any:
        """An application's status at ``at`` (to be selected from ``application``)."""
        if self.current:
            return col(Application.status)
        return func.coalesce(self._last_event(col(AuditEvent.to_status)), Status.draft.value)

    def last_events(self) -> Any:
        """Each application's last event at or before ``at`` (application_id, to_status):
        a derived table to LEFT JOIN on the application's id (wide pages). On PostgreSQL
        ``DISTINCT ON``: the index's order already puts each application's last event first,
        so keeping it is a comparison with the row before (no window to number every row);
        elsewhere the same with ``ROW_NUMBER``."""
        if self.session.get_bind().dialect.name == "postgresql":
            return (
                select(
                    col(AuditEvent.application_id).label("application_id"),
                    col(AuditEvent.to_status).label("to_status"),
                )
                .where(of_cycle_range(self.cycle_id), col(AuditEvent.at) <= self.at)
                .order_by(
                    col(AuditEvent.application_id),
                    col(AuditEvent.at).desc(),
                    col(AuditEvent.id).desc(),
                )
                .ext(distinct_on(col(AuditEvent.application_id)))
                .subquery("last_event")
            )
        ranked = (
            select(
                col(AuditEvent.application_id).label("application_id"),
                col(AuditEvent.to_status).label("to_status"),
                func.row_number()
                .over(
                    partition_by=col(AuditEvent.application_id),
                    order_by=(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()),
                )
                .label("rn"),
            )
            .where(of_cycle_range(self.cycle_id), col(AuditEvent.at) <= self.at)
            .subquery()
        )
        return (
            select(ranked.c.application_id, ranked.c.to_status)
            .where(ranked.c.rn == 1)
            .subquery("last_event")
        )

    def first_events_after(self) -> Any:
        """Each application's first event after ``at`` (application_id, from_status): a derived
        table to LEFT JOIN on the application's id, reading the events after ``at`` only."""
        if self.session.get_bind().dialect.name == "postgresql":
            return (
                select(
                    col(AuditEvent.application_id).label("application_id"),
                    col(AuditEvent.from_status).label("from_status"),
                )
                .where(col(AuditEvent.cycle_id) == self.cycle_id, col(AuditEvent.at) > self.at)
                .order_by(col(AuditEvent.application_id), col(AuditEvent.at), col(AuditEvent.id))
                .ext(distinct_on(col(AuditEvent.application_id)))
                .subquery("first_after")
            )
        ranked = (
            select(
                col(AuditEvent.application_id).label("application_id"),
                col(AuditEvent.from_status).label("from_status"),
                func.row_number()
                .over(
                    partition_by=col(AuditEvent.application_id),
                    order_by=(col(AuditEvent.at), col(AuditEvent.id)),
                )
                .label("rn"),
            )
            .where(col(AuditEvent.cycle_id) == self.cycle_id, col(AuditEvent.at) > self.at)
            .subquery()
        )
        return (
            select(ranked.c.application_id, ranked.c.from_status)
            .where(ranked.c.rn == 1)
            .subquery("first_after")
        )

    def wide(self) -> tuple[Any, Any]:
        """For one pass over the trail: the derived table to LEFT JOIN on the application's
        id, and the status at ``at`` it gives (from whichever end reads fewer events)."""
        if self.from_the_end():
            first = self.first_events_after()
            return first, func.coalesce(first.c.from_status, col(Application.status))
        last = self.last_events()
        return last, func.coalesce(last.c.to_status, Status.draft.value)

    def existed(self) -> ColumnElement[bool]:
        """Applications already created at ``at``."""
        return col(Application.created_at) <= self.at

    def _events(self, *where: ColumnElement[bool], what: Any = None) -> Any:
        return select(col(AuditEvent.at) if what is None else what).where(
            col(AuditEvent.application_id) == col(Application.id),
            col(AuditEvent.at) <= self.at,
            *where,
        )

    def submitted_at(self) -> Any:
        """The first submission at or before ``at`` (what ``submitted_at`` then said)."""
        if self.current:
            return col(Application.submitted_at)
        first = self._events(col(AuditEvent.action) == "submit")
        return (
            first.order_by(col(AuditEvent.at), col(AuditEvent.id))
            .limit(1)
            .correlate(Application)
            .scalar_subquery()
        )

    def return_count(self) -> Any:
        if self.current:
            return col(Application.return_count)
        returns = self._events(
            col(AuditEvent.action) == "return",
            col(AuditEvent.to_status) == "returned",
            what=func.count(col(AuditEvent.id)),
        )
        return returns.correlate(Application).scalar_subquery()

    def locked(self) -> Any:
        if self.current:
            return col(Application.locked)
        return exists(self._events(col(AuditEvent.action) == "lock").correlate(Application))

    # --- the outbox ---

    def message_status(self) -> ColumnElement[str]:
        """A message's delivery status at ``at``, from when it was sent, expired, found no
        channel, was being sent, first failed; otherwise it was waiting."""
        at = self.at
        return case(
            (col(Message.sent_at) <= at, "sent"),
            (col(Message.expired_at) <= at, "expired"),
            (col(Message.no_channel_at) <= at, "no_channel"),
            (and_(col(Message.status) == "sending", col(Message.claimed_at) <= at), "sending"),
            (col(Message.failed_at) <= at, "failed"),
            else_="pending",
        )

    def message_existed(self) -> ColumnElement[bool]:
        return col(Message.created_at) <= self.at

    def escalated(self) -> ColumnElement[bool]:
        return col(Escalation.at) <= self.at

    def meetings(self) -> dict[int, dt.date | None]:
        """The meeting day in force at ``at`` of each committee whose plans are recorded: its
        newest plan or postponement by then, None before its first (a few rows a cycle)."""
        rows: Any = select(
            col(CommitteeMeeting.committee_id),
            col(CommitteeMeeting.meeting_day),
            col(CommitteeMeeting.at),
        ).where(col(CommitteeMeeting.cycle_id) == self.cycle_id)
        out: dict[int, dt.date | None] = {}
        for cid, day, at in self.session.execute(rows.order_by(col(CommitteeMeeting.id))):
            out.setdefault(cid, None)
            if at <= self.at:
                out[cid] = day
        return out
