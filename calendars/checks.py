"""Checks of a planned cycle: what a careful clerk would raise with the issuer — dates not
stated, inverted or overlapping phases, lengths and publicity periods against the working-day
calendar, committees outside their phase or too late to issue, a city outside its province."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from pydantic import BaseModel

from calendars.beijing import beijing_text
from calendars.committee_deadlines import finish_by, too_late_to_issue
from calendars.cyclefile import CycleSpec, ProvenanceSpec
from calendars.plan import Finding, Level, Plan, PlannedPhase
from calendars.workdays import WorkdayCalendar, YearNotCovered
from rules.eligibility import EXCLUSION_LABELS, exclusions_on, retirement_check_on
from rules.notices import city_rule_elsewhere

_ORDER = {"error": 0, "warning": 1, "info": 2}


def check_plan(
    plan: Plan,
    calendar: WorkdayCalendar,
    *,
    uncovered: Iterable[YearNotCovered] = (),
    parent: Plan | None = None,
) -> list[Finding]:
    """The plan's findings, errors first. ``uncovered`` are years resolution needed and the
    calendar lacks; ``parent`` is the plan of the cycle this one must fit inside."""
    checks = _Checks(plan, calendar)
    for exc in uncovered:
        checks.missing(exc)
    checks.run()
    if parent is not None:
        checks.against_parent(parent)
    return sorted(checks.findings, key=lambda f: _ORDER[f.level])


class _Checks:
    """Adds what it finds to the plan's findings."""

    def __init__(self, plan: Plan, calendar: WorkdayCalendar) -> None:
        self.plan = plan
        self.calendar = calendar
        self.missing_years: set[int] = set()
        self.findings: list[Finding] = []

    def add(self, level: Level, code: str, phase: str | None, message: str) -> None:
        self.findings.append(Finding(level, code, phase, message))

    def workdays(self, first: dt.date, last: dt.date) -> int | None:
        try:
            return self.calendar.workdays_between(first, last)
        except YearNotCovered as exc:
            self.missing(exc)
            return None

    def missing(self, exc: YearNotCovered) -> None:
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
        self.provenance()
        self.retirement_check()
        self.exclusions()

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
                f"{phase.title}截止时间 {beijing_text(phase.end)} 不晚于开始时间 {beijing_text(phase.start)}",
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
            self.missing(exc)
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
        dated = sorted((p for p in phases if p.dated), key=_start)
        for prev, nxt in zip(dated, dated[1:], strict=False):
            assert prev.end is not None and nxt.start is not None
            intended = nxt.key in prev.spec.overlaps or prev.key in nxt.spec.overlaps
            if nxt.start < prev.end and not intended:
                self.add(
                    "warning",
                    "phase_overlap",
                    nxt.key,
                    f"{nxt.title}（自 {beijing_text(nxt.start)}）与{prev.title}（至 {beijing_text(prev.end)}）重叠",
                )
            elif nxt.start > prev.end:
                self.add(
                    "warning",
                    "phase_gap",
                    nxt.key,
                    f"{prev.title}于 {beijing_text(prev.end)} 结束，{nxt.title}到 {beijing_text(nxt.start)} 才开始，中间有空档",
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
            finish = finish_by(plan.spec.policy, c.scope, c.level)
            if finish is not None and c.window_last_day > finish:
                self.add(
                    "warning",
                    "committee_after_finish_by",
                    c.key,
                    f"{c.name}须在 {finish.isoformat()} 前完成评审，但评审时间至 {c.window_last_day.isoformat()}",
                )
            if issuance and issuance.last_day and publicity_days:
                meeting = c.meeting or c.window_last_day
                earliest = too_late_to_issue(meeting, publicity_days, issuance.last_day)
                if earliest is not None:
                    self.add(
                        "warning",
                        "committee_cannot_issue_in_time",
                        c.key,
                        f"{c.name}若于 {meeting.isoformat()} 评审，结果公示 {publicity_days} 天后最早 "
                        f"{earliest.isoformat()} 才能发文，晚于发证截止 {issuance.last_day.isoformat()}",
                    )

    def provenance(self) -> None:
        """Values this notice does not state: carried from another notice, or our default."""
        spec = self.plan.spec
        for path, source in spec.provenance.items():
            if source.kind == "stated":
                continue
            parts = path.split(".")
            phase = parts[1] if parts[0] == "phases" else None
            what = f"{path}（{value_text(spec, path)}）"
            if source.kind == "carried":
                self.add(
                    "info",
                    "value_carried",
                    phase,
                    f"{what}本通知未载明，沿用 {source.notice} {source.clause}：{source.why}",
                )
                self.city_rule(path, phase, what, source)
            else:
                self.add("info", "value_default", phase, f"{what}为本系统默认值：{source.why}")

    def city_rule(self, path: str, phase: str | None, what: str, source: ProvenanceSpec) -> None:
        """A city's rule carried into another region's file (a province's passes it down to
        every city) without the notice's words saying it applies there: ask the issuer."""
        spec = self.plan.spec
        city = city_rule_elsewhere(source.notice, spec.region.code)
        if city is None or source.applies:
            return
        self.add(
            "warning",
            "city_rule_carried",
            phase,
            f"{what}沿用的是{city.place}的规则（{source.notice} {source.clause}），"
            f"没有通知说明它适用于{spec.region.name}"
            + ("及其下各市州" if spec.region.level == "province" else "")
            + "：请向发文机关确认",
        )

    def exclusions(self) -> None:
        """A file that lists no exclusions (不得申报的情形): the cycle refuses no one for them."""
        if not exclusions_on(self.plan.spec.policy):
            self.add(
                "info",
                "exclusions_off",
                None,
                "本周期文件未列不得申报的情形（policy.exclusions 为空）：不按公务员、处分期等情形排除申报",
            )

    def retirement_check(self) -> None:
        """A notice silent on the day retirement age is counted to: the check is off, not run
        on a guessed day (rules.eligibility.retirement_check_on)."""
        if not retirement_check_on(self.plan.spec.policy):
            self.add(
                "info",
                "retirement_check_off",
                None,
                "本通知未载明退休年龄的计算基准日（retirement_reference_day 为空）：不按退休年龄排除申报",
            )

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


def value_text(spec: CycleSpec, path: str) -> str:
    """The value at a provenance path, as the plan shows it."""
    parts = path.split(".")
    if parts[0] == "filing_items":
        return spec.filing_items[parts[1]].title
    if parts[:2] == ["policy", "exclusions"]:
        return EXCLUSION_LABELS[parts[2]]
    holder: object = spec.policy if parts[0] == "policy" else spec.phases[parts[1]]
    value = getattr(holder, parts[-1])
    if isinstance(value, BaseModel):
        return "、".join(f"{k}={v}" for k, v in value.model_dump().items())
    return str(value)


def _start(phase: PlannedPhase) -> dt.datetime:
    assert phase.start is not None
    return phase.start


def _span(phase: PlannedPhase) -> str:
    if phase.start is None or phase.last_day is None:
        return "日期未定"
    return f"{phase.start.date().isoformat()} 至 {phase.last_day.isoformat()}"
