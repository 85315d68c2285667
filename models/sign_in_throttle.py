"""Sign-in throttling per client address, across accounts: a guesser trying many usernames
from one address meets no account's pause, so the address itself waits. Kept in the database,
so every dashboard process of an office counts the same failures."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, String, delete, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Field, Session, SQLModel, col, select

from models.settings import settings
from models.timeutil import UTCDateTime

# Addresses are IPv4 or IPv6 text (at most 45 characters); longer is cut, never refused.
_ADDRESS_LENGTH = 64


class SignInFailure(SQLModel, table=True):
    """One failed sign-in from a client address (kept for the counting window only)."""

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    client: str = Field(sa_column=Column(String(_ADDRESS_LENGTH), nullable=False, index=True))
    failed_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class ClientBlock(SQLModel, table=True):
    """A client address refused sign-in until ``blocked_until``."""

    __tablename__ = "client_block"

    client: str = Field(sa_column=Column(String(_ADDRESS_LENGTH), primary_key=True))
    blocked_until: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


def blocked_until(session: Session, client: str, now: dt.datetime) -> dt.datetime | None:
    """When the address may try again, if it must wait."""
    until = session.exec(
        select(ClientBlock.blocked_until).where(ClientBlock.client == client[:_ADDRESS_LENGTH])
    ).first()
    return until if until is not None and now < until else None


def count_failure(session: Session, client: str, now: dt.datetime) -> dt.datetime | None:
    """Records a failed sign-in; past the limit within the window the address waits. Each
    step is committed at once (the sign-in's refusal rolls its own work back), so parallel
    failures all see each other's: the last of them counts every one. Returns the end of the
    wait this failure began, if any."""
    config = settings()
    address = client[:_ADDRESS_LENGTH]
    window_start = now - dt.timedelta(minutes=config.login_client_window_minutes)
    session.add(SignInFailure(client=address, failed_at=now))
    # Whatever has left the window, of every address: the table stays as small as the window.
    session.execute(delete(SignInFailure).where(col(SignInFailure.failed_at) <= window_start))
    session.execute(delete(ClientBlock).where(col(ClientBlock.blocked_until) <= now))
    session.commit()
    recent = session.exec(
        select(func.count()).where(
            col(SignInFailure.client) == address, col(SignInFailure.failed_at) > window_start
        )
    ).one()
    if recent <= config.login_client_max_failures:
        session.commit()
        return None
    until = now + dt.timedelta(minutes=config.login_client_block_minutes)
    _block(session, address, until)
    session.commit()
    return until


def _block(session: Session, client: str, until: dt.datetime) -> None:
    """One row per address, written by whichever process gets there (an upsert)."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(ClientBlock).values(client=client, blocked_until=until)
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[col(ClientBlock.client)],
            set_={"blocked_until": stmt.excluded.blocked_until},
        )
    )
