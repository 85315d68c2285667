"""The planner: turns a cycle file into absolute Beijing-time boundaries and checks them.

Findings are what a careful clerk would raise with the issuer: ``error`` — the cycle cannot run
as written; ``warning`` — inconsistent, ask the issuer; ``info`` — worth knowing.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pendulum

from calendars.cyclefile import REFERENCE, WINDOW, CycleSpec, Moment, PhaseSpec, load_cycle
from calendars.workdays import WorkdayCalendar, YearNotCovered, day_end, day_start

Level = Literal["error", "warning", "info"]
BEIJING = pendulum.timezone("Asia/Shanghai")


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    phase: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "level": self.level,
            "code": self.code,
            "phase": self.phase,
            "message": self.message,
        }


@dataclass(frozen=True)
class PlannedPhase:
    key: str
    parent: str | None
    title: str
    start: pendulum.DateTime | None
    end: pendulum.DateTime | None
    spec: PhaseSpec

    @property
    def last_day(self) -> dt.date | None:
        """The last day the phase is open (24:00 of it is the exclusive end)."""
        if self.end is None:
            return None
        return self.end.subtract(microseconds=1).date()

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return math.ceil((self.end - self.start).total_seconds() / 86400)

    @property
    def dated(self) -> bool:
        return self.start is not None and self.end is not None

    def as_dict(self, calendar: WorkdayCalendar | None = None) -> dict[str, object]:
        last = self.last_day
        workdays = None
        if calendar is not None and self.dated and last is not None and self.start is not None:
            try:
                workdays = calendar.workdays_between(self.start.date(), last)
            except YearNotCovered:
                workdays = None
        return {
            "key": self.key,
            "parent": self.parent,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "last_day": last.isoformat() if last else None,
            "days": self.days,
            "declared_days": self.spec.declared_days,
            "workdays": workdays,
            "declared_workdays": self.spec.declared_workdays,
            "follows": self.spec.follows,
            "min_days": self.spec.min_days,
            "min_workdays": self.spec.min_workdays,
        }


@dataclass(frozen=True)
class PlannedCommittee:
    key: str
    name: str
    organiser: str
    level: str
    scope: str
    series: str | None
    window: str | None
    window_start: dt.date | None
    window_last_day: dt.date | None
    meeting: dt.date | None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "organiser": self.organiser,
            "level": self.level,
            "scope": self.scope,
            "series": self.series,
            "window": self.window,
            "window_start": _iso_date(self.window_start),
            "window_last_day": _iso_date(self.window_last_day),
            "meeting": _iso_date(self.meeting),
        }


@dataclass(frozen=True)
class PlannedFiling:
    key: str
    title: str
    due_last_day: dt.date | None
    rule: str

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "due_last_day": _iso_date(self.due_last_day),
            "rule": self.rule,
        }


@dataclass
class Plan:
    spec: CycleSpec
    phases: list[PlannedPhase]
    committees: list[PlannedCommittee]
    filing: list[PlannedFiling]
    findings: list[Finding] = field(default_factory=list)

    def phase(self, key: str) -> PlannedPhase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise KeyError(f"本周期没有阶段 {key}")

    def has(self, key: str) -> bool:
        return any(p.key == key for p in self.phases)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    def as_dict(self, calendar: WorkdayCalendar | None = None) -> dict[str, object]:
        spec = self.spec
        return {
            "cycle": {
                "id": spec.id,
                "title": spec.title,
                "year": spec.year,
                "region": spec.region.model_dump(),
                "parent": spec.parent,
                "source": spec.source.model_dump(mode="json"),
            },
            "phases": [p.as_dict(calendar) for p in self.phases],
            "committees": [c.as_dict() for c in self.committees],
            "filing": [f.as_dict() for f in self.filing],
            "findings": [f.as_dict() for f in self.findings],
        }


def _iso(instant: pendulum.DateTime | None) -> str | None:
    return instant.in_timezone(BEIJING).isoformat() if instant is not None else None


def _iso_date(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def plan_file(path: str | Path, calendar: WorkdayCalendar) -> Plan:
    return plan_cycle(load_cycle(path), calendar)


def plan_cycle(spec: CycleSpec, calendar: WorkdayCalendar) -> Plan:
    phases = _resolve_phases(spec)
    plan = Plan(spec, phases, _committees(spec), [])
    checks = _Checks(plan, calendar)
    plan.filing = checks.filing()
    checks.run()
    if spec.parent is not None:
        checks.against_parent(_parent_plan(spec, calendar))
    order = {"error": 0, "warning": 1, "info": 2}
    plan.findings.sort(key=lambda f: order[f.level])
    return plan


def _parent_plan(spec: CycleSpec, calendar: WorkdayCalendar) -> Plan:
    from calendars.cyclefile import _find_parent

    return plan_cycle(load_cycle(_find_parent(Path(spec.file), spec.parent or "")), calendar)


# ---------------------------------------------------------------- resolving boundaries


def _resolve_phases(spec: CycleSpec) -> list[PlannedPhase]:
    resolved: dict[str, PlannedPhase] = {}
    resolving: set[str] = set()

    def resolve(key: str) -> PlannedPhase:
        if key in resolved:
            return resolved[key]
        if key in resolving:
            from calendars.cyclefile import CycleFileError

            raise CycleFileError(spec.chain[0], f"phases.{key}", "阶段之间的引用形成循环")
        resolving.add(key)
        phase = spec.phases[key]
        start = _instant(phase.start, "start", resolve)
        end = _instant(phase.end, "end", resolve)
        if phase.last_day is not None:
            end = _instant(phase.last_day, "last_day", resolve)
        resolved[key] = PlannedPhase(key, phase.parent, phase.title, start, end, phase)
        resolving.discard(key)
        return resolved[key]

    for key in spec.phases:
        resolve(key)
    return _ordered(spec, resolved)


def _instant(
    value: Moment, edge: str, resolve: Callable[[str], PlannedPhase]
) -> pendulum.DateTime | None:
    if value is None:
        return None
    if isinstance(value, str):
        ref = REFERENCE.match(value)
        assert ref is not None
        target = resolve(ref["key"])
        return target.start if ref["edge"] == "start" else target.end
    if isinstance(value, dt.datetime):
        naive = value.replace(tzinfo=None) if value.tzinfo is None else value
        if naive.tzinfo is None:
            return pendulum.instance(naive, tz=BEIJING)
        return pendulum.instance(naive).in_timezone(BEIJING)
    return day_end(value) if edge == "last_day" else day_start(value)


def _ordered(spec: CycleSpec, resolved: dict[str, PlannedPhase]) -> list[PlannedPhase]:
    """Top-level phases in the client's order, each followed by its sub-steps in file order."""
    from calendars.cyclefile import TOP_LEVEL_PHASES

    out: list[PlannedPhase] = []
    for top in TOP_LEVEL_PHASES:
        if top in resolved:
            out.append(resolved[top])
            steps = [p for p in resolved.values() if p.parent == top]
            # Sub-steps in time order (a city's file adds its own among the province's).
            out.extend(sorted(steps, key=_time_order))
    return out


