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
    owners = select(col(Organisation.id), col(Organisation.city_code), col(Organisation.path))
    rows = session.execute(
        select(Committee, owners.c.city_code, owners.c.path)
        .outerjoin(owners.subquery(), col(Committee.owner_id) == owners.c.id)
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
    series_col, specialty_col, level_col, committee_col = columns
    raise NotImplementedError((row, unit_path, city_code, committees, problems, series_col, specialty_col, level_col, committee_col))
