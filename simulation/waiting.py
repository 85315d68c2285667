"""Whether a simulated cycle still has something waiting: the driver skips sweeps that would
change nothing, and stops its clock when nothing is left."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlmodel import col

from models.application import Application
from models.db import session_scope
from models.outbox import Message
from models.states import FINAL, Status
from notifications.delivery import due_for_attempt


def sweep_has_work(cycle_id: str, now: dt.datetime) -> bool:
    """A message due for (another) delivery attempt, or an application a sweep would move on:
    recommended (to forward), or with its unit or result publicity over."""
    with session_scope() as session:
        # the first one found is enough (a count read every due message)
        due = select(col(Message.id)).where(due_for_attempt(cycle_id, now))
        if session.execute(due.limit(1)).first() is not None:
            return True
        # One probe of the status index per condition (an OR of them reads every row).
        for condition in (
            col(Application.status) == Status.recommended.value,
            (col(Application.status) == Status.unit_publicity.value)
            & (col(Application.unit_publicity_ends) <= now),
            (col(Application.status) == Status.result_publicity.value)
            & (col(Application.result_publicity_ends) <= now),
        ):
            found = select(col(Application.id)).where(
                col(Application.cycle_id) == cycle_id, condition
            )
            if session.execute(found.limit(1)).first() is not None:
                return True
        return False


def has_open_applications(cycle_id: str) -> bool:
    with session_scope() as session:
        stmt = (
            select(func.count())
            .select_from(Application)
            .where(
                col(Application.cycle_id) == cycle_id,
                col(Application.status).not_in([s.value for s in FINAL]),
            )
        )
        return bool(session.execute(stmt).scalar())
