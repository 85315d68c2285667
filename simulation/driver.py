"""The time-skipping simulation: a synthetic province lives through a whole cycle on a
simulated clock that jumps from event to event. Actors act through the service layer and the
real Prefect flows run at every boundary and sweep — the same code as live, no sleeping."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
from faker import Faker
from sqlalchemy import delete, func, or_, select
from sqlmodel import Session, col

from calendars.planner import Plan
from calendars.workdays import day_end
from flows.cycle import phase_flow
from flows.launch import annual_cycle, checked_plan
from models import services
from models.accounts import Account, AccountSession
from models.application import Application, AuditEvent
from models.certificate import Certificate
from models.committees import CommitteeMeeting, plan_meeting
from models.context import Refused
from models.cycle import Committee, Cycle, CycleEvent, Phase, PhaseExtension
from models.db import session_scope
from models.filing import FilingRecord
from models.org import Organisation
from models.outbox import Escalation, Message
from models.states import FINAL, Status
from simulation.behaviour import DAY, HOUR, Scripted, Windows, script_application
from simulation.prefect_sync import RunRecorder
from simulation.province import add_applicants, build_province, committees_by_series

BUCKET = 4 * HOUR  # actors' actions are applied in batches of this width, never across midnight
FLOW, SWEEP, FORWARD, MEETING, OBJECT, DECIDE, BATCH = range(7)


@dataclass
class Report:
    cycle_id: str
    source_cycle: str
    applicants: int
    seed: int
    phases: list[dict[str, Any]] = field(default_factory=list)
    final_status: dict[str, int] = field(default_factory=dict)
    refusals: dict[str, int] = field(default_factory=dict)
    late_first_submissions_refused: int = 0
    late_first_submissions_accepted: int = 0
    locked: int = 0
    flow_runs: list[str] = field(default_factory=list)
    flow_run_ids: list[str] = field(default_factory=list)
    messages: dict[str, int] = field(default_factory=dict)
    escalations: dict[str, int] = field(default_factory=dict)
    not_final: int = 0
    simulated_until: str = ""
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "cycle_id": self.cycle_id,
            "source_cycle": self.source_cycle,
            "applicants": self.applicants,
            "seed": self.seed,
            "phases": self.phases,
            "final_status": self.final_status,
            "refusals": self.refusals,
            "late_first_submissions_refused": self.late_first_submissions_refused,
            "late_first_submissions_accepted": self.late_first_submissions_accepted,
            "locked": self.locked,
            "flow_runs": len(self.flow_runs),
            "flow_run_names": self.flow_runs,
            "messages": self.messages,
            "escalations": self.escalations,
            "not_final": self.not_final,
            "simulated_until": self.simulated_until,
            "seconds": round(self.seconds, 2),
        }


class _Clock:
    """A priority queue of what happens next; ties run flows first, then actors."""

    def __init__(self) -> None:
        self._heap: list[tuple[dt.datetime, int, int, Any]] = []
        self._seq = itertools.count()
        self.total = 0

    def push(self, at: dt.datetime, kind: int, payload: Any = None) -> None:
        heapq.heappush(self._heap, (at, kind, next(self._seq), payload))
        self.total += 1

    def pop(self) -> tuple[dt.datetime, int, Any]:
        at, kind, _, payload = heapq.heappop(self._heap)
        return at, kind, payload

    def __bool__(self) -> bool:
        return bool(self._heap)


def _no_tls_setup_for_a_plain_http_server() -> AbstractContextManager[object]:
    """Every flow run builds a Prefect client, and each client loads the CA bundle into a TLS
    context (~45 ms, a fifth of a short run) even for the local server over plain HTTP, where
    no TLS happens at all. Skipping that setup changes nothing on the wire; over HTTPS the
    settings stay as they are."""
    from prefect.settings import (
        PREFECT_API_TLS_INSECURE_SKIP_VERIFY,
        PREFECT_API_URL,
        temporary_settings,
    )

    url = PREFECT_API_URL.value()
    if url is not None and not url.startswith("http://"):
        return nullcontext()
    return temporary_settings(updates={PREFECT_API_TLS_INSECURE_SKIP_VERIFY: True})


def simulation_id(cycle: str, seed: int, applicants: int) -> str:
    return f"sim-{cycle}-s{seed}-n{applicants}"


def wipe(session: Session, cycle_id: str) -> None:
    """A rerun with the same seed starts from nothing, so it gives the same result."""
    app_ids = select(col(Application.id)).where(col(Application.cycle_id) == cycle_id)  # type: ignore[arg-type]
    session.execute(delete(AuditEvent).where(col(AuditEvent.application_id).in_(app_ids)))  # type: ignore[attr-defined]
    # Committee accounts belong to the committees about to be deleted.
    committee_ids = select(col(Committee.id)).where(col(Committee.cycle_id) == cycle_id)  # type: ignore[arg-type]
    accounts = select(col(Account.id)).where(col(Account.committee_id).in_(committee_ids))  # type: ignore[attr-defined]
    session.execute(delete(AccountSession).where(col(AccountSession.account_id).in_(accounts)))  # type: ignore[attr-defined]
    session.execute(delete(Account).where(col(Account.id).in_(accounts)))  # type: ignore[attr-defined]
    for table in (
        Certificate,
        Message,
        Escalation,
        FilingRecord,
        Application,
        CycleEvent,
        PhaseExtension,
        CommitteeMeeting,
        Phase,
        Committee,
    ):
        session.execute(delete(table).where(table.__table__.c.cycle_id == cycle_id))  # type: ignore[union-attr]
    session.execute(delete(Cycle).where(Cycle.__table__.c.id == cycle_id))  # type: ignore[attr-defined]


class Simulation:
    def __init__(
        self,
        cycle_file: str | Path,
        applicants: int,
        seed: int,
        progress: Callable[[int, int, str], None] | None = None,
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
        self.clock = _Clock()
        self.progress = progress or (lambda done, total, what: None)
        self.late_units: set[int] = set()
        self.late_departments: set[int] = set()
        self.refusals: Counter[str] = Counter()

    # ------------------------------------------------------------------ setup

    def window(self, key: str) -> tuple[dt.datetime, dt.datetime]:
        phase = self.plan.phase(key)
        assert phase.start is not None and phase.end is not None
        return phase.start, phase.end

    def setup(self) -> None:
        start, _ = self.window(self.plan.phases[0].key)
        with session_scope() as session:
            wipe(session, self.cycle_id)
        annual_cycle(self.cycle_file, now=start, by="仿真", schedule=False, cycle_id=self.cycle_id)
        faker = Faker("zh_CN")
        faker.seed_instance(self.seed)
        with session_scope() as session:
            committees = committees_by_series(session, self.cycle_id)
            series = sorted(committees)
            units_wanted = max(40, min(3000, self.applicants // 4))
            province = build_province(session, self.rng, series, units_wanted, tag=f"S{self.seed}")
            self.city_names = province.city_names
            ids = add_applicants(
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
            unit_of = dict(
                session.execute(
                    select(col(Application.id), col(Application.unit_id)).where(
                        col(Application.cycle_id) == self.cycle_id
                    )  # type: ignore[arg-type]
                ).all()
            )
        unit_ids = sorted({u for u, _, _ in province.units})
        self.late_units = {u for u in unit_ids if self.rng.random() < 0.05}
        self.late_departments = {
            d for d in sorted(set(province.departments.values())) if self.rng.random() < 0.03
        }
        self._schedule(ids, unit_of)

    def _schedule(self, ids: list[int], unit_of: dict[int, int]) -> None:
        decl_start, decl_end = self.window("declaration")
        _, unit_end = self.window("unit_review")
        windows = Windows(decl_start, decl_end, unit_end)
        batches: dict[tuple[dt.datetime, str, str | None], list[Scripted]] = defaultdict(list)
        for app_id in ids:
            for step in script_application(
                self.rng, app_id, windows, unit_of[app_id] in self.late_units
            ):
                batches[(self._bucket(step.at), step.kind, step.reason)].append(step)
        for (_, kind, reason), steps in batches.items():
            self.clock.push(
                max(s.at for s in steps), BATCH, (kind, reason, [s.app_id for s in steps])
            )
        for phase in self.plan.phases:
            if phase.parent is None and phase.start is not None and phase.end is not None:
                self.clock.push(phase.start, FLOW, f"{phase.key}-open")
                self.clock.push(phase.end, FLOW, f"{phase.key}-close")
        day = pendulum.instance(decl_start).in_timezone("Asia/Shanghai").date()
        last = pendulum.instance(unit_end).in_timezone("Asia/Shanghai").date()
        while day <= last:
            self.clock.push(_at(day, 15), FORWARD, None)
            day += dt.timedelta(days=1)
        self._schedule_meetings()
        self._schedule_sweeps(decl_start)

    def _bucket(self, at: dt.datetime) -> dt.datetime:
        local = pendulum.instance(at).in_timezone("Asia/Shanghai")
        return local.replace(hour=local.hour - local.hour % 4, minute=0, second=0, microsecond=0)

    def _schedule_meetings(self) -> None:
        """Each committee meets once inside its window; the plan is recorded as an office
        would record it (``committee plan``), so dashboards show the meeting day."""
        review_start, _ = self.window("committee_review")
        planned_at, _ = self.window(self.plan.phases[0].key)
        with session_scope() as session:
            committees = session.execute(
                select(
                    col(Committee.id),
                    col(Committee.key),
                    col(Committee.organiser),
                    col(Committee.window_start),
                    col(Committee.window_last_day),
                )
                .where(col(Committee.cycle_id) == self.cycle_id)
                .order_by(col(Committee.id))
            ).all()
            for committee_id, key, organiser, first, last in committees:
                if first is None or last is None:
                    continue
                first = max(
                    first, pendulum.instance(review_start).in_timezone("Asia/Shanghai").date()
                )
                span = (last - first).days
                meeting = first + dt.timedelta(days=self.rng.randint(0, max(span, 0)))
                self.clock.push(_at(meeting, 10), MEETING, committee_id)
                with suppress(Refused):  # a window the review phase cuts off stays unplanned
                    plan_meeting(session, self.cycle_id, key, meeting, by=organiser, now=planned_at)

    def _schedule_sweeps(self, first: dt.datetime) -> None:
        """Daily sweeps at 09:00 (when the morning reminders are due), and a run at every
        other instant the cycle file's reminders or escalations fall due."""
        self.sweep_day = pendulum.instance(first).in_timezone("Asia/Shanghai").date()
        self.last_sweep = first
        self.clock.push(_at(self.sweep_day, 9), SWEEP, None)
        self.notify_instants = sorted(notification_instants(self.plan))
        for instant in self.notify_instants:
            local = pendulum.instance(instant).in_timezone("Asia/Shanghai")
            if (local.hour, local.minute) != (9, 0):
                self.clock.push(instant, FLOW, "remind")

    # ------------------------------------------------------------------ running

    def run(self) -> Report:
        started = time.perf_counter()
        self.setup()
        with _no_tls_setup_for_a_plain_http_server():
            return self._run(started)

    def _run(self, started: float) -> Report:
        done = 0
        now = None
        self.recorder = RunRecorder()
        try:
            while self.clock:
                now, kind, payload = self.clock.pop()
                self._handle(now, kind, payload)
                done += 1
                clock = (
                    pendulum.instance(now).in_timezone("Asia/Shanghai").format("YYYY-MM-DD HH:mm")
                )
                self.progress(done, self.clock.total, clock)
        finally:
            self.recorder.close()
        self._finish(now)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _handle(self, now: dt.datetime, kind: int, payload: Any) -> None:
        if kind == FLOW:
            self._flow(payload, now)
        elif kind == SWEEP:
            self._sweep(now)
        elif kind == FORWARD:
            self._forward(now)
        elif kind == MEETING:
            self._meeting(payload, now)
        elif kind == OBJECT:
            self._act(
                now,
                lambda s: services.object_to(
                    s, self.cycle_id, payload, now=now, actor="公众", reason="反映其业绩成果存疑"
                ),
                "object",
            )
        elif kind == DECIDE:
            ids, upheld = payload
            self._act(
                now,
                lambda s: services.decide_objection(
                    s,
                    self.cycle_id,
                    ids,
                    upheld=upheld,
                    now=now,
                    actor="评委会组建单位",
                    reason="调查属实，撤销" if upheld else "调查不属实，维持评审结果",
                ),
                "decide",
            )
        else:
            self._batch(now, *payload)

    def _flow(self, name: str, now: dt.datetime) -> None:
        state = phase_flow(self.cycle_id, name, now, self.notify_url, return_state=True)
        result = state.result()
        self.report.flow_runs.append(name)
        self.report.flow_run_ids.append(str(state.state_details.flow_run_id))
        self.recorder.wait(state.state_details.flow_run_id, result.get("task_runs", 0))

    def _sweep(self, now: dt.datetime) -> None:
        """The daily 00:30 sweep, as the cron deployment runs it — skipped on days when
        nothing is waiting, since such a run would change nothing."""
        if self._sweep_due(now):
            self._flow("sweep", now)
        self.last_sweep = now
        if self._open_work():
            self.sweep_day += dt.timedelta(days=1)
            self.clock.push(_at(self.sweep_day, 9), SWEEP, None)

    def _sweep_due(self, now: dt.datetime) -> bool:
        if any(self.last_sweep < t <= now for t in self.notify_instants):
            return True
        with session_scope() as session:
            waiting = session.execute(
                select(func.count())
                .select_from(Message)
                .where(
                    col(Message.cycle_id) == self.cycle_id,
                    col(Message.status).in_(["pending", "failed"]),
                    col(Message.next_attempt_at) <= now,  # type: ignore[arg-type, attr-defined, operator]
                )
            ).scalar()
            if waiting:
                return True
            stmt = (
                select(func.count())
                .select_from(Application)
                .where(
                    col(Application.cycle_id) == self.cycle_id,  # type: ignore[arg-type]
                    or_(
                        col(Application.status) == Status.recommended.value,  # type: ignore[arg-type]
                        (col(Application.status) == Status.unit_publicity.value)
                        & (col(Application.unit_publicity_ends) <= now),  # type: ignore[arg-type, operator]
                        (col(Application.status) == Status.result_publicity.value)
                        & (col(Application.result_publicity_ends) <= now),  # type: ignore[arg-type, operator]
                    ),
                )
            )
            return bool(session.execute(stmt).scalar())

    def _open_work(self) -> bool:
        """Keep sweeping while any application is not final or anything is still scheduled."""
        if self.clock:
            return True
        with session_scope() as session:
            stmt = (
                select(func.count())
                .select_from(Application)
                .where(
                    col(Application.cycle_id) == self.cycle_id,  # type: ignore[arg-type]
                    col(Application.status).not_in([s.value for s in FINAL]),  # type: ignore[attr-defined]
                )
            )
            return bool(session.execute(stmt).scalar())

    def _batch(self, now: dt.datetime, kind: str, reason: str | None, ids: list[int]) -> None:
        actor = "申报人" if kind in ("submit", "resubmit") else "用人单位"
        calls: dict[str, Callable[[Session], services.Outcome]] = {
            "submit": lambda s: services.submit(s, self.cycle_id, ids, now=now, actor=actor),
            "resubmit": lambda s: services.resubmit(s, self.cycle_id, ids, now=now, actor=actor),
            "open_review": lambda s: services.open_review(
                s, self.cycle_id, ids, now=now, actor=actor
            ),
            "return": lambda s: services.return_for_changes(
                s, self.cycle_id, ids, now=now, actor=actor, reason=reason or ""
            ),
            "recommend": lambda s: services.recommend(s, self.cycle_id, ids, now=now, actor=actor),
            "refuse": lambda s: services.refuse(
                s, self.cycle_id, ids, now=now, actor=actor, reason="不符合申报条件"
            ),
        }
        outcome = self._act(now, calls[kind], kind)
        if kind == "submit":
            _, decl_end = self.window("declaration")
            if now >= decl_end:
                self.report.late_first_submissions_refused += len(outcome.refused)
                self.report.late_first_submissions_accepted += len(outcome.done)

    def _act(
        self, now: dt.datetime, call: Callable[[Session], services.Outcome], kind: str
    ) -> services.Outcome:
        with session_scope() as session:
            outcome = call(session)
        for reason in outcome.refused.values():
            self.refusals[f"{kind}: {_reason_class(reason)}"] += 1
        return outcome

    def _forward(self, now: dt.datetime) -> None:
        """Each department forwards what is waiting with it, once a day; late ones never do."""
        with session_scope() as session:
            rows = session.execute(
                select(col(Application.id), col(Organisation.department_id))
                .join(Organisation, col(Organisation.id) == col(Application.unit_id))  # type: ignore[arg-type]
                .where(
                    col(Application.cycle_id) == self.cycle_id,
                    col(Application.status) == Status.department_review.value,
                )  # type: ignore[arg-type]
            ).all()
        waiting: dict[int, list[int]] = defaultdict(list)
        for app_id, department in rows:
            if department not in self.late_departments:
                waiting[department].append(app_id)
        for department, ids in sorted(waiting.items()):
            self._act(
                now,
                self._forwarder(ids, department, now),
                "forward",
            )

    def _forwarder(
        self, ids: list[int], department: int, now: dt.datetime
    ) -> Callable[[Session], services.Outcome]:
        def call(session: Session) -> services.Outcome:
            return services.forward(
                session, self.cycle_id, ids, now=now, actor=f"主管部门#{department}"
            )

        return call

    def _meeting(self, committee_id: int, now: dt.datetime) -> None:
        with session_scope() as session:
            ids = (
                session.execute(
                    select(col(Application.id))
                    .where(
                        col(Application.cycle_id) == self.cycle_id,  # type: ignore[arg-type]
                        col(Application.committee_id) == committee_id,  # type: ignore[arg-type]
                        col(Application.status) == Status.committee_review.value,  # type: ignore[arg-type]
                    )
                    .order_by(col(Application.id))  # type: ignore[arg-type]
                )
                .scalars()
                .all()
            )
        passed = [i for i in ids if self.rng.random() < 0.72]
        failed = [i for i in ids if i not in set(passed)]
        actor = f"评委会#{committee_id}"
        done = self._act(
            now,
            lambda s: services.record_result(
                s, self.cycle_id, passed, passed=True, now=now, actor=actor
            ),
            "result",
        ).done
        self._act(
            now,
            lambda s: services.record_result(
                s, self.cycle_id, failed, passed=False, now=now, actor=actor
            ),
            "result",
        )
        # sorted: RETURNING order is not defined on PostgreSQL, and the dice must fall the same way
        objected = [i for i in sorted(done) if self.rng.random() < 0.03]
        if objected:
            when = now + DAY * self.rng.randint(1, 4)
            self.clock.push(when, OBJECT, objected)
            for app_id in objected:
                self.clock.push(
                    when + DAY * self.rng.randint(5, 45),
                    DECIDE,
                    ([app_id], self.rng.random() < 0.3),
                )

    def _finish(self, now: dt.datetime | None) -> None:
        with session_scope() as session:
            counts = dict(
                session.execute(
                    select(col(Application.status), func.count())
                    .where(col(Application.cycle_id) == self.cycle_id)
                    .group_by(col(Application.status))  # type: ignore[arg-type]
                ).all()
            )
            locked = session.execute(
                select(func.count())
                .select_from(Application)
                .where(col(Application.cycle_id) == self.cycle_id, col(Application.locked))  # type: ignore[arg-type]
            ).scalar()
        self.report.final_status = dict(sorted(counts.items()))
        self.report.not_final = sum(c for s, c in counts.items() if Status(s) not in FINAL)
        self.report.locked = int(locked or 0)
        self.report.refusals = dict(sorted(self.refusals.items()))
        with session_scope() as session:
            messages = session.execute(
                select(col(Message.kind), col(Message.status), func.count())
                .where(col(Message.cycle_id) == self.cycle_id)
                .group_by(col(Message.kind), col(Message.status))  # type: ignore[arg-type]
            ).all()
            escalations = session.execute(
                select(col(Escalation.level), func.count())
                .where(col(Escalation.cycle_id) == self.cycle_id)
                .group_by(col(Escalation.level))  # type: ignore[arg-type]
            ).all()
        self.report.messages = {f"{kind}/{status}": n for kind, status, n in sorted(messages)}
        self.report.escalations = {level: n for level, n in sorted(escalations)}
        self.report.phases = [p.as_dict() for p in self.plan.phases]
        if now is not None:
            self.report.simulated_until = (
                pendulum.instance(now).in_timezone("Asia/Shanghai").isoformat()
            )


