"""What a simulation reports: the plan it ran, how every application ended, what was refused,
the runs of the cycle's schedule (real Prefect runs at the boundaries, in-process at every
other instant) and the nightly catch-ups, messages and escalations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pendulum
from sqlalchemy import func, select
from sqlmodel import col

from calendars.beijing import BEIJING
from calendars.plan import Plan
from models.application import Application
from models.db import session_scope
from models.outbox import Escalation, Message
from models.states import FINAL, Status


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
    flow_runs: list[str] = field(default_factory=list)  # the real Prefect runs (boundaries)
    flow_run_ids: list[str] = field(default_factory=list)
    instants: list[str] = field(default_factory=list)  # every schedule run's idempotency key
    in_process_runs: int = 0
    catch_up_runs: int = 0  # the 00:30 daily sweep, on nights it had something to do
    messages: dict[str, int] = field(default_factory=dict)
    escalations: dict[str, int] = field(default_factory=dict)
    not_final: int = 0
    simulated_until: str = ""
    seconds: float = 0.0
    # Of those, connecting to Prefect (starting the local server when none is configured).
    prefect_start_seconds: float = 0.0

    @property
    def prefect_runs(self) -> int:
        return len(self.flow_runs)

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
            "instants": len(self.instants),
            "prefect_runs": self.prefect_runs,
            "in_process_runs": self.in_process_runs,
            "catch_up_runs": self.catch_up_runs,
            "flow_runs": len(self.flow_runs),
            "flow_run_names": self.flow_runs,
            "messages": self.messages,
            "escalations": self.escalations,
            "not_final": self.not_final,
            "simulated_until": self.simulated_until,
            "seconds": round(self.seconds, 2),
            "prefect_start_seconds": round(self.prefect_start_seconds, 2),
        }

    def close(
        self, plan: Plan, refusals: dict[str, int], simulated_until: dt.datetime | None
    ) -> None:
        """Fills in how the cycle ended, read from the database once the clock has stopped."""
        with session_scope() as session:
            counts: dict[str, int] = {
                status: n
                for status, n in session.execute(
                    select(col(Application.status), func.count())
                    .where(col(Application.cycle_id) == self.cycle_id)
                    .group_by(col(Application.status))
                ).all()
            }
            locked = session.execute(
                select(func.count())
                .select_from(Application)
                .where(col(Application.cycle_id) == self.cycle_id, col(Application.locked))
            ).scalar()
        self.final_status = dict(sorted(counts.items()))
        self.not_final = sum(c for s, c in counts.items() if Status(s) not in FINAL)
        self.locked = int(locked or 0)
        self.refusals = dict(sorted(refusals.items()))
        with session_scope() as session:
            messages = session.execute(
                select(col(Message.kind), col(Message.status), func.count())
                .where(col(Message.cycle_id) == self.cycle_id)
                .group_by(col(Message.kind), col(Message.status))
            ).all()
            escalations = session.execute(
                select(col(Escalation.level), func.count())
                .where(col(Escalation.cycle_id) == self.cycle_id)
                .group_by(col(Escalation.level))
            ).all()
        self.messages = {f"{kind}/{status}": n for kind, status, n in sorted(messages)}
        self.escalations = {level: n for level, n in sorted(escalations)}
        self.phases = [p.as_dict() for p in plan.phases]
        if simulated_until is not None:
            self.simulated_until = (
                pendulum.instance(simulated_until).in_timezone(BEIJING).isoformat()
            )
