"""Which committee hears an imported declaration: the cycle's committees as routing sees
them, and each row routed (a refusal becomes that row's error)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session, col, select

from models.cycle import Committee, Cycle
from models.imports.report import Problems
from models.org import Organisation
from rules.idcard import gansu_regions


@dataclass(frozen=True)
class CommitteeChoice:
    id: int
    key: str
    name: str
    series: str | None
    specialties: tuple[str, ...] | None
    level: str
    scope: str
    region: str | None  # the city whose applicants it hears (scope city), else None
    owner_path: str | None  # a self-reviewing body's subtree (scope self)


class DeclaredRow(Protocol):
    row: int
    series: str
    specialty: str | None
    level: str
    committee: str | None


def committees_of(session: Session, cycle: Cycle) -> list[CommitteeChoice]:
    """The cycle's committees; a city cycle's own committees hear that city."""
    rows = session.execute(
        select(Committee, col(Organisation.city_code), col(Organisation.path))
        .outerjoin(Organisation, col(Committee.owner_id) == col(Organisation.id))
        .where(col(Committee.cycle_id) == cycle.id)
        .order_by(col(Committee.id))
    )
    out = []
    for committee, city, path in rows:
        assert committee.id is not None
        region = city or (cycle.region_code if cycle.region_code.endswith("00") else None)
        out.append(
            CommitteeChoice(
                committee.id,
                committee.key,
                committee.name,
                committee.series,
                tuple(committee.specialties) if committee.specialties else None,
                committee.level,
                committee.scope,
                region if committee.scope == "city" else None,
                path,
            )
        )
    return out


def grassroots(unit_path: str) -> bool:
    """A unit at or below a county (县以下基层): its path passes a county-level division."""
    counties = {k.code for c in gansu_regions() for k in c.counties if k.county_level}
    return any(part in counties for part in unit_path.split("/"))


# Interim: the routing rule proper is rules/routing.py (helper E1); until it lands this
# module applies the same rule (DOMAIN.md: series, specialty, level sought, region's scope).
LEVEL_NEEDED = {"正高级": "senior", "副高级": "senior", "中级": "intermediate"}
LEVEL_NAMES = {"senior": "高级", "intermediate": "中级"}


def _why_not(
    c: CommitteeChoice, row: DeclaredRow, unit_path: str, city_code: str | None
) -> str | None:
    if c.series != row.series:
        return f"{c.name}评审{c.series}系列，不评审{row.series}系列"
    if c.specialties and row.specialty not in c.specialties:
        return f"{c.name}只评审{'、'.join(c.specialties)}专业"
    if c.level != LEVEL_NEEDED[row.level]:
        return f"{c.name}是{LEVEL_NAMES.get(c.level, c.level)}评委会，不能评审{row.level}"
    if c.scope == "city" and c.region != city_code:
        return f"{c.name}只评审本市州的申报人"
    if c.scope == "grassroots" and not grassroots(unit_path):
        return f"{c.name}只评审县以下基层单位的申报人"
    if c.scope == "self" and not (c.owner_path and unit_path.startswith(c.owner_path + "/")):
        return f"{c.name}是自主评审评委会，只评审其组建单位的申报人"
    return None


def route_row(
    row: DeclaredRow,
    unit_path: str,
    city_code: str | None,
    committees: list[CommitteeChoice],
    problems: Problems,
    *,
    columns: tuple[str, str, str, str],
) -> CommitteeChoice | None:
    """The committee for one row, or None with the refusal recorded against the row."""
    series_col, _specialty_col, level_col, committee_col = columns
    if row.level not in LEVEL_NEEDED:
        problems.add(
            row.row,
            level_col,
            row.level,
            "申报级别应为 正高级、副高级 或 中级（初级由单位认定，不经评委会）",
        )
        return None
    if row.committee:
        named = [c for c in committees if row.committee in (c.key, c.name)]
        if not named:
            problems.add(row.row, committee_col, row.committee, "本周期没有这个评委会")
            return None
        if why := _why_not(named[0], row, unit_path, city_code):
            problems.add(row.row, committee_col, row.committee, why)
            return None
        return named[0]
    fitting = [c for c in committees if _why_not(c, row, unit_path, city_code) is None]
    if len(fitting) == 1:
        return fitting[0]
    if not fitting:
        what = f"{row.series}系列{row.specialty or ''}{row.level}"
        problems.add(
            row.row,
            series_col,
            row.series,
            f"本周期没有可评审{what}、且适用于该单位所在地区的评委会",
        )
    else:
        names = "、".join(c.name for c in fitting)
        problems.add(
            row.row, committee_col, "", f"有多个评委会可评审：{names}；请在“评委会”列中选定一个"
        )
    return None
