"""Overdue filing items go to the office that receives the filing, through the outbox."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from calendars.workdays import day_end
from models.filing import filing_status
from notifications.reminders import insert_messages, message_row
from notifications.schedule import Offset, outside_quiet_hours


def overdue_filings(
    session: Session, cycle_id: str, spec: CycleSpec, plan: Plan, now: dt.datetime
) -> int:
    """One message per overdue item (keyed, so a rerun adds nothing)."""
    if spec.notifications is None:
        return 0
    region = spec.region
    rows = []
    for item in filing_status(session, cycle_id, plan, now):
        if item.status != "overdue" or item.due_last_day is None:
            continue
        deadline = day_end(item.due_last_day)
        due = outside_quiet_hours(now, now + dt.timedelta(days=365), spec.notifications)
        rows.append(
            message_row(
                cycle_id,
                "filing_overdue",
                region.code,
                region.level,
                f"filing:{item.key}",
                deadline,
                Offset("overdue", due),
                now,
                1,
                False,
                org_name=region.name,
                item_title=item.title,
                rule=item.rule,
            )
        )
    return insert_messages(session, rows)
