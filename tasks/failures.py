"""Alerting the office when a boundary run fails or crashes: the phase flow's state hooks.

A hook is the shell around the domain: it reads the run's parameters and, when the run was
not given ``now`` (a live run), the clock. What it records and writes takes that ``now``."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pendulum
from prefect.client.schemas.objects import FlowRun, State
from sqlalchemy import select
from sqlmodel import Session, col

from models.cycle import Cycle
from models.db import session_scope
from models.org import Organisation
from models.plans import stored_plan
from models.run_failures import record_failure, resolve_failures
from notifications.channels import load_channels
from notifications.delivery import deliver
from notifications.reminders import insert_messages, message_row
from notifications.schedule import Offset

KIND = "run_failed"
TITLE = "流程运行失败"
STATE_TEXT = {"FAILED": "失败", "CRASHED": "异常中断"}
REASON_LIMIT = 500  # a traceback's last line is enough for the office; the run's log has it all

log = logging.getLogger(__name__)


def run_now(parameters: dict[str, Any], when: dt.datetime) -> dt.datetime:
    """The run's ``now`` (a rehearsal gives one), else ``when`` the state was set."""
    given = parameters.get("now")
    if isinstance(given, dt.datetime):
        return pendulum.instance(given)
    if isinstance(given, str):
        parsed = pendulum.parse(given)
        if isinstance(parsed, pendulum.DateTime):
            return parsed
    return pendulum.instance(when)


def _province(session: Session, region_code: str) -> tuple[str, str]:
    """The province organisation above the cycle's region (its code begins with the same two
    digits, GB/T 2260); the first province when none matches."""
    rows = session.execute(
        select(col(Organisation.code), col(Organisation.name))
        .where(col(Organisation.kind) == "province")
        .order_by(col(Organisation.code))
    ).all()
    for code, name in rows:
        if code[:2] == region_code[:2]:
            return code, name
    if rows:
        return rows[0][0], rows[0][1]
    return f"{region_code[:2]}0000", "省职称工作主管部门"


def failure_message(
    session: Session,
    cycle_id: str,
    run_label: str,
    flow_run_id: str,
    state: str,
    reason: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """The outbox row to the province: one per failed run (the run id is its offset key)."""
    cycle = session.get(Cycle, cycle_id)
    region = cycle.region_code if cycle is not None else ""
    title = cycle.title if cycle is not None else cycle_id
    code, name = _province(session, region)
    row = message_row(
        cycle_id,
        KIND,
        code,
        "province",
        run_label,
        now,
        Offset(flow_run_id, now),
        now,
        0,
        False,
        org_name=name,
        cycle_title=title,
        run_label=run_label,
        state_text=STATE_TEXT.get(state, state),
        flow_run_id=flow_run_id,
        reason=reason,
    )
    row["title"] = TITLE
    return row


def record_run_failure(
    cycle_id: str,
    run_label: str,
    flow_run_id: str,
    state: str,
    reason: str,
    now: dt.datetime,
) -> bool:
    """Stores the failure and its message in one transaction; False if already stored."""
    reason = (reason.strip().splitlines() or ["（未给出原因）"])[-1][:REASON_LIMIT]
    with session_scope() as session:
        if not record_failure(session, cycle_id, run_label, flow_run_id, state, reason, now):
            return False
        insert_messages(
            session,
            [failure_message(session, cycle_id, run_label, flow_run_id, state, reason, now)],
        )
    return True


def _retry_minutes(cycle_id: str) -> list[int]:
    """The cycle's retry waits; none (delivery's own default) when its spec is what broke."""
    try:
        with session_scope() as session:
            spec, _ = stored_plan(session, cycle_id)
    except Exception:  # the failed run may have failed on exactly this
        return []
    return spec.notifications.retry_minutes if spec.notifications else []


def _deliver_now(cycle_id: str, now: dt.datetime, parameters: dict[str, Any]) -> None:
    """The alert goes out at once, not at the cycle's next run (which may be a night away).
    Best effort: if the database is what failed, the next run delivers it."""
    try:
        channels = load_channels(everything=parameters.get("notify_url"))
        deliver(session_scope, cycle_id, now, channels, _retry_minutes(cycle_id))
    except Exception as exc:  # the alert is stored; its delivery waits for the next run
        log.warning("运行失败提醒暂未发出（%s），将在下次运行时投递：%s", cycle_id, exc)


def on_run_failed(flow: Any, flow_run: FlowRun, state: State[Any]) -> None:
    """Prefect's on_failure / on_crashed hook of the phase flow."""
    parameters = dict(flow_run.parameters or {})
    cycle_id = str(parameters.get("cycle_id", ""))
    if not cycle_id:
        return
    # the failed state's own timestamp: when Prefect recorded the failure
    now = run_now(parameters, state.timestamp)
    stored = record_run_failure(
        cycle_id,
        str(parameters.get("run_label", "sweep")),
        str(flow_run.id),
        state.type.value,
        state.message or state.name or "",
        now,
    )
    if stored:
        _deliver_now(cycle_id, now, parameters)


def on_run_completed(cycle_id: str, run_label: str, now: dt.datetime) -> int:
    """A run of a boundary succeeded: its earlier failures are settled."""
    with session_scope() as session:
        return resolve_failures(session, cycle_id, run_label, now)
