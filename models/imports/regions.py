"""The province, its cities and counties as organisations: from the shipped region data
(rules/data/regions.yaml), never from an import."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from models.imports.report import chunks
from models.org import Organisation, OrgKind
from rules.idcard import gansu_regions


@lru_cache
def _organisation_data() -> tuple[str, tuple[tuple[str, str], ...]]:
    """The province office's name and the city-level areas that are no GB/T 2260 division
    (兰州新区 runs its own title work): organisations, read here and never by ID validation."""
    text = (resources.files("rules") / "data" / "regions.yaml").read_text(encoding="utf-8")
    raw: dict[str, Any] = yaml.safe_load(text)
    office = raw.get("province_office")
    areas = raw.get("city_level_areas")
    if not isinstance(office, str) or not office or not isinstance(areas, list):
        raise ValueError("rules/data/regions.yaml：缺少 province_office 或 city_level_areas")
    return office, tuple((str(a["code"]), str(a["name"])) for a in areas)


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
    office, city_level_areas = _organisation_data()
    top = gansu_regions()[0].code[:2] + "0000"
    out = {top: RegionOrg(top, office, OrgKind.province, None, top)}
    cities = [(c.code, c.name) for c in gansu_regions()] + list(city_level_areas)
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
