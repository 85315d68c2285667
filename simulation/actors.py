"""The province's people and offices, acting through the service layer as they would through
the dashboard: applicants and units in batches, departments forwarding once a day (the late
ones never), committees meeting once in their window, the public objecting to a result.

Every draw from the seeded generator happens here or in ``behaviour``, always in the same
order, so one seed gives one year."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from contextlib import suppress
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col

from models import documents, services
from models.application import Application
from models.committees import plan_meeting
from models.context import CycleContext
from models.cycle import Committee
from models.db import session_scope
from models.documents import DocumentKind, record_meeting
from models.filing import record_filing
from models.org import Organisation
from models.plans import stored_plan
from models.refusals import RefusalCode, Refused
from models.states import Status
from simulation.behaviour import DAY
from simulation.clock import Event, EventQueue, beijing_at, beijing_day

# How the report groups refusals; the codes not named here count as "其他".
REFUSAL_LABELS = {
    RefusalCode.closed: "已截止",
    RefusalCode.publicity_ended: "已截止",
    RefusalCode.not_open: "未开始",
    RefusalCode.return_limit: "退回超限",
    RefusalCode.wrong_status: "状态不符",
}
PASS_RATE = 0.72  # share of a committee's applications that pass
OBJECTION_RATE = 0.03  # share of passed applications someone objects to
UPHELD_RATE = 0.3  # share of objections found true

Call = Callable[[Session], services.Outcome]


class Actors:
    def __init__(self, cycle_id: str, rng: random.Random, queue: EventQueue) -> None:
        self.cycle_id = cycle_id
        self.rng = rng
        self.queue = queue
        self.late_departments: set[int] = set()
        self.refusals: Counter[str] = Counter()

    def act(self, call: Call, kind: str) -> services.Outcome:
        """One action in its own transaction; each refusal is counted by its code."""
        with session_scope() as session:
            outcome = call(session)
        self._count(outcome, kind)
        return outcome

    def _count(self, outcome: services.Outcome, kind: str) -> None:
        for refusal in outcome.refusals.values():
            self.refusals[f"{kind}: {REFUSAL_LABELS.get(refusal.code, '其他')}"] += 1

    def batch(
        self, now: dt.datetime, kind: str, reason: str | None, ids: list[int]
    ) -> services.Outcome:
        """Applicants submitting or resubmitting, or units reviewing, many at one instant."""
        actor = "申报人" if kind in ("submit", "resubmit") else "用人单位"
        cycle_id = self.cycle_id
        calls: dict[str, Call] = {
            "submit": lambda s: services.submit(s, cycle_id, ids, now=now, actor=actor),
            "resubmit": lambda s: services.resubmit(s, cycle_id, ids, now=now, actor=actor),
            "open_review": lambda s: services.open_review(s, cycle_id, ids, now=now, actor=actor),
            "return": lambda s: services.return_for_changes(
                s, cycle_id, ids, now=now, actor=actor, reason=reason or ""
            ),
            "recommend": lambda s: self._recommend(s, ids, now, actor),
            "refuse": lambda s: services.refuse(
                s, cycle_id, ids, now=now, actor=actor, reason="不符合申报条件"
            ),
        }
        return self.act(calls[kind], kind)

    def _recommend(
        self, session: Session, ids: list[int], now: dt.datetime, actor: str
    ) -> services.Outcome:
        """Where the cycle asks it (004 四(一)), the unit holds its staff meeting's collective
        review of its 破格/基层有效/艰苦单位 applicants first, then recommends. A record, not a
        transition: nothing in the exports changes."""
        ctx = CycleContext.load(session, self.cycle_id)
        if ctx.rules.collective_review_required:
            special = sorted(documents.special_category(session, self.cycle_id, ids))
            services.record_document(
                session,
                self.cycle_id,
                special,
                DocumentKind.collective_review,
                now=now,
                actor=actor,
                reference="职工大会集体评议，同意推荐",
            )
        return services.recommend(session, self.cycle_id, ids, now=now, actor=actor)

    def forward(self, now: dt.datetime) -> None:
        """Each department forwards what is waiting with it, once a day; late ones never do.
        Before that, the units issue their publicity reports for what has come through unit
        publicity (004 三(三)), and on a per-department filing item's last day every
        department files it (the 汇总表, 004 三(四)) — late departments too: they are late
        forwarding, not filing. The day's forwarding is one transaction: each department's
        moves and audit rows are its own, as when each committed apart."""
        self._publicity_reports(now)
        self._department_filings(now)
        waiting: dict[int, list[int]] = defaultdict(list)
        for app_id, department in _awaiting_departments(self.cycle_id, self.late_departments):
            waiting[department].append(app_id)
        if not waiting:
            return
        by_actor = {f"主管部门#{d}": ids for d, ids in sorted(waiting.items())}
        with session_scope() as session:
            outcomes = services.forward_each(session, self.cycle_id, by_actor, now=now)
        for outcome in outcomes.values():
            self._count(outcome, "forward")

    def _publicity_reports(self, now: dt.datetime) -> None:
        with session_scope() as session:
            if not CycleContext.load(session, self.cycle_id).rules.publicity_report_required:
                return
            services.record_document(
                session,
                self.cycle_id,
                _unreported(session, self.cycle_id),
                DocumentKind.publicity_report,
                now=now,
                actor="用人单位",
                reference="单位公示期满无异议",
            )

    def _department_filings(self, now: dt.datetime) -> None:
        today = beijing_day(now)
        with session_scope() as session:
            _, plan = stored_plan(session, self.cycle_id)
            due = [
                item.key
                for item in plan.filing
                if plan.spec.filing_items[item.key].per_department and item.due_last_day == today
            ]
            if not due:
                return
            departments = _departments_with_applications(session, self.cycle_id)
            for key in due:
                for code in departments:
                    with suppress(Refused):  # filed already (a rerun)
                        record_filing(
                            session, self.cycle_id, plan, key, by=code, now=now, department=code
                        )

    def plan_meetings(self, review_first_day: dt.date, planned_at: dt.datetime) -> None:
        """Each committee meets once inside its window; the plan is recorded as an office
        would record it (``committee plan``), so dashboards show the meeting day."""
        with session_scope() as session:
            for committee_id, key, organiser, first, last in _committee_windows(
                session, self.cycle_id
            ):
                if first is None or last is None:
                    continue
                first = max(first, review_first_day)
                span = (last - first).days
                meeting = first + dt.timedelta(days=self.rng.randint(0, max(span, 0)))
                self.queue.push(beijing_at(meeting, 10), Event.MEETING, committee_id)
                with suppress(Refused):  # a window the review phase cuts off stays unplanned
                    plan_meeting(session, self.cycle_id, key, meeting, by=organiser, now=planned_at)

    def meet(self, committee_id: int, now: dt.datetime) -> None:
        """A committee defends by video and keeps the recording (001 附件1 三), decides on
        everything before it; some results draw an objection. The meeting's record and its
        results are one transaction."""
        actor = f"评委会#{committee_id}"
        with session_scope() as session:
            committee = session.get(Committee, committee_id)
            assert committee is not None
            record_meeting(
                session,
                self.cycle_id,
                committee.key,
                beijing_day(now),
                video=True,
                recording=f"视频答辩录像：{committee.key}/{beijing_day(now).isoformat()}",
                by=committee.organiser,
                now=now,
            )
            ids = _before_committee(session, self.cycle_id, committee_id)
            passed = [i for i in ids if self.rng.random() < PASS_RATE]
            chosen = set(passed)
            failed = [i for i in ids if i not in chosen]
            results = [
                services.record_result(
                    session, self.cycle_id, some, passed=verdict, now=now, actor=actor
                )
                for some, verdict in ((passed, True), (failed, False))
            ]
        for outcome in results:
            self._count(outcome, "result")
        done = results[0].done
        # sorted: RETURNING order is not defined on PostgreSQL, and the dice must fall the same way
        objected = [i for i in sorted(done) if self.rng.random() < OBJECTION_RATE]
        if objected:
            when = now + DAY * self.rng.randint(1, 4)
            self.queue.push(when, Event.OBJECT, objected)
            for app_id in objected:
                self.queue.push(
                    when + DAY * self.rng.randint(5, 45),
                    Event.DECIDE,
                    ([app_id], self.rng.random() < UPHELD_RATE),
                )

    def object(self, now: dt.datetime, ids: list[int]) -> None:
        cycle_id = self.cycle_id
        self.act(
            lambda s: services.object_to(
                s, cycle_id, ids, now=now, actor="公众", reason="反映其业绩成果存疑"
            ),
            "object",
        )

    def decide(self, now: dt.datetime, ids: list[int], upheld: bool) -> None:
        cycle_id = self.cycle_id
        self.act(
            lambda s: services.decide_objection(
                s,
                cycle_id,
                ids,
                upheld=upheld,
                now=now,
                actor="评委会组建单位",
                reason="调查属实，撤销" if upheld else "调查不属实，维持评审结果",
            ),
            "decide",
        )


_APPLICATION = SQLModel.metadata.tables["application"]
_ORGANISATION = SQLModel.metadata.tables["organisation"]
_DOCUMENT = SQLModel.metadata.tables["application_document"]


def _awaiting_departments(cycle_id: str, late: Collection[int]) -> list[tuple[int, int]]:
    """(application, department) for each application in department review, but for the
    ``late`` departments' (they never forward: read every day, theirs were most of the rows)."""
    with session_scope() as session:
        # over the tables' own columns: plain tuples, without the ORM's loading of each row
        rows = session.execute(
            select(_APPLICATION.c.id, _ORGANISATION.c.department_id)
            .join(_ORGANISATION, _ORGANISATION.c.id == _APPLICATION.c.unit_id)
            .where(
                _APPLICATION.c.cycle_id == cycle_id,
                _APPLICATION.c.status == Status.department_review.value,
                _ORGANISATION.c.department_id.not_in(sorted(late)),
            )
        ).all()
    return [(app_id, department) for app_id, department in rows]


