"""The province, its cities and counties as organisations: from the shipped region data
(rules/data/regions.yaml), never from an import."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from models.imports.report import chunks
from models.org import Organisation, OrgKind
from rules.idcard import gansu_regions

PROVINCE_OFFICE = "甘肃省人力资源和社会保障厅"
# 兰州新区 is a national new area, not a division of GB/T 2260 (so not in regions.yaml), but it
# runs its own title work as a city-level body; 620171 is its statistical code.
CITY_LEVEL_AREAS = (("620171", "兰州新区"),)


@dataclass(frozen=True)
class RegionOrg:
    code: str
    name: str
    kind: str
    city_code: str | None
    path: str


@lru_cache
def region_orgs() -> dict[str, RegionOrg]:
    """Every organisation the region data defines, by code, parents before children."""
    top = gansu_regions()[0].code[:2] + "0000"
    out = {top: RegionOrg(top, PROVINCE_OFFICE, OrgKind.province, None, top)}
    cities = [(c.code, c.name) for c in gansu_regions()] + list(CITY_LEVEL_AREAS)
    for code, name in cities:
        out[code] = RegionOrg(code, name, OrgKind.city, code, f"{top}/{code}")
    for city in gansu_regions():
        for county in city.counties:
            out[county.code] = RegionOrg(
                county.code,
                county.name,
                OrgKind.county,
                city.code,
                f"{top}/{city.code}/{county.code}",
            )
    return out


def ensure_regions(session: Session) -> int:
    """Inserts the region organisations that are missing (one statement); returns how many."""
    regions = region_orgs()
    existing: set[str] = set()
    for part in chunks(list(regions)):
        existing.update(
            session.exec(select(col(Organisation.code)).where(col(Organisation.code).in_(part)))
        )
    missing = [r for r in regions.values() if r.code not in existing]
    if not missing:
        return 0
    session.execute(
        insert(Organisation),
        [
            {
                "code": r.code,
                "name": r.name,
                "kind": r.kind,
                "city_code": r.city_code,
                "path": r.path,
            }
            for r in missing
        ],
    )
    ids = dict(
        session.exec(
            select(col(Organisation.code), col(Organisation.id)).where(
                col(Organisation.code).in_([r.code for r in missing])
            )
        ).all()
    )
    parents = {
        code: ids.get(parent) or _id_of(session, parent)
        for code, parent in ((r.code, r.path.rsplit("/", 2)[-2]) for r in missing if "/" in r.path)
    }
    session.execute(
        update(Organisation), [{"id": ids[c], "parent_id": p} for c, p in parents.items()]
    )
    return len(missing)


def _id_of(session: Session, code: str) -> int | None:
    return session.exec(select(col(Organisation.id)).where(col(Organisation.code) == code)).first()
