"""Which boundary events a cycle has, and which of them are due and not yet done."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from calendars.cyclefile import TOP_LEVEL_PHASES
from models.cycle import CycleEvent, Phase, boundary_key


@dataclass(frozen=True)
class BoundaryEvent:
    phase: str
    edge: str  # "open" | "close"
    due: dt.datetime

    @property
    def key(self) -> str:
        return boundary_key(self.phase, self.edge, self.due)

    @property
    def stamp(self) -> str:
        return self.key.split("@", 1)[1]

    @property
    def slug(self) -> str:
        return f"{self.phase.replace('_', '-')}-{self.edge}"


def boundary_events(session: Session, cycle_id: str) -> list[BoundaryEvent]:
    phases = session.exec(
        select(Phase).where(Phase.cycle_id == cycle_id, Phase.parent_key == None)  # noqa: E711
    ).all()
    events: list[BoundaryEvent] = []
    for phase in phases:
        if phase.start is not None:
            events.append(BoundaryEvent(phase.key, "open", phase.start))
        if phase.end is not None:
            events.append(BoundaryEvent(phase.key, "close", phase.end))
    rank = {key: i for i, key in enumerate(TOP_LEVEL_PHASES)}
    return sorted(events, key=lambda e: (e.due, e.edge == "open", rank.get(e.phase, 99)))


def due_events(session: Session, cycle_id: str, now: dt.datetime) -> list[BoundaryEvent]:
    """Every boundary at or before ``now`` that no flow has carried out yet, in order."""
    done = set(session.exec(select(CycleEvent.key).where(CycleEvent.cycle_id == cycle_id)).all())
    return [e for e in boundary_events(session, cycle_id) if e.due <= now and e.key not in done]
