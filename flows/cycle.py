"""The phase flow: does everything due by ``now`` and not yet done, in order, then reports.

One flow serves every boundary and every sweep: a run scheduled for a boundary that finds
earlier boundaries undone (the server was down for three days) carries them out first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pendulum
from prefect import flow, get_client, get_run_logger
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.runtime import flow_run
from sqlmodel import select

from models.db import session_scope
from models.org import Organisation
from tasks.boundaries import carry_out
from tasks.events import due_events
from tasks.failures import on_run_completed, on_run_failed
from tasks.notify import deliver_messages, remind_and_escalate
from tasks.progress import publish_progress
from tasks.sweeps import sweep


def _city_names() -> dict[str, str]:
    with session_scope() as session:
        rows = session.exec(
            select(Organisation.code, Organisation.name).where(Organisation.kind == "city")
        ).all()
        return dict(rows)


def _current_phase(cycle_id: str, now: dt.datetime) -> str:
    from models.cycle import Phase

    with session_scope() as session:
        phases = session.exec(
            select(Phase).where(Phase.cycle_id == cycle_id, Phase.parent_key == None)  # noqa: E711
        ).all()
    current = "prep"
    for phase in sorted(phases, key=lambda p: p.position):
        if phase.start is not None and phase.start <= now:
            current = phase.key
    return current


def _not_before_scheduled(clock: pendulum.DateTime) -> pendulum.DateTime:
    """The clock, but never before the instant the run was scheduled for: the server
    rounds its wait to whole seconds and may start a boundary run half a second early, which
    would leave the boundary for the next run."""
    scheduled = flow_run.get_scheduled_start_time()
    return max(clock, pendulum.instance(scheduled)) if scheduled is not None else clock


# A worker killed mid-run holds its cycle's slot until the lease runs out: the shortest lease
# the server grants, renewed by a thread while the run is alive.
SLOT_LEASE_SECONDS = 60


def cycle_limit(cycle_id: str) -> str:
    return f"cycle-{cycle_id}"


def ensure_cycle_limit(cycle_id: str) -> str:
    """The cycle's one-slot global concurrency limit, created on first use. Prefect lets a run
    through without any limit when the named one is missing, so it must exist; two runs
    creating it at once both succeed (the second finds it there)."""
    name = cycle_limit(cycle_id)
    with get_client(sync_client=True) as client:
        try:
            # Read first: a create that finds the name taken leaves a traceback in the server log.
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=name, limit=1)
                )
            except ObjectAlreadyExists:
                pass
    return name


@contextmanager
def one_run_per_cycle(cycle_id: str) -> Iterator[None]:
    """Runs of one cycle wait for each other (several workers may pick up its runs at once);
    runs of different cycles do not. Outside a flow run (the rehearsal calls the flow function
    in its own process, between its Prefect runs) nothing can overlap, so nothing is taken."""
    if flow_run.get_id() is None:
        yield
        return
    with concurrency(
        ensure_cycle_limit(cycle_id),
        occupy=1,
        lease_duration=SLOT_LEASE_SECONDS,
        strict=True,
        raise_on_lease_renewal_failure=False,
    ):
        yield


@flow(
    name="cycle-phase",
    flow_run_name="{cycle_id}-{run_label}",
    log_prints=False,
    on_failure=[on_run_failed],
    on_crashed=[on_run_failed],
)
def phase_flow(
    cycle_id: str,
    run_label: str = "sweep",
    now: dt.datetime | None = None,
    notify_url: str | None = None,
) -> dict[str, Any]:
    """Runs a cycle up to ``now``: every due boundary in order (each preceded by the sweep and
    the reminders and escalations due by then), the delivery of due messages, the progress
    report. ``run_label`` only names the run (``declaration-close``, ``sweep``): what is done
    depends on ``now`` alone — everything due by then and not yet done.
    ``notify_url`` sends every message to one apprise URL (a rehearsal).
    A failed or crashed run is recorded and the province alerted (``tasks.failures``); a later
    successful run of the same ``run_label`` settles it."""
    with one_run_per_cycle(cycle_id):
        # The instant is read once the slot is held: a run that waited sees what the other did.
        instant = (
            pendulum.instance(now)
            if now is not None
            else _not_before_scheduled(pendulum.now("UTC"))
        )
        report = _run(cycle_id, instant, notify_url)
        on_run_completed(cycle_id, run_label, instant)
        return report


def _run(cycle_id: str, now: dt.datetime, notify_url: str | None) -> dict[str, Any]:
    logger = get_run_logger()
    run_name = flow_run.get_name()
    report: dict[str, Any] = {"boundaries": {}, "swept": {}, "notified": {}}
    with session_scope() as session:
        events = due_events(session, cycle_id, now)
    for event in events:
        report["swept"] = _add(report["swept"], sweep(cycle_id, now))
        # Escalations "at the deadline" must see what is pending before the boundary closes it.
        report["notified"] = _add(
            report["notified"], remind_and_escalate(cycle_id, min(event.due, now))
        )
        report["boundaries"][event.key] = carry_out(cycle_id, event, now, run_name)
        logger.info("%s: %s 已处理（%s 件）", cycle_id, event.key, report["boundaries"][event.key])
    report["swept"] = _add(report["swept"], sweep(cycle_id, now))
    report["notified"] = _add(report["notified"], remind_and_escalate(cycle_id, now))
    report["delivered"] = deliver_messages(cycle_id, now, notify_url)
    current = _current_phase(cycle_id, now)
    report["progress"] = publish_progress(cycle_id, current, now, _city_names())
    report["phase"] = current
    report["task_runs"] = 3 * len(events) + 4
    return report


def _add(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    return {k: total.get(k, 0) + more.get(k, 0) for k in set(total) | set(more)}


@flow(name="daily-sweep", log_prints=False)
def daily_sweep(now: dt.datetime | None = None) -> dict[str, Any]:
    """The daily cron: runs every launched cycle up to now (catches up anything missed)."""
    from models.cycle import Cycle

    with session_scope() as session:
        cycles = session.exec(select(Cycle.id)).all()
    return {cycle_id: phase_flow(cycle_id, "sweep", now) for cycle_id in cycles}
