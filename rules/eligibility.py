"""Eligibility (申报条件) as pure functions of the applicant's facts, the cycle's policy and
the year. Checked at declaration and again at unit review; every failure is a clear reason.
A blocking finding refuses the application; a non-blocking one says what does not count."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, fields
from fractions import Fraction
from typing import Any, Literal

from calendars.cyclefile import Exclusion, PolicySpec
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
    # The level sought (初级/中级/副高级/正高级): from the application, not the applicant's word.
    level_sought: str | None = None
    # 000 二(三)2: the employing unit's level (a provincial or city unit needs county-level
    # service for a senior title), the years served at county level or below, and whether the
    # unit is one the clause exempts (艰苦条件单位, 各类企业, 甘南/临夏州属单位).
    unit_level: Literal["province", "city", "county"] | None = None
    county_service_years: float | None = None
    county_service_exempt: bool = False
    # 003 附件3 三: the skill level held (高级工/技师/高级技师) and the years of skilled work since.
    skill_level: Literal["高级工", "技师", "高级技师"] | None = None
    skill_years: float | None = None
    # 破格 (003 附件3 五(一)): declared as an exceptional promotion, and the years in the lower post.
    exceptional: bool = False
    lower_post_years: float | None = None


FACT_FIELDS = frozenset(f.name for f in fields(Applicant)) - {"id_number", "level_sought"}
SENIOR_LEVELS = ("副高级", "正高级")
# 003 附件3 三: the title each skill level leads to, and the field of policy.skilled_worker_years
# holding the years of skilled work it needs.
SKILL_PATH: dict[str, tuple[str, str]] = {
    "高级工": ("初级", "junior"),
    "技师": ("中级", "intermediate"),
    "高级技师": ("副高级", "deputy_senior"),
}


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


def applicant_from_facts(
    id_number: str, facts: dict[str, Any] | None, *, level_sought: str | None = None
) -> Applicant:
    """The applicant's declared facts (stored as JSON) as the rules' input; unknown keys and
    bad dates are refused by name rather than ignored. ``level_sought`` is the application's."""
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
    return Applicant(id_number=id_number, level_sought=level_sought, **values)


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


# How a plan names each exclusion a cycle file may list (policy.exclusions).
EXCLUSION_LABELS: dict[str, str] = {
    "civil_servant": "公务员（含参照公务员法管理人员）不得申报",
    "retired": "离退休人员不得申报",
    "not_transferred": "未办理正式调入手续的不予受理",
    "under_review": "受纪检监察约谈或审查未结束的当年不得申报",
    "disciplinary_period": "处分（影响）期内不得申报",
    "failed_last_year": "上年度未通过且无新业绩的不得申报",
    "continuing_education": "未完成继续教育的不得申报",
    "one_committee_per_year": "同一年度只能向1个评委会申报",
}


def _excluded(applicant: Applicant, key: Exclusion, on: dt.date) -> Finding | None:
    """Whether ``applicant`` falls under exclusion ``key`` (the cycle file's words for it are
    in its provenance: ``policy.exclusions.KEY``)."""
    if key == "civil_servant" and applicant.civil_servant:
        return Finding(key, "公务员（含参照公务员法管理人员）不能申报职称评审")
    if key == "retired" and applicant.retired:
        return Finding(key, "离退休人员不能申报职称")
    if key == "not_transferred" and not applicant.transferred_in:
        return Finding(key, "未办理正式调入手续，不予受理")
    if key == "under_review" and applicant.summoned_or_under_review:
        return Finding(key, "受纪检监察部门约谈或审查未结束，当年不得申报")
    until = applicant.disciplinary_until
    if key == "disciplinary_period" and until is not None and until >= on:
        return Finding(key, f"处分影响期至 {until.isoformat()}，期内不得申报")
    if (
        key == "failed_last_year"
        and applicant.failed_last_year
        and not applicant.new_achievement_since_last_year
    ):
        return Finding(key, "上年度评审未通过且此后未取得新业绩，不得申报")
    if key == "one_committee_per_year" and applicant.other_committees_this_year:
        return Finding(key, "同一年度只能选择1个评委会申报")
    if key == "continuing_education" and not applicant.continuing_education_done:
        return Finding(key, "未按要求完成继续教育，不得申报")
    return None


