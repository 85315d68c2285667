"""The outbox: every reminder and escalation is first a row with a unique key; delivery is
at-least-once with that key as the guard. Escalation steps along the organisation tree."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, ColumnElement, Index, String, Text, UniqueConstraint, bindparam, text
from sqlmodel import Field, SQLModel, col

from models.timeutil import UTCDateTime

# The statuses of a row still to send: a claim's WHERE states them so that the partial index
# ix_message_waiting (over exactly these) serves it.
WAITING = ("pending", "failed", "sending")
WAITING_SQL = "status IN ('pending', 'failed', 'sending')"


class Message(SQLModel, table=True):
    __tablename__ = "message"
    __table_args__ = (
        # one message per recipient and subject for each offset of a deadline; led by the
        # offset, whose messages are written together and asked for together (migration 0026)
        UniqueConstraint(
            "cycle_id", "kind", "deadline", "offset", "recipient", "subject", name="uq_message_key"
        ),
        # the rows still to send, in claiming order (migration 0010; delivery.claim): every
        # query of waiting rows states still_to_send() for it (ix_message_due, by status and
        # next attempt, dropped in migration 0021)
        Index(
            "ix_message_waiting",
            "cycle_id",
            "due",
            "id",
            postgresql_where=text(WAITING_SQL),
            sqlite_where=text(WAITING_SQL),
        ),
        # every column of a message's status at an instant, by recipient: the dashboard's
        # message counts from the index alone (migration 0012; models.asof.message_status)
        Index(
            "ix_message_asof",
            "cycle_id",
            "recipient",
            "created_at",
            "sent_at",
            "expired_at",
            "no_channel_at",
            "failed_at",
            "claimed_at",
            "status",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str  # looked up through uq_message_key, which leads with it (migration 0019)
    kind: str  # declaration_draft, unit_pending, escalation, filing_due, ...
    recipient: str  # an organisation code or an applicant's ID number
    recipient_kind: str  # applicant | unit | department | city | province | committee
    subject: str  # whom or what it is about
    deadline: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    offset: str = Field(sa_column=Column(String(40), nullable=False))
    due: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    title: str
    body: str = Field(sa_column=Column(Text, nullable=False))
    pending: int = 0  # items pending at the time of writing
    status: str = Field(
        default="pending"
    )  # pending | sending | sent | failed | expired | no_channel
    attempts: int = 0
    next_attempt_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    claimed_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    claim: str | None = None
    sent_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # When it first failed, expired, or was found to have no channel: with sent_at and
    # created_at, the status it had at any instant (models.asof).
    failed_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    expired_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    no_channel_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def still_to_send() -> ColumnElement[bool]:
    """``status IN ('pending', 'failed', 'sending')`` with the statuses written into the SQL,
    not bound: SQLite uses a partial index only when the query states its WHERE with the same
    constants (with bound values it scans the whole table, every row ever written)."""
    return col(Message.status).in_(
        bindparam("still_to_send", list(WAITING), expanding=True, literal_execute=True)
    )


class Escalation(SQLModel, table=True):
    """One step up the tree about one overdue unit: never skipping a level."""

    __tablename__ = "escalation"
    __table_args__ = (
        UniqueConstraint("cycle_id", "unit_id", "deadline", "level", name="uq_escalation_step"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(index=True)
    unit_id: int = Field(foreign_key="organisation.id", index=True)
    phase: str
    deadline: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    level: str  # department | city | province
    step: int  # 1, 2, 3 in the order of the cycle file's thresholds
    to_org_id: int = Field(foreign_key="organisation.id")
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    items: int
    by: str = "system"
