"""Notification tasks: write due reminders and escalation steps to the outbox, then deliver."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.runtime import deployment

from models.db import session_scope
from models.plans import stored_plan
from models.settings import workday_calendar
from notifications.channels import load_channels
from notifications.cycle_schedule import stamp
from notifications.delivery import deliver, next_attempt
from notifications.escalation import escalate_through
from notifications.filing import overdue_filings
from notifications.reminders import ReminderWriter
from tasks.retry import retry_on_db_hiccup
from tasks.schedule import PHASE_DEPLOYMENT, RETRY_TAG, scheduled_runs

log = logging.getLogger(__name__)


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
        steps = escalate_through(session, cycle_id, spec, plan, now)
        overdue = overdue_filings(session, cycle_id, spec, plan, now)
    return {"reminders": reminders, "escalations": len(steps), "filing_overdue": overdue}


@task(cache_policy=NO_CACHE, name="deliver", task_run_name="{cycle_id}-deliver")
def deliver_messages(
    cycle_id: str, now: dt.datetime, notify_url: str | None = None
) -> dict[str, Any]:
    """Sends due outbox rows through apprise; a sent row is never sent again. ``retry_at`` is
    when a row that could not go out now may go next: a deployed run asks the server for a
    run of its cycle then (a rehearsal or a test runs it itself)."""
    with session_scope() as session:
        spec, _ = stored_plan(session, cycle_id)
    retry = spec.notifications.retry_minutes if spec.notifications else [60]
    channels = load_channels(everything=notify_url)
    result = deliver(session_scope, cycle_id, now, channels, retry, rules=spec.notifications)
    report: dict[str, Any] = dict(result.counts)
    with session_scope() as session:
        retry_at = next_attempt(session, cycle_id, now)
    if retry_at is not None:
        report["retry_at"] = retry_at
        schedule_retry(cycle_id, retry_at)
    return report


def schedule_retry(cycle_id: str, at: dt.datetime) -> None:
    """A run of the cycle at ``at``, asked of the server by a deployed run, unless one of its
    runs is already waiting to start by then (its schedule's next instant, an earlier retry);
    the key makes the same request from another run return the same run. Best effort: without
    it the row waits for the schedule's next instant."""
    if deployment.get_id() is None:
        return
    try:
        waiting = scheduled_runs(cycle_id, [StateType.SCHEDULED, StateType.PENDING])
        if any(r.expected_start_time and r.expected_start_time <= at for r in waiting):
            return
        run_deployment(
            PHASE_DEPLOYMENT,
            parameters={"cycle_id": cycle_id, "run_label": "retry"},
            scheduled_time=at,
            timeout=0,
            as_subflow=False,
            idempotency_key=f"{cycle_id}-retry-{stamp(at)}",
            tags=[f"cycle:{cycle_id}", RETRY_TAG],
        )
    except Exception as exc:  # the server may be what is down; the next instant retries
        log.warning("未能排定 %s 的重试运行（%s）：%s", cycle_id, stamp(at), exc)
