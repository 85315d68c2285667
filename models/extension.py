"""Extending a phase (延期): record who and why, move the boundary and every boundary tied
to it, and refuse an extension that would break the cycle."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from calendars.beijing import beijing_text
from calendars.cyclefile import CycleSpec
from calendars.plan import Plan
from calendars.planner import plan_cycle
from calendars.workdays import WorkdayCalendar, day_end
from models.context import Refused
from models.cycle import Cycle, CycleEvent, Phase, PhaseExtension, boundary_key


@dataclass(frozen=True)
class Move:
    phase: str
    title: str
    old_start: dt.datetime | None
    old_end: dt.datetime | None
    new_start: dt.datetime | None
    new_end: dt.datetime | None
    top_level: bool

    def describe(self) -> str:
        old = beijing_text(self.old_end) if self.old_end else "未定"
        new = beijing_text(self.new_end) if self.new_end else "未定"
        return f"{self.title}：截止 {old} → {new}"


def _blocking(before: Plan, after: Plan) -> list[str]:
    """New errors, and new overlaps: an extension may not run into the next phase unmoved."""
    seen = {(f.code, f.phase) for f in before.findings}
    return [
        f"{f.code}：{f.message}"
        for f in after.findings
        if (f.level == "error" or f.code == "phase_overlap") and (f.code, f.phase) not in seen
    ]


def extend_phase(
    session: Session,
    cycle_id: str,
    phase_key: str,
    new_last_day: dt.date,
    *,
    by: str,
    reason: str,
    now: dt.datetime,
    calendar: WorkdayCalendar,
) -> list[Move]:
    if not by.strip() or not reason.strip():
        raise Refused("延期须写明操作人和原因", "extension_unexplained")
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise Refused(f"没有编号为 {cycle_id} 的评审周期", "no_cycle")
    rows = {p.key: p for p in session.exec(select(Phase).where(Phase.cycle_id == cycle_id)).all()}
    if phase_key not in rows:
        raise Refused(
            f"周期 {cycle_id} 没有阶段 {phase_key}（可选：{', '.join(rows)}）", "no_phase"
        )
    row = rows[phase_key]
    new_end = day_end(new_last_day)
    if row.end is None:
        raise Refused(f"{row.title}没有确定的截止时间，无法延期", "no_end")
    if new_end <= row.end:
        raise Refused(
            f"延期后的截止时间 {beijing_text(new_end)} 须晚于原截止时间 {beijing_text(row.end)}",
            "not_later",
        )
    closed = session.exec(
        select(CycleEvent).where(
            CycleEvent.cycle_id == cycle_id,
            CycleEvent.key == boundary_key(phase_key, "close", row.end),
        )
    ).first()
    if closed is not None:
        raise Refused(
            f"{row.title}已于 {beijing_text(row.end)} 截止并已处理（{closed.affected} 件），不能再延期",
            "already_closed",
        )
    spec = CycleSpec.model_validate(cycle.spec)
    before = plan_cycle(spec, calendar)
    phases = dict(spec.phases)
    phases[phase_key] = phases[phase_key].model_copy(update={"last_day": new_last_day, "end": None})
    changed = spec.model_copy(update={"phases": phases})
    after = plan_cycle(changed, calendar)
    problems = _blocking(before, after)
    if problems:
        raise Refused("延期会破坏评审周期，未执行：" + "；".join(problems), "breaks_cycle")
    moves = _apply(session, rows, after)
    cycle.spec = changed.model_dump(mode="json")
    cycle.revision += 1
    session.add(cycle)
    session.add(
        PhaseExtension(
            cycle_id=cycle_id,
            phase_key=phase_key,
            old_end=row.end,
            new_end=new_end,
            moved="；".join(m.describe() for m in moves),
            by=by,
            reason=reason,
            at=now,
            revision=cycle.revision,
        )
    )
    return moves


def _apply(session: Session, rows: dict[str, Phase], after: Plan) -> list[Move]:
    moves = []
    for planned in after.phases:
        row = rows[planned.key]
        if (row.start, row.end) == (planned.start, planned.end):
            continue
        moves.append(
            Move(
                planned.key,
                row.title,
                row.start,
                row.end,
                planned.start,
                planned.end,
                row.parent_key is None,
            )
        )
        row.start, row.end = planned.start, planned.end
        row.revision += 1
        session.add(row)
    return moves
