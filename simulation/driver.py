"""The time-skipping simulation: a synthetic province lives through a whole cycle on a
simulated clock that jumps from event to event. Actors act through the service layer; the
cycle's schedule is driven as live runs it (notifications.cycle_schedule, the runs `launch`
schedules): a real Prefect run at every boundary, the same flow function in this process at
every other instant, and the 00:30 catch-up run on nights it has something to catch up."""

from __future__ import annotations

import datetime as dt
import gc
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
from faker import Faker
from sqlalchemy import select
from sqlmodel import col

from calendars.beijing import BEIJING
from flows.cycle import phase_flow
from flows.launch import annual_cycle, checked_plan
from models.application import Application
from models.db import engine, one_transaction, session_scope
from models.purge import delete_cycle
from notifications.cycle_schedule import Run
from simulation.actors import Actors
from simulation.applicants import add_applicants
from simulation.behaviour import Windows, script_application
from simulation.checkpoints import BackgroundCheckpoints
from simulation.clock import Event, EventQueue, beijing_at, beijing_day
from simulation.in_process import run_in_process
from simulation.interruption import stop_if_signalled
from simulation.prefect_sync import RunRecorder, no_tls_setup_for_a_plain_http_server
from simulation.province import build_province, committees_by_series
from simulation.report import Report
from simulation.waiting import has_open_applications, sweep_has_work
from tasks.schedule import stored_runs

BUCKET_HOURS = 4  # actors' actions are applied in batches this wide, never across midnight
BEIJING_OFFSET = dt.timedelta(hours=8)
CATCH_UP = (0, 30)  # the daily-sweep deployment's cron (prefect.yaml), Beijing time
CHECKPOINT_SECONDS = 0.5  # how often SQLite's log is copied back on its own thread

# Told after every event: the events handled, the simulated instant (Beijing, to the minute)
# and the share of the year's schedule behind it. A share of time, not of events: meetings and
# objections add most of a year's events late, so a count of those known so far runs ahead.
Progress = Callable[[int, str, float], None]


# What the province's people do, as opposed to the runs of the schedule.
ACTING = frozenset({Event.FORWARD, Event.MEETING, Event.OBJECT, Event.DECIDE, Event.BATCH})


def simulation_id(cycle: str, seed: int, applicants: int) -> str:
    return f"sim-{cycle}-s{seed}-n{applicants}"


