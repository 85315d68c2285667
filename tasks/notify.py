"""Notification tasks: write due reminders and escalation steps to the outbox, then deliver."""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from models.db import session_scope
from models.plans import stored_plan
from models.settings import workday_calendar
from notifications.channels import load_channels
from notifications.delivery import deliver
from notifications.escalation import escalate
from notifications.filing import overdue_filings
from notifications.reminders import ReminderWriter
from tasks.retry import retry_on_db_hiccup


@task(
    cache_policy=NO_CACHE,
    name="remind-and-escalate",
    task_run_name="{cycle_id}-remind",
    retries=2,
    retry_condition_fn=retry_on_db_hiccup,
)
def remind_and_escalate(cycle_id: str, now: dt.datetime) -> dict[str, int]:
    """Writes the reminders and escalation steps due by ``now``; the outbox key and the
    escalation step key make a rerun write nothing new."""
    with session_scope() as session:
        spec, plan = stored_plan(session, cycle_id)
        reminders = ReminderWriter(session, cycle_id, spec, plan, workday_calendar()).write(now)
        steps = escalate(session, cycle_id, spec, plan, now)
        overdue = overdue_filings(session, cycle_id, spec, plan, now)
    return {"reminders": reminders, "escalations": len(steps), "filing_overdue": overdue}


@task(cache_policy=NO_CACHE, name="deliver", task_run_name="{cycle_id}-deliver")
def deliver_messages(
    cycle_id: str, now: dt.datetime, notify_url: str | None = None
) -> dict[str, Any]:
    """Sends due outbox rows through apprise; a sent row is never sent again."""
    with session_scope() as session:
        spec, _ = stored_plan(session, cycle_id)
    retry = spec.notifications.retry_minutes if spec.notifications else [60]
    result = deliver(session_scope, cycle_id, now, load_channels(everything=notify_url), retry)
    return dict(result.counts)