def _time_order(phase: PlannedPhase) -> tuple[float, float]:
    undated = float("inf")
    start = phase.start.timestamp() if phase.start else undated
    end = phase.end.timestamp() if phase.end else undated
    return start, end


def _committees(spec: CycleSpec) -> list[PlannedCommittee]:
    out = []
    for key, c in spec.committees.items():
        start, last = c.window_start, c.window_last_day
        if c.window is not None and start is None:
            start, last = _xun(spec.year, c.window)
        out.append(
            PlannedCommittee(
                key,
                c.name,
                c.organiser,
                c.level,
                c.scope,
                c.series,
                c.window,
                start,
                last,
                c.meeting,
            )
        )
    return out


def _xun(year: int, window: str) -> tuple[dt.date, dt.date]:
    """上旬 is days 1–10, 中旬 11–20, 下旬 21 to the month's end."""
    match = WINDOW.match(window)
    assert match is not None
    month = int(match["month"])
    first = {"上旬": 1, "中旬": 11, "下旬": 21}[match["part"]]
    if match["part"] == "下旬":
        last = pendulum.date(year, month, 1).end_of("month").day
    else:
        last = first + 9
    return dt.date(year, month, first), dt.date(year, month, last)


# ---------------------------------------------------------------- checks


class _Checks:
    def __init__(self, plan: Plan, calendar: WorkdayCalendar) -> None:
        self.plan = plan
        self.calendar = calendar
        self.missing_years: set[int] = set()

    def add(self, level: Level, code: str, phase: str | None, message: str) -> None:
        self.plan.findings.append(Finding(level, code, phase, message))

    def workdays(self, first: dt.date, last: dt.date) -> int | None:
        try:
            return self.calendar.workdays_between(first, last)
        except YearNotCovered as exc:
            self._missing(exc)
            return None

    def _missing(self, exc: YearNotCovered) -> None:
        if exc.year not in self.missing_years:
            self.missing_years.add(exc.year)
            self.add("error", "calendar_year_missing", None, str(exc))

    def run(self) -> None:
        for phase in self.plan.phases:
            self.stated(phase)
            if phase.last_day is not None:
                self.publicity(phase)
                self.deadline_day(phase)
            if not phase.dated:
                continue
            self.inverted(phase)
            self.length(phase)
            self.before_notice(phase)
        self.siblings(p for p in self.plan.phases if p.parent is None)
        tops = {p.key for p in self.plan.phases if p.parent is None}
        for top in tops:
            self.siblings(p for p in self.plan.phases if p.parent == top and not p.spec.follows)
        self.substeps()
        self.committees()

    def stated(self, phase: PlannedPhase) -> None:
        missing = [n for n, v in (("开始", phase.start), ("截止", phase.end)) if v is None]
        if missing:
            self.add(
                "error",
                "date_not_stated",
                phase.key,
                f"{phase.title}的{'、'.join(missing)}时间通知未载明（或写明另行通知），确定前无法按此运行",
            )

    def inverted(self, phase: PlannedPhase) -> None:
        assert phase.start is not None and phase.end is not None
        if phase.end <= phase.start:
            self.add(
                "error",
                "phase_inverted",
                phase.key,
                f"{phase.title}截止时间 {_bj(phase.end)} 不晚于开始时间 {_bj(phase.start)}",
            )

    def length(self, phase: PlannedPhase) -> None:
        spec, days = phase.spec, phase.days
        if spec.declared_days is not None and days is not None and days != spec.declared_days:
            self.add(
                "warning",
                "length_mismatch",
                phase.key,
                f"{phase.title}通知写明为期 {spec.declared_days} 天，但 {_span(phase)} 实为 {days} 天",
            )
        if spec.declared_workdays is not None and phase.start and phase.last_day:
            count = self.workdays(phase.start.date(), phase.last_day)
            if count is not None and count != spec.declared_workdays:
                self.add(
                    "warning",
                    "workday_length_mismatch",
                    phase.key,
                    f"{phase.title}通知写明 {spec.declared_workdays} 个工作日，但 {_span(phase)} 含 {count} 个工作日",
                )

    def deadline_day(self, phase: PlannedPhase) -> None:
        last = phase.last_day
        assert last is not None
        try:
            if self.calendar.is_workday(last):
                return
            holiday = self.calendar.holiday_name(last)
        except YearNotCovered as exc:
            self._missing(exc)
            return
        if holiday:
            self.add(
                "warning",
                "deadline_on_holiday",
                phase.key,
                f"{phase.title}的最后一天 {last.isoformat()} 是{holiday}假期，单位和部门无人办公",
            )
        else:
            weekday = "一二三四五六日"[last.weekday()]
            self.add(
                "info",
                "deadline_on_weekend",
                phase.key,
                f"{phase.title}的最后一天 {last.isoformat()} 是星期{weekday}（非工作日）",
            )

    def before_notice(self, phase: PlannedPhase) -> None:
        issued = self.plan.spec.source.date
        if phase.parent is None and issued and phase.start and phase.start.date() < issued:
            self.add(
                "info",
                "starts_before_notice",
                phase.key,
                f"{phase.title}自 {phase.start.date().isoformat()} 开始，早于通知印发日 {issued.isoformat()}",
            )

    def publicity(self, phase: PlannedPhase) -> None:
        spec = phase.spec
        if spec.min_days is None and spec.min_workdays is None:
            return
        assert phase.last_day is not None
        if phase.start is not None:
            self._fits(phase, phase.start.date(), "error", "公示期窗口")
        if spec.follows and self.plan.has(spec.follows):
            followed = self.plan.phase(spec.follows)
            if followed.last_day is not None:
                first = followed.last_day + dt.timedelta(days=1)
                self._fits(phase, first, "warning", f"{followed.title}最后一天之后")

    def _fits(self, phase: PlannedPhase, first: dt.date, level: Level, what: str) -> None:
        spec, last = phase.spec, phase.last_day
        assert last is not None
        if spec.min_workdays is not None:
            have = self.workdays(first, last)
            need, unit = spec.min_workdays, "个工作日"
        else:
            have = max((last - first).days + 1, 0)
            need, unit = spec.min_days or 0, "天"
        if have is not None and have < need:
            self.add(
                level,
                "publicity_too_short",
                phase.key,
                f"{phase.title}不少于 {need}{unit}，但{what}（{first.isoformat()} 至 {last.isoformat()}）只有 {have}{unit}",
            )

    def siblings(self, phases: Iterable[PlannedPhase]) -> None:
        dated = sorted((p for p in phases if p.dated), key=lambda p: p.start)  # type: ignore[arg-type, return-value]
        for prev, nxt in zip(dated, dated[1:], strict=False):
            assert prev.end is not None and nxt.start is not None
            intended = nxt.key in prev.spec.overlaps or prev.key in nxt.spec.overlaps
            if nxt.start < prev.end and not intended:
                self.add(
                    "warning",
                    "phase_overlap",
                    nxt.key,
                    f"{nxt.title}（自 {_bj(nxt.start)}）与{prev.title}（至 {_bj(prev.end)}）重叠",
                )
            elif nxt.start > prev.end:
                self.add(
                    "warning",
                    "phase_gap",
                    nxt.key,
                    f"{prev.title}于 {_bj(prev.end)} 结束，{nxt.title}到 {_bj(nxt.start)} 才开始，中间有空档",
                )

    def substeps(self) -> None:
        for step in self.plan.phases:
            if step.parent is None or not step.dated:
                continue
            parent = self.plan.phase(step.parent)
            if not parent.dated:
                continue
            assert step.start and step.end and parent.start and parent.end
            if step.start < parent.start or step.end > parent.end:
                self.add(
                    "error",
                    "substep_outside_phase",
                    step.key,
                    f"{step.title}（{_span(step)}）超出所属阶段{parent.title}（{_span(parent)}）",
                )

    def committees(self) -> None:
        plan = self.plan
        review = plan.phase("committee_review") if plan.has("committee_review") else None
        finish_by = plan.spec.policy.committees_finish_by
        issuance = plan.phase("issuance") if plan.has("issuance") else None
        publicity_days = plan.spec.policy.result_publicity_min_days
        for c in plan.committees:
            if c.window_start is None or c.window_last_day is None:
                continue
            span = f"{c.window_start.isoformat()} 至 {c.window_last_day.isoformat()}"
            if review and review.dated and review.start and review.last_day:
                if c.window_start < review.start.date() or c.window_last_day > review.last_day:
                    self.add(
                        "error",
                        "committee_outside_phase",
                        c.key,
                        f"{c.name}评审时间（{span}）超出{review.title}（{_span(review)}）",
                    )
            if c.meeting and not (c.window_start <= c.meeting <= c.window_last_day):
                self.add(
                    "error",
                    "meeting_outside_window",
                    c.key,
                    f"{c.name}会议日期 {c.meeting.isoformat()} 不在其评审时间（{span}）内",
                )
            bound = c.scope in ("city", "self") or c.level == "intermediate"
            if finish_by is not None and bound:
                if c.window_last_day > finish_by:
                    self.add(
                        "warning",
                        "committee_after_finish_by",
                        c.key,
                        f"{c.name}须在 {finish_by.isoformat()} 前完成评审，但评审时间至 {c.window_last_day.isoformat()}",
                    )
            if issuance and issuance.last_day and publicity_days:
                meeting = c.meeting or c.window_last_day
                earliest = meeting + dt.timedelta(days=publicity_days + 1)
                if earliest > issuance.last_day:
                    self.add(
                        "warning",
                        "committee_cannot_issue_in_time",
                        c.key,
                        f"{c.name}若于 {meeting.isoformat()} 评审，结果公示 {publicity_days} 天后最早 "
                        f"{earliest.isoformat()} 才能发文，晚于发证截止 {issuance.last_day.isoformat()}",
                    )

    def filing(self) -> list[PlannedFiling]:
        out = []
        for key, item in self.plan.spec.filing_items.items():
            due: dt.date | None = None
            rule = item.note or ""
            if item.last_day is not None and not isinstance(item.last_day, str):
                due = item.last_day if isinstance(item.last_day, dt.date) else None
                rule = rule or f"{due.isoformat() if due else ''} 前"
            elif item.after and item.within_workdays and self.plan.has(item.after):
                anchor = self.plan.phase(item.after).last_day
                rule = (
                    rule
                    or f"{self.plan.phase(item.after).title}后 {item.within_workdays} 个工作日内"
                )
                if anchor is not None:
                    try:
                        due = self.calendar.workdays_after(anchor, item.within_workdays)
                    except YearNotCovered as exc:
                        self._missing(exc)
            elif item.before and self.plan.has(item.before):
                anchor_start = self.plan.phase(item.before).start
                rule = rule or f"{self.plan.phase(item.before).title}前"
                if anchor_start is not None:
                    due = anchor_start.date() - dt.timedelta(days=(item.before_days or 0) + 1)
            out.append(PlannedFiling(key, item.title, due, rule))
        return out

    def against_parent(self, parent: Plan) -> None:
        own = {p.key: p for p in self.plan.phases}
        for theirs in parent.phases:
            mine = own.get(theirs.key)
            if mine is None or not (mine.dated and theirs.dated) or mine.parent is not None:
                continue
            assert mine.start and mine.end and theirs.start and theirs.end
            if mine.start < theirs.start or mine.end > theirs.end:
                self.add(
                    "error",
                    "outside_parent_window",
                    mine.key,
                    f"{mine.title}（{_span(mine)}）超出上级周期 {parent.spec.id} 的同一阶段（{_span(theirs)}）",
                )


def _bj(instant: pendulum.DateTime) -> str:
    """Beijing wall time; midnight is written as 24:00 of the previous day, as the notices do."""
    local = instant.in_timezone(BEIJING)
    if local.hour == 0 and local.minute == 0 and local.second == 0:
        prev = local.subtract(days=1)
        return f"{prev.year}年{prev.month}月{prev.day}日24时"
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def _span(phase: PlannedPhase) -> str:
    if phase.start is None or phase.last_day is None:
        return "日期未定"
    return f"{phase.start.date().isoformat()} 至 {phase.last_day.isoformat()}"
