"""Overdue filing items go to the office that receives the filing, through the outbox."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlmodel import Session, col

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from calendars.workdays import day_end
from models.filing import overdue_items
from models.outbox import Message
from notifications.reminders import insert_messages, message_row
from notifications.schedule import Offset, outside_quiet_hours

KIND = "filing_overdue"
OFFSET = "overdue"


def overdue_filings(
    session: Session, cycle_id: str, spec: CycleSpec, plan: Plan, now: dt.datetime
) -> int:
    """One message per overdue item (keyed, so a rerun adds nothing). The items' status is
    read only while some item is past its deadline with no such message yet."""
    if spec.notifications is None:
        return 0
    region = spec.region
    past = {
        (f"filing:{item.key}", day_end(item.due_last_day))
        for item in plan.filing
        if item.due_last_day is not None and now >= day_end(item.due_last_day)
    }
    if not past or not past - _announced(session, cycle_id, region.code):
        return 0
    rows = []
    for item in overdue_items(session, cycle_id, plan, now):
        assert item.due_last_day is not None  # an item without a deadline is never overdue
        deadline = day_end(item.due_last_day)
        due = outside_quiet_hours(now, now + dt.timedelta(days=365), spec.notifications)
        rows.append(
            message_row(
                cycle_id,
                KIND,
                region.code,
                region.level,
                f"filing:{item.key}",
                deadline,
                Offset(OFFSET, due),
                now,
                1,
                False,
                org_name=region.name,
                item_title=item.title,
                rule=item.rule,
            )
        )
    return insert_messages(session, rows)


def _announced(session: Session, cycle_id: str, recipient: str) -> set[tuple[str, dt.datetime]]:
    """The items (by message subject and deadline) whose overdue message is in the outbox."""
    return {
        (subject, deadline)
        for subject, deadline in session.execute(
            select(col(Message.subject), col(Message.deadline)).where(
                col(Message.cycle_id) == cycle_id,
                col(Message.kind) == KIND,
                col(Message.recipient) == recipient,
                col(Message.offset) == OFFSET,
            )
        )
    }