def _unreported(session: Session, cycle_id: str) -> list[int]:
    """The applications in department review whose unit has not yet issued its publicity
    report, in id order."""
    return list(
        session.execute(
            select(_APPLICATION.c.id)
            .where(
                _APPLICATION.c.cycle_id == cycle_id,
                _APPLICATION.c.status == Status.department_review.value,
                ~exists().where(
                    _DOCUMENT.c.application_id == _APPLICATION.c.id,
                    _DOCUMENT.c.kind == DocumentKind.publicity_report.value,
                ),
            )
            .order_by(_APPLICATION.c.id)
        ).scalars()
    )


def _departments_with_applications(session: Session, cycle_id: str) -> list[str]:
    """The codes of the departments whose units have applications in the cycle."""
    department = aliased(Organisation)
    return sorted(
        session.execute(
            select(col(department.code))
            .select_from(Application)
            .join(Organisation, col(Organisation.id) == col(Application.unit_id))
            .join(department, col(department.id) == col(Organisation.department_id))
            .where(col(Application.cycle_id) == cycle_id)
            .distinct()
        )
        .scalars()
        .all()
    )


def _committee_windows(session: Session, cycle_id: str) -> list[Any]:
    """Each committee's id, key, organiser and review window, in id order."""
    return list(
        session.execute(
            select(
                col(Committee.id),
                col(Committee.key),
                col(Committee.organiser),
                col(Committee.window_start),
                col(Committee.window_last_day),
            )
            .where(col(Committee.cycle_id) == cycle_id)
            .order_by(col(Committee.id))
        ).all()
    )


def _before_committee(session: Session, cycle_id: str, committee_id: int) -> list[int]:
    """The applications in review with one committee, in id order."""
    return list(
        session.execute(
            select(col(Application.id))
            .where(
                col(Application.cycle_id) == cycle_id,
                col(Application.committee_id) == committee_id,
                col(Application.status) == Status.committee_review.value,
            )
            .order_by(col(Application.id))
        )
        .scalars()
        .all()
    )
