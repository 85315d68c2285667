"""What the fault tests look at: a cycle with applications waiting for the sweep, and a
snapshot of everything a run writes, to compare before, after and against a clean run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlmodel import col

from models.application import Application, AuditEvent
from models.cycle import CycleEvent
from models.db import session_scope
from models.outbox import Escalation, Message
from tests.factories import drafts, unit_in_tree


@dataclass(frozen=True)
class Snapshot:
    statuses: dict[int, str]
    audits: Counter[tuple[int, str]]  # (application, action) -> rows
    events: Counter[str]  # boundary key -> rows
    messages: int
    escalations: Counter[tuple[int, int]]  # (unit, step) -> rows

    def done_twice(self) -> list[object]:
        """Any transition, boundary or escalation step recorded more than once."""
        counts: list[Counter] = [self.audits, self.events, self.escalations]
        return [key for c in counts for key, n in c.items() if n > 1]

    def actions(self, action: str) -> int:
        return sum(n for (_, done), n in self.audits.items() if done == action)


def snapshot(cycle: str) -> Snapshot:
    """Statuses, audit rows by (application, action), boundaries done, outbox and escalations."""
    with session_scope() as session:
        statuses: dict[int, str] = dict(
            session.execute(
                select(col(Application.id), col(Application.status)).where(
                    col(Application.cycle_id) == cycle
                )
            ).all()
        )
        audits: Counter[tuple[int, str]] = Counter(
            session.execute(
                select(col(AuditEvent.application_id), col(AuditEvent.action)).where(
                    col(AuditEvent.cycle_id) == cycle
                )
            ).all()
        )
        events = Counter(
            session.execute(select(col(CycleEvent.key)).where(col(CycleEvent.cycle_id) == cycle))
            .scalars()
            .all()
        )
        messages = session.execute(
            select(func.count()).select_from(Message).where(col(Message.cycle_id) == cycle)
        ).scalar_one()
        escalations: Counter[tuple[int, int]] = Counter(
            session.execute(
                select(col(Escalation.unit_id), col(Escalation.step)).where(
                    col(Escalation.cycle_id) == cycle
                )
            ).all()
        )
    return Snapshot(statuses, audits, events, messages, escalations)


def pending_in_unit_review(cycle: str, units: int, per_unit: int = 2) -> list[int]:
    """Units with applications still waiting for their unit's review: daily reminders to the
    units, reminders to their departments, and escalation up the tree."""
    apps: list[int] = []
    for _ in range(units):
        apps += drafts(cycle, per_unit, unit_id=unit_in_tree())
    with session_scope() as session:
        session.execute(
            update(Application).where(col(Application.id).in_(apps)).values(status="unit_review")
        )
    return apps
