"""Eligibility (申报条件) as pure functions of the applicant's facts, the cycle's policy and
the year. Checked at declaration and again at unit review; every failure is a clear reason.
A blocking finding refuses the application; a non-blocking one says what does not count."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any, Literal

from calendars.cyclefile import PolicySpec
from rules.idcard import InvalidIdNumber, parse_id_number
from rules.retirement import MissingInput, retirement_for


@dataclass(frozen=True)
class Paper:
    title: str
    level: Literal["core", "provincial"]
    duplicate_rate: float  # 0.12 = 12%
    published: dt.date


@dataclass(frozen=True)
class ExpertRecommendation:
    approvals: int
    reviewers: int


@dataclass(frozen=True)
class Applicant:
    id_number: str
    female_original_age: int | None = None
    civil_servant: bool = False
    retired: bool = False
    summoned_or_under_review: bool = False
    disciplinary_until: dt.date | None = None
    transferred_in: bool = True
    failed_last_year: bool = False
    new_achievement_since_last_year: bool = False
    series_transfer_on: dt.date | None = None
    continuing_education_done: bool = True
    other_committees_this_year: int = 0
    barred_until: dt.date | None = None
    bar_reason: str | None = None
    achievements: tuple[tuple[str, dt.date], ...] = ()
    papers: tuple[Paper, ...] = ()
    expert_recommendation: ExpertRecommendation | None = None
    # 乡村单位人才: not a condition to declare, but counted in a senior committee's village
    # quota (001 三(二), models.committees.village_quota_shortfalls).
    village_unit: bool = False


FACT_FIELDS = frozenset(f.name for f in fields(Applicant)) - {"id_number"}


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    blocking: bool = True


@dataclass(frozen=True)
class Verdict:
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool:
        return not any(f.blocking for f in self.findings)

    @property
    def reasons(self) -> list[str]:
        return [f.message for f in self.findings if f.blocking]


class FactsError(ValueError):
    pass


def _date(value: Any, key: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return _required_date(value, key)


def _required_date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FactsError(f"{key} 不是有效日期：{value!r}") from None


def applicant_from_facts(id_number: str, facts: dict[str, Any] | None) -> Applicant:
    """The applicant's declared facts (stored as JSON) as the rules' input; unknown keys and
    bad dates are refused by name rather than ignored."""
    values: dict[str, Any] = dict(facts or {})
    unknown = set(values) - FACT_FIELDS
    if unknown:
        raise FactsError(f"不认识的申报事项：{', '.join(sorted(unknown))}")
    for key in ("disciplinary_until", "series_transfer_on", "barred_until"):
        values[key] = _date(values.get(key), key)
    values["achievements"] = tuple(
        (str(a["name"]), _required_date(a["on"], "achievements.on"))
        for a in values.get("achievements") or []
    )
    values["papers"] = tuple(
        Paper(
            str(p["title"]),
            p["level"],
            float(p["duplicate_rate"]),
            _required_date(p["published"], "papers.published"),
        )
        for p in values.get("papers") or []
    )
    rec = values.get("expert_recommendation")
    values["expert_recommendation"] = (
        ExpertRecommendation(int(rec["approvals"]), int(rec["reviewers"])) if rec else None
    )
    return Applicant(id_number=id_number, **values)


def _year_end(policy: PolicySpec, year: int) -> dt.date:
    return policy.retirement_reference_day or dt.date(year, 12, 31)


def identity(applicant: Applicant, on: dt.date) -> list[Finding]:
    try:
        parse_id_number(applicant.id_number, on=on)
    except InvalidIdNumber as exc:
        return [Finding("id_invalid", exc.reason)]
    return []


def retirement_check_on(policy: PolicySpec) -> bool:
    """Whether the retirement exclusion applies: only where the notice names the day age is
    counted to (000 七(三)3 "计算到申报当年的12月31日"); a silent notice excludes no one
    rather than from a guessed day. For ``plan`` to say when the check is off."""
    return policy.retirement_reference_day is not None


def _in_year(day: dt.date, year: int) -> dt.date:
    """The same month and day in ``year`` (2/29 falls back to 2/28)."""
    last = calendar.monthrange(year, day.month)[1]
    return dt.date(year, day.month, min(day.day, last))


def retirement(applicant: Applicant, policy: PolicySpec, year: int) -> list[Finding]:
    """Reached the statutory age by the reference day — the file's month and day in the
    declaring year — so may not declare."""
    reference = policy.retirement_reference_day
    if reference is None:
        return []
    by = _in_year(reference, year)
    parsed = parse_id_number(applicant.id_number)
    try:
        month = retirement_for(
            parsed.birth, male=parsed.is_male, female_original_age=applicant.female_original_age
        )
    except MissingInput as exc:
        return [Finding("retirement_input_missing", str(exc))]
    # The age is reached in the retirement month: reached by ``by`` when that month has begun.
    if month.month > by.replace(day=1):
        return []
    return [
        Finding(
            "retirement_age",
            f"{by.year}年{by.month}月{by.day}日前已达法定退休年龄（{month.month_text} 退休），不得申报",
        )
    ]


def status(applicant: Applicant, policy: PolicySpec, year: int, on: dt.date) -> list[Finding]:
    """The exclusions of 000 七(三) and 004 一."""
    out = []
    if applicant.civil_servant:
        out.append(Finding("civil_servant", "公务员（含参照公务员法管理人员）不能申报职称评审"))
    if applicant.retired:
        out.append(Finding("retired", "离退休人员不能申报职称"))
    if not applicant.transferred_in:
        out.append(Finding("not_transferred", "未办理正式调入手续，不予受理"))
    if applicant.summoned_or_under_review:
        out.append(Finding("under_review", "受纪检监察部门约谈或审查未结束，当年不得申报"))
    if applicant.disciplinary_until and applicant.disciplinary_until >= on:
        out.append(
            Finding(
                "disciplinary_period",
                f"处分影响期至 {applicant.disciplinary_until.isoformat()}，期内不得申报",
            )
        )
    if applicant.failed_last_year and not applicant.new_achievement_since_last_year:
        out.append(Finding("failed_last_year", "上年度评审未通过且此后未取得新业绩，不得申报"))
    if applicant.other_committees_this_year:
        out.append(Finding("one_committee_per_year", "同一年度只能选择1个评委会申报"))
    if not applicant.continuing_education_done:
        out.append(Finding("continuing_education", "未按要求完成继续教育，不得申报"))
    if applicant.barred_until and applicant.barred_until >= on:
        why = f"（{applicant.bar_reason}）" if applicant.bar_reason else ""
        out.append(
            Finding(
                "integrity_bar", f"因弄虚作假被停止申报至 {applicant.barred_until.isoformat()}{why}"
            )
        )
    years = policy.series_transfer_min_years
    if applicant.series_transfer_on is not None and years is not None:
        tenure_end = policy.tenure_cutoff or _year_end(policy, year)
        served = applicant.series_transfer_on.replace(
            year=applicant.series_transfer_on.year + years
        )
        if served > tenure_end:
            out.append(
                Finding(
                    "series_transfer_too_recent",
                    f"转系列后须在新系列聘任满{years}年才能申报高一级职称（转入 {applicant.series_transfer_on.isoformat()}）",
                )
            )
    return out


def achievements(applicant: Applicant, policy: PolicySpec) -> list[Finding]:
    cutoff = policy.achievement_cutoff
    if cutoff is None:
        return []
    return [
        Finding(
            "achievement_after_cutoff",
            f"业绩“{name}”取得于 {day.isoformat()}，晚于截止日 {cutoff.isoformat()}，本次不计入",
            blocking=False,
        )
        for name, day in applicant.achievements
        if day > cutoff
    ]


def papers(applicant: Applicant, policy: PolicySpec, year: int) -> list[Finding]:
    rule = policy.plagiarism
    if rule is None or year < rule.applies_from_year:
        return []
    out = []
    for paper in applicant.papers:
        limit = rule.core if paper.level == "core" else rule.provincial
        if paper.duplicate_rate > limit:
            level = "核心期刊" if paper.level == "core" else "省级期刊"
            out.append(
                Finding(
                    "paper_duplicate_rate",
                    f"论文《{paper.title}》重复率 {paper.duplicate_rate:.0%} 超过{level} {limit:.0%} 的上限，不按相应级别论文对待",
                    blocking=False,
                )
            )
    return out


def expert_recommendation(applicant: Applicant, policy: PolicySpec) -> list[Finding]:
    """Pingliang's rule: "2/3以上" includes exactly two thirds. The policy stores the share as
    a decimal (0.6667); read back as the simple fraction it stands for, so 2 of 3 passes."""
    needed = policy.expert_recommendation_min_approval
    rec = applicant.expert_recommendation
    if needed is None or rec is None:
        return []
    share = Fraction(needed).limit_denominator(20)
    if rec.reviewers <= 0 or Fraction(rec.approvals, rec.reviewers) < share:
        return [
            Finding(
                "expert_recommendation",
                f"专家举荐仅 {rec.approvals}/{rec.reviewers} 名盲审专家同意，未达 {share.numerator}/{share.denominator}，不作为业绩条件",
                blocking=False,
            )
        ]
    return []


def check(applicant: Applicant, policy: PolicySpec, *, year: int, on: dt.date) -> Verdict:
    """All checks; an invalid ID number stops the rest (they read the birth date from it)."""
    found = identity(applicant, on)
    if not found:
        found = retirement(applicant, policy, year) + status(applicant, policy, year, on)
        found += (
            achievements(applicant, policy)
            + papers(applicant, policy, year)
            + expert_recommendation(applicant, policy)
        )
    return Verdict(tuple(found))


def integrity_bar_until(found_on: dt.date, policy: PolicySpec) -> dt.date | None:
    """Falsified materials bar the person for the policy's years (the 002 pledge: three)."""
    years = policy.integrity_bar_years
    if years is None:
        return None
    return found_on.replace(year=found_on.year + years)


def village_quota_shortfall(
    senior_total: int, village_senior: int, policy: PolicySpec
) -> Finding | None:
    """001 三(二): in series with village units, at least the quota of senior titles go to them."""
    quota = policy.village_senior_quota
    if quota is None or senior_total == 0:
        return None
    if village_senior / senior_total + 1e-9 < quota:
        return Finding(
            "village_quota",
            f"乡村单位人才 {village_senior}/{senior_total} 名，低于高级职称的 {quota:.0%}",
        )
    return None


REMOTE_VILLAGE_NOTE = "乡村不受指标限制"


def remote_village_exempt(
    level: Literal["intermediate", "senior"], years: int, policy: PolicySpec
) -> bool:
    """003 附件3 二(一): long service in remote villages is outside the quota, and the
    qualification document must say so (REMOTE_VILLAGE_NOTE)."""
    needed = (
        policy.remote_village_years_senior
        if level == "senior"
        else policy.remote_village_years_intermediate
    )
    return needed is not None and years >= needed
