"""Statutory retirement age under the gradual reform (渐进式延迟法定退休年龄), read from data.

Applicants who reach the statutory retirement age by 12/31 of the review year may not declare
(000 七(三)3: "均计算到申报当年的12月31日为止")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


class MissingInput(ValueError):
    pass


@dataclass(frozen=True)
class Group:
    name: str
    original_years: int
    target_years: int
    first_birth_month: dt.date
    birth_months_per_step: int


@dataclass(frozen=True)
class Retirement:
    group: str
    age_years: int
    age_months: int
    month: dt.date  # the first day of the retirement month

    @property
    def month_text(self) -> str:
        return f"{self.month.year:04d}-{self.month.month:02d}"


@lru_cache
def reform_groups() -> dict[str, Group]:
    text = (resources.files("rules") / "data" / "retirement.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    return {name: Group(name=name, **values) for name, values in raw["groups"].items()}


def _months_between(first: dt.date, later: dt.date) -> int:
    return (later.year - first.year) * 12 + (later.month - first.month)


def group_for(*, male: bool, female_original_age: int | None) -> Group:
    groups = reform_groups()
    if male:
        return groups["male"]
    if female_original_age is None:
        raise MissingInput("女性申报人须说明原法定退休年龄（50 或 55 周岁），无法从身份证号推断")
    key = f"female_{female_original_age}"
    if key not in groups:
        raise MissingInput(f"女性原法定退休年龄只能是 50 或 55 周岁（收到 {female_original_age}）")
    return groups[key]


def retirement_for(
    birth: dt.date, *, male: bool, female_original_age: int | None = None
) -> Retirement:
    group = group_for(male=male, female_original_age=female_original_age)
    since = _months_between(group.first_birth_month, birth)
    cap = (group.target_years - group.original_years) * 12
    delay = 0 if since < 0 else min(since // group.birth_months_per_step + 1, cap)
    years, months = group.original_years + delay // 12, delay % 12
    total = birth.year * 12 + (birth.month - 1) + years * 12 + months
    return Retirement(group.name, years, months, dt.date(total // 12, total % 12 + 1, 1))


def reaches_retirement_by(
    birth: dt.date, *, male: bool, female_original_age: int | None, year: int
) -> bool:
    """True when the statutory age is reached by 12/31 of ``year``: a retirement month in
    December of that year counts as reached."""
    return retirement_for(
        birth, male=male, female_original_age=female_original_age
    ).month <= dt.date(year, 12, 1)