def exclusions_on(policy: PolicySpec) -> tuple[Exclusion, ...]:
    """The exclusions this cycle applies: those its file lists (none when it lists none)."""
    return tuple(policy.exclusions or ())


def status(applicant: Applicant, policy: PolicySpec, year: int, on: dt.date) -> list[Finding]:
    """The exclusions the cycle's file lists (each with its clause in the file's provenance),
    an integrity bar from our records, and the series-transfer wait."""
    out = [f for key in exclusions_on(policy) if (f := _excluded(applicant, key, on))]
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


def county_service(applicant: Applicant, policy: PolicySpec) -> list[Finding]:
    """000 二(三)2: a senior title for staff of provincial and city units needs the policy's
    years of service at county level or below (艰苦条件单位, enterprises and the other units the
    clause names are exempt). A fact not declared (the unit's level, the years) refuses no
    one: the unit checks it at review, and the finding says so without blocking."""
    needed = policy.county_service_years_senior
    if (
        needed is None
        or applicant.level_sought not in SENIOR_LEVELS
        or applicant.unit_level == "county"
        or applicant.county_service_exempt
    ):
        return []
    if applicant.unit_level is None or applicant.county_service_years is None:
        return [
            Finding(
                "county_service_unknown",
                f"省、市属单位晋升高级职称须有县及县以下单位{needed}年以上服务或工作经历；"
                "申报信息未写单位层级或基层服务年限，由用人单位审核时核实",
                blocking=False,
            )
        ]
    if applicant.county_service_years < needed:
        return [
            Finding(
                "county_service",
                f"省、市属单位晋升高级职称须有县及县以下单位{needed}年以上服务或工作经历"
                f"（申报 {applicant.county_service_years:g} 年）",
            )
        ]
    return []


def skilled_worker(applicant: Applicant, policy: PolicySpec) -> list[Finding]:
    """003 附件3 三: after 高级工 / 技师 / 高级技师, the policy's years of skilled work before
    the 初级 / 中级 / 副高级 title each leads to. Only for an applicant who declares a skill
    level and seeks the title it leads to; years not declared refuse no one (the unit checks)."""
    years = policy.skilled_worker_years
    if years is None or applicant.skill_level is None:
        return []
    title, field_name = SKILL_PATH[applicant.skill_level]
    if applicant.level_sought != title:
        return []
    needed: int = getattr(years, field_name)
    if applicant.skill_years is None:
        return [
            Finding(
                "skilled_worker_years_unknown",
                f"取得{applicant.skill_level}后须从事相应技术技能工作满{needed}年；"
                "申报信息未写年限，由用人单位审核时核实",
                blocking=False,
            )
        ]
    if applicant.skill_years < needed:
        return [
            Finding(
                "skilled_worker_years",
                f"取得{applicant.skill_level}后须从事相应技术技能工作满{needed}年才能申报{title}"
                f"职称（申报 {applicant.skill_years:g} 年）",
            )
        ]
    return []


def exceptional(applicant: Applicant, policy: PolicySpec) -> list[Finding]:
    """破格晋升 (003 附件3 五(一)): at least the policy's years in the lower post. Years not
    declared refuse no one (the unit checks)."""
    needed = policy.exceptional_lower_post_years
    if needed is None or not applicant.exceptional:
        return []
    if applicant.lower_post_years is None:
        return [
            Finding(
                "exceptional_lower_post_unknown",
                f"破格申报须在低一级岗位聘用满{needed}年；申报信息未写年限，由用人单位审核时核实",
                blocking=False,
            )
        ]
    if applicant.lower_post_years < needed:
        return [
            Finding(
                "exceptional_lower_post",
                f"破格申报须在低一级岗位聘用满{needed}年以上（申报 {applicant.lower_post_years:g} 年）",
            )
        ]
    return []


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
            county_service(applicant, policy)
            + skilled_worker(applicant, policy)
            + exceptional(applicant, policy)
        )
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