class Simulation:
    def __init__(
        self,
        cycle_file: str | Path,
        applicants: int,
        seed: int,
        progress: Progress | None = None,
        notify_url: str | None = None,
    ) -> None:
        self.notify_url = notify_url
        self.plan = checked_plan(cycle_file)
        self.cycle_file = str(cycle_file)
        self.applicants = applicants
        self.seed = seed
        self.rng = random.Random(seed)
        self.cycle_id = simulation_id(self.plan.spec.id, seed, applicants)
        self.report = Report(self.cycle_id, self.plan.spec.id, applicants, seed)
        self.queue = EventQueue()
        self.actors = Actors(self.cycle_id, self.rng, self.queue)
        self.progress = progress or (lambda done, clock, share: None)
        self.late_units: set[int] = set()
        self.done = 0  # events handled so far

    # ------------------------------------------------------------------ setup

    def window(self, key: str) -> tuple[dt.datetime, dt.datetime]:
        phase = self.plan.phase(key)
        assert phase.start is not None and phase.end is not None
        return phase.start, phase.end

    def setup(self) -> None:
        # The setup makes millions of short-lived containers, freed as they go out of use;
        # each collection would walk them, and each full one every object the modules,
        # Prefect and SQLAlchemy already hold as well: those are set aside and collections
        # are off while it runs (collections 1.5 s of a 100,000 setup with them only set
        # aside); the run collects once after it.
        gc.freeze()
        gc.disable()
        try:
            self._setup()
        finally:
            gc.enable()
            gc.unfreeze()

    def _setup(self) -> None:
        start, _ = self.window(self.plan.phases[0].key)
        with session_scope() as session:  # a rerun with the same seed starts from nothing
            delete_cycle(session, self.cycle_id)
        annual_cycle(self.cycle_file, now=start, by="仿真", schedule=False, cycle_id=self.cycle_id)
        faker = Faker("zh_CN")
        faker.seed_instance(self.seed)
        with session_scope() as session:
            committees = committees_by_series(session, self.cycle_id)
            units_wanted = max(40, min(3000, self.applicants // 4))
            province = build_province(
                session, self.rng, committees, units_wanted, tag=f"S{self.seed}"
            )
            self.city_names = province.city_names
            add_applicants(
                session,
                self.rng,
                faker,
                province,
                committees,
                cycle_id=self.cycle_id,
                year=self.plan.spec.year,
                count=self.applicants,
                now=start,
            )
            # in the order they were declared
            unit_of: dict[int, int] = {
                app_id: unit_id
                for app_id, unit_id in session.execute(
                    select(col(Application.id), col(Application.unit_id))
                    .where(col(Application.cycle_id) == self.cycle_id)
                    .order_by(col(Application.id))
                ).all()
            }
        unit_ids = sorted({u for u, _, _ in province.units})
        self.late_units = {u for u in unit_ids if self.rng.random() < 0.05}
        self.actors.late_departments = {
            d for d in sorted(set(province.departments.values())) if self.rng.random() < 0.03
        }
        self._schedule(unit_of)

    def _schedule(self, unit_of: dict[int, int]) -> None:
        """Each application's scripted steps (``unit_of``: its unit, in the order declared) on the
        queue in batches, the departments' daily forwarding, the meetings and the runs."""
        decl_start, decl_end = self.window("declaration")
        _, unit_end = self.window("unit_review")
        # Scripted in plain datetimes at Beijing's offset (exact arithmetic, four times faster
        # than pendulum's for the same instants); each batch's instant goes on the queue in
        # Beijing time again.
        windows = Windows(_plain(decl_start), _plain(decl_end), _plain(unit_end))
        # per batch its latest instant and its applications, not the steps themselves
        batches: dict[tuple[int, str, str | None], tuple[list[dt.datetime], list[int]]] = {}
        late_units = self.late_units
        for app_id, unit_id in unit_of.items():
            for at, kind, _, reason in script_application(
                self.rng, app_id, windows, unit_id in late_units
            ):
                key = (_bucket(at), kind, reason)
                batch = batches.get(key)
                if batch is None:
                    batches[key] = ([at], [app_id])
                else:
                    if at > batch[0][0]:
                        batch[0][0] = at
                    batch[1].append(app_id)
        for (_, kind, reason), (latest, app_ids) in batches.items():
            at = pendulum.instance(latest[0]).in_timezone(BEIJING)
            self.queue.push(at, Event.BATCH, (kind, reason, app_ids))
        day = beijing_day(decl_start)
        last = beijing_day(unit_end)
        while day <= last:
            self.queue.push(beijing_at(day, 15), Event.FORWARD, None)
            day += dt.timedelta(days=1)
        review_start, _ = self.window("committee_review")
        planned_at, _ = self.window(self.plan.phases[0].key)
        self.actors.plan_meetings(beijing_day(review_start), planned_at)
        self._schedule_runs(planned_at)

    def _schedule_runs(self, first: dt.datetime) -> None:
        """The runs `launch` would schedule now that the meetings are planned, and the
        nightly catch-up from the first night on."""
        with session_scope() as session:
            self.runs = stored_runs(session, self.cycle_id)
        for run in self.runs:
            self.queue.push(run.at, Event.FLOW, run)
        self.catch_up_day = beijing_day(first) + dt.timedelta(days=1)
        self.span = (first, max((run.at for run in self.runs), default=first))
        self.queue.push(beijing_at(self.catch_up_day, *CATCH_UP), Event.SWEEP, None)

    # ------------------------------------------------------------------ running

    def run(self) -> Report:
        started = time.perf_counter()
        checkpoints = BackgroundCheckpoints(engine(), CHECKPOINT_SECONDS)
        with no_tls_setup_for_a_plain_http_server(), checkpoints:
            connecting = time.perf_counter()
            self.recorder = RunRecorder()  # one Prefect client, from the launch to the end
            self.report.prefect_start_seconds = time.perf_counter() - connecting
            try:
                self.setup()
                # What the setup leaves — the queue, the province, the modules' own objects —
                # lives until the end: set aside, so that each full collection walks only
                # what the year makes (with collections off in setup(), 4.0 -> 1.3 s of
                # collections in a 100,000 run; 2.9 s had been full ones walking these again).
                gc.collect()
                gc.freeze()
                now = self._run()
                stop_if_signalled()  # a signal during the last event: it asked to stop
            finally:
                gc.unfreeze()
                self.recorder.close()
        self.report.close(self.plan, self.actors.refusals, now)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _run(self) -> dt.datetime | None:
        now = None
        while self.queue:
            if self._joins():
                # Everything up to the next real Prefect run, committed together (each action
                # and each task still in its own scope, at its own instant): SQLite writes a
                # changed page once per commit, and these change scattered rows.
                with one_transaction():
                    while self.queue and self._joins():
                        now = self._step()
            else:
                now = self._step()
        return now

    def _joins(self) -> bool:
        """Whether the next event may share the transaction of those before it: not a real
        Prefect run (its tasks use their own connections, and must see what came before
        committed), nor — when messages are really sent — an in-process run, whose delivery
        marks what its sender threads sent through their own connections."""
        kind, payload = self.queue.peek()
        if kind in ACTING:
            return True
        if self.notify_url is not None:
            return False
        return kind == Event.SWEEP or not payload.boundary

    def _step(self) -> dt.datetime:
        stop_if_signalled()
        now, kind, payload = self.queue.pop()
        self._handle(now, kind, payload)
        self.done += 1
        clock = pendulum.instance(now).in_timezone(BEIJING).format("YYYY-MM-DD HH:mm")
        self.progress(self.done, clock, self._share(now))
        return now

    def _share(self, now: dt.datetime) -> float:
        """From the first phase's start to the last scheduled run; the nights of catching up
        after that last run count as its end."""
        first, last = self.span
        if last <= first:
            return 1.0
        return min(1.0, max(0.0, (now - first) / (last - first)))

    def _handle(self, now: dt.datetime, kind: Event, payload: Any) -> None:
        if kind == Event.FLOW:
            self._flow(payload, now)
        elif kind == Event.SWEEP:
            self._sweep(now)
        elif kind == Event.FORWARD:
            self.actors.forward(now)
        elif kind == Event.MEETING:
            self.actors.meet(payload, now)
        elif kind == Event.OBJECT:
            self.actors.object(now, payload)
        elif kind == Event.DECIDE:
            ids, upheld = payload
            self.actors.decide(now, ids, upheld)
        else:
            self._batch(now, *payload)

    def _flow(self, run: Run, now: dt.datetime) -> None:
        """A boundary as a real Prefect run (what the office watches); any other instant
        in this process, as the same flow function."""
        self.report.instants.append(run.key(self.cycle_id))
        if run.boundary:
            state = phase_flow(self.cycle_id, run.phase, now, self.notify_url, return_state=True)
            result = state.result()
            self.report.flow_runs.append(run.phase)
            self.report.flow_run_ids.append(str(state.state_details.flow_run_id))
            self.recorder.wait(state.state_details.flow_run_id, result.get("task_runs", 0))
        else:
            run_in_process(self.cycle_id, run.phase, now, self.notify_url)
            self.report.in_process_runs += 1

    def _sweep(self, now: dt.datetime) -> None:
        """The 00:30 catch-up, as the daily-sweep deployment runs it — skipped on nights
        when nothing is waiting, since such a run would change nothing."""
        if sweep_has_work(self.cycle_id, now):
            run_in_process(self.cycle_id, "sweep", now, self.notify_url)
            self.report.catch_up_runs += 1
        if self._open_work():
            self.catch_up_day += dt.timedelta(days=1)
            self.queue.push(beijing_at(self.catch_up_day, *CATCH_UP), Event.SWEEP, None)

    def _open_work(self) -> bool:
        """Keep sweeping while any application is not final or anything is still scheduled."""
        return bool(self.queue) or has_open_applications(self.cycle_id)

    def _batch(self, now: dt.datetime, kind: str, reason: str | None, ids: list[int]) -> None:
        outcome = self.actors.batch(now, kind, reason, ids)
        if kind == "submit":
            _, decl_end = self.window("declaration")
            if now >= decl_end:
                self.report.late_first_submissions_refused += len(outcome.refused)
                self.report.late_first_submissions_accepted += len(outcome.done)


_BEIJING = dt.timezone(BEIJING_OFFSET)
_BUCKETS_A_DAY = 24 // BUCKET_HOURS


def _bucket(at: dt.datetime) -> int:
    """The batch an instant at Beijing's offset (``_plain``) falls in: BUCKET_HOURS-wide
    blocks of Beijing time from midnight (UTC+8 all year: China keeps no summer time),
    numbered by day — read off the wall clock, without converting the instant."""
    return at.toordinal() * _BUCKETS_A_DAY + at.hour // BUCKET_HOURS


def _plain(at: dt.datetime) -> dt.datetime:
    """The same instant as a plain datetime at Beijing's fixed offset."""
    b = at.astimezone(_BEIJING)
    return dt.datetime(
        b.year, b.month, b.day, b.hour, b.minute, b.second, b.microsecond, tzinfo=_BEIJING
    )


__all__ = ["Report", "Simulation", "simulation_id"]
