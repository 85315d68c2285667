"""Finding what a person names on the command line: a cycle by its id, the latest cycle, an
organisation by its code. Each returns None when nothing matches; the caller says so."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.cycle import Cycle
from models.org import Organisation


def find_cycle(session: Session, cycle_id: str) -> Cycle | None:
    return session.get(Cycle, cycle_id)


def latest_cycle(session: Session) -> Cycle | None:
    """The cycle launched last (a rehearsal counts: it is launched like a real one)."""
    return session.exec(select(Cycle).order_by(col(Cycle.launched_at).desc())).first()


def organisation_by_code(session: Session, code: str) -> Organisation | None:
    return session.exec(select(Organisation).where(Organisation.code == code)).first()
