"""Statutory retirement age under the gradual reform (渐进式延迟法定退休年龄), read from
``rules/data/retirement.yaml``: the original and target ages, the first birth month affected
and the step sizes are data, not code.

A group's delay for a birth month ``b`` (months counted from the group's first birth month):
nothing before the first month; from it, ``(b // birth_months_per_step + 1) *
delay_months_per_step`` months, capped at ``target_years - original_years``. The retirement
month is the birth month plus the statutory age (a man born January 1965 retires at 60 years
1 month, in February 2025).

Applicants who reach the statutory age by 12/31 of the review year may not declare
(000 七(三)3: "均计算到申报当年的 12 月 31 日为止")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


class MissingInput(ValueError):
    """An input the rule needs and cannot infer (a woman's original retirement age), or one
    outside the values the rule knows."""


class RetirementDataError(ValueError):
    """The retirement data file is malformed."""


@dataclass(frozen=True)
class Group:
    name: str
    sex: str  # "male" | "female"
    original_years: int
    target_years: int
    first_birth_month: dt.date  # first day of the first birth month affected
    birth_months_per_step: int
    delay_months_per_step: int = 1

    @property
    def max_delay_months(self) -> int:
        return (self.target_years - self.original_years) * 12

    def delay_months(self, birth: dt.date) -> int:
        since = _months_between(self.first_birth_month, birth)
        if since < 0:
            return 0
        steps = since // self.birth_months_per_step + 1
        return min(steps * self.delay_months_per_step, self.max_delay_months)


@dataclass(frozen=True)
class RetirementRules:
    source: str
    in_force: dt.date | None
    groups: Mapping[str, Group]

    def group_for(self, *, male: bool, female_original_age: int | None) -> Group:
        if male:
            return _only(g for g in self.groups.values() if g.sex == "male")
        female = {g.original_years: g for g in self.groups.values() if g.sex == "female"}
        ages = " 或 ".join(str(a) for a in sorted(female))
        if female_original_age is None:
            raise MissingInput(f"女性申报人须说明原法定退休年龄（{ages} 周岁），无法从身份证号推断")
        if isinstance(female_original_age, bool) or female_original_age not in female:
            raise MissingInput(
                f"女性原法定退休年龄只能是 {ages} 周岁（收到 {female_original_age}）"
            )
        return female[female_original_age]


@dataclass(frozen=True)
class Retirement:
    group: str  # "male" | "female_50" | "female_55"
    age_years: int
    age_months: int
    month: dt.date  # the first day of the retirement month

    @property
    def month_text(self) -> str:
        return f"{self.month.year:04d}-{self.month.month:02d}"

    @property
    def age_text(self) -> str:
        return (
            f"{self.age_years}岁{self.age_months}个月" if self.age_months else f"{self.age_years}岁"
        )


def _only(groups: Any) -> Group:
    found = list(groups)
    if len(found) != 1:
        raise RetirementDataError(f"退休规则数据应恰有一个男职工组（实际 {len(found)} 个）")
    return found[0]


def _months_between(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + (later.month - first.month)


def _month(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value.replace(day=1)
    try:
        year, month = str(value).split("-")[:2]
        return dt.date(int(year), int(month), 1)
    except ValueError:
        raise RetirementDataError(
            f"{where}: 起始出生月份应写作 YYYY-MM（收到 {value!r}）"
        ) from None


def _positive_int(raw: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise RetirementDataError(f"{where}: {key} 应为正整数（收到 {value!r}）")
    return value


def rules_from_mapping(
    raw: Mapping[str, Any], *, where: str = "retirement.yaml"
) -> RetirementRules:
    """Builds and checks the rules from a parsed data file."""
    groups_raw = raw.get("groups") if isinstance(raw, Mapping) else None
    if not isinstance(groups_raw, Mapping) or not groups_raw:
        raise RetirementDataError(f"{where}: 缺少 groups")
    groups: dict[str, Group] = {}
    for name, values in groups_raw.items():
        at = f"{where} groups.{name}"
        if not isinstance(values, Mapping):
            raise RetirementDataError(f"{at}: 应为映射")
        sex = values.get("sex")
        if sex not in ("male", "female"):
            raise RetirementDataError(f"{at}: sex 应为 male 或 female（收到 {sex!r}）")
        group = Group(
            name=str(name),
            sex=sex,
            original_years=_positive_int(values, "original_years", at),
            target_years=_positive_int(values, "target_years", at),
            first_birth_month=_month(values.get("first_birth_month"), at),
            birth_months_per_step=_positive_int(values, "birth_months_per_step", at),
            delay_months_per_step=_positive_int(values, "delay_months_per_step", at, default=1),
        )
        if group.target_years < group.original_years:
            raise RetirementDataError(f"{at}: target_years 小于 original_years")
        groups[group.name] = group
    female_ages = [g.original_years for g in groups.values() if g.sex == "female"]
    if len(set(female_ages)) != len(female_ages):
        raise RetirementDataError(f"{where}: 女职工组的原法定退休年龄重复")
    _only(g for g in groups.values() if g.sex == "male")
    in_force = raw.get("in_force")
    return RetirementRules(
        source=str(raw.get("source", "")),
        in_force=in_force if isinstance(in_force, dt.date) else None,
        groups=groups,
    )


@lru_cache
def default_rules() -> RetirementRules:
    """The rules shipped in ``rules/data/retirement.yaml`` (read once)."""
    text = (resources.files("rules") / "data" / "retirement.yaml").read_text(encoding="utf-8")
    return rules_from_mapping(yaml.safe_load(text))


def group_for(
    *, male: bool, female_original_age: int | None, rules: RetirementRules | None = None
) -> Group:
    return (rules or default_rules()).group_for(male=male, female_original_age=female_original_age)


def retirement_for(
    birth: dt.date,
    *,
    male: bool,
    female_original_age: int | None = None,
    rules: RetirementRules | None = None,
) -> Retirement:
    """The statutory retirement age and month for a birth date (only its month counts).
    Women must state their original statutory age (50 or 55: it depends on their post, not
    on the ID number) — :class:`MissingInput` otherwise; for men it is ignored."""
    group = group_for(male=male, female_original_age=female_original_age, rules=rules)
    return _retirement(group, birth.replace(day=1))


# Each eligibility check asks for one applicant's; a province's applicants share a few
# hundred birth months in each group.
@lru_cache(maxsize=4096)
def _retirement(group: Group, birth_month: dt.date) -> Retirement:
    total = group.original_years * 12 + group.delay_months(birth_month)
    years, months = divmod(total, 12)
    index = birth_month.year * 12 + (birth_month.month - 1) + total
    return Retirement(group.name, years, months, dt.date(index // 12, index % 12 + 1, 1))


def reaches_retirement_by(
    birth: dt.date,
    *,
    male: bool,
    female_original_age: int | None,
    year: int,
    rules: RetirementRules | None = None,
) -> bool:
    """True when the statutory retirement age is reached by 12/31 of ``year`` — the person
    may not declare that year.

    The notice counts age "to 12/31 of the declaring year" (000 七(三)3: "均计算到申报当年的
    12 月 31 日为止"). The statutory age is reached in the retirement month, so someone whose
    retirement month is December of ``year`` (or earlier) has reached it by 12/31 and is not
    eligible; eligible iff the retirement month is after December of ``year``."""
    retirement = retirement_for(
        birth, male=male, female_original_age=female_original_age, rules=rules
    )
    return retirement.month <= dt.date(year, 12, 1)