def notification_instants(plan: Plan) -> set[dt.datetime]:
    """When the cycle file's reminders and escalation thresholds fall due."""
    from calendars.workdays import default_calendar
    from notifications.reminders import offsets

    spec = plan.spec.notifications
    instants: set[dt.datetime] = set()
    if spec is None:
        return instants
    for rule in spec.reminders:
        windows = []
        if rule.audience == "committee":
            windows = [
                (_at(c.window_start, 0), day_end(c.window_last_day))
                for c in plan.committees
                if c.window_start and c.window_last_day
            ]
        elif rule.audience == "filing":
            windows = [
                (day_end(f.due_last_day) - dt.timedelta(days=60), day_end(f.due_last_day))
                for f in plan.filing
                if f.due_last_day
            ]
        elif plan.has(rule.phase):
            phase = plan.phase(rule.phase)
            if phase.start is not None and phase.end is not None:
                windows = [(phase.start, phase.end)]
        for start, end in windows:
            instants.update(o.due for o in offsets(rule, start, end, default_calendar(), spec))
    if spec.escalation is not None and plan.has(spec.escalation.phase):
        deadline = plan.phase(spec.escalation.phase).end
        if deadline is not None:
            instants.update(
                deadline + dt.timedelta(hours=s.offset_hours) for s in spec.escalation.steps
            )
    return instants


def _at(day: dt.date, hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz="Asia/Shanghai")


def _reason_class(reason: str) -> str:
    for marker, label in (
        ("截止", "已截止"),
        ("尚未开始", "未开始"),
        ("上限", "退回超限"),
        ("当前状态", "状态不符"),
        ("结束", "已截止"),
    ):
        if marker in reason:
            return label
    return "其他"


__all__ = ["Report", "Simulation", "day_end", "simulation_id"]
