"""Tasks run at phase boundaries: each is one set-based statement over the whole cycle."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from calendars.beijing import beijing_text
from models.cycle import CycleEvent
from models.db import session_scope
from models.transitions import transition
from tasks.events import BoundaryEvent
from tasks.retry import retry_on_db_hiccup

SYSTEM = "system"


def _already_done(session: Session, cycle_id: str, key: str) -> bool:
    return (
        session.exec(
            select(CycleEvent.id).where(CycleEvent.cycle_id == cycle_id, CycleEvent.key == key)
        ).first()
        is not None
    )


# What closing a phase does to the applications still waiting in it: (action, reason).
CLOSERS = {
    ("declaration", "close"): ("expire", "个人申报已于 {deadline} 截止，草稿未提交"),
    ("unit_review", "close"): (
        "not_recommend",
        "单位审核推荐已于 {deadline} 截止，未在期限内推荐报送",
    ),
}


def _close(session: Session, cycle_id: str, event: BoundaryEvent, now: dt.datetime) -> int:
    closer = CLOSERS.get((event.phase, event.edge))
    if closer is None:
        return 0
    action, reason = closer
    moved = transition(
        session,
        cycle_id=cycle_id,
        action=action,
        now=now,
        actor=SYSTEM,
        reason=reason.format(deadline=beijing_text(event.due)),
    )
    return len(moved)


@task(
    cache_policy=NO_CACHE,
    name="boundary",
    task_run_name="{cycle_id}-{event.slug}",
    retries=2,
    retry_condition_fn=retry_on_db_hiccup,
)
def carry_out(
    cycle_id: str, event: BoundaryEvent, now: dt.datetime, flow_run: str | None = None
) -> int:
    """Carries out one boundary and records it; the (cycle, event key) row makes it run once."""
    try:
        with session_scope() as session:
            if _already_done(session, cycle_id, event.key):
                return 0
            affected = _close(session, cycle_id, event, now)
            session.add(
                CycleEvent(
                    cycle_id=cycle_id,
                    key=event.key,
                    due=event.due,
                    done_at=now,
                    affected=affected,
                    flow_run=flow_run,
                )
            )
        return affected
    except IntegrityError:
        # Another run recorded the same event first; its work stands, ours rolled back.
        return 0
