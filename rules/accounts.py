"""Who creates the accounts of private organisations (民营组织机构), by sector: the data in
``rules/data/accounts.yaml`` (003 附件2 二 "分类归口创建"). Pure: it reads the two
organisations' kind, name, unit type and tree path, nothing else. The top-down rule (an
admin creates the level directly below it) still holds; this narrows it for these sectors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, Protocol

import yaml


class Org(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def unit_type(self) -> str | None: ...
    @property
    def path(self) -> str: ...


@dataclass(frozen=True)
class Sector:
    key: str
    title: str
    unit_types: tuple[str, ...]
    name_words: tuple[str, ...]
    creator: Literal["province", "county", "department"]
    department_words: tuple[str, ...]
    quote: str


@dataclass(frozen=True)
class SectorRules:
    notice: str
    clause: str
    sectors: tuple[Sector, ...]


@cache
def sector_rules() -> SectorRules:
    text = (resources.files("rules") / "data" / "accounts.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    sectors = []
    for key, s in raw["sectors"].items():
        recognise = s["recognise"]
        if s["creator"] not in ("province", "county", "department"):
            raise ValueError(
                f"rules/data/accounts.yaml：{key}.creator 应为 province/county/department"
            )
        sectors.append(
            Sector(
                key,
                s["title"],
                tuple(recognise.get("unit_types") or ()),
                tuple(recognise.get("name_words") or ()),
                s["creator"],
                tuple(s.get("department_words") or ()),
                s["quote"],
            )
        )
    return SectorRules(str(raw["notice"]), str(raw["clause"]), tuple(sectors))


def sector_of(org: Org) -> Sector | None:
    """The private sector an organisation falls in (the first that fits), or None."""
    if org.kind not in ("unit", "agency") or org.unit_type is None:
        return None
    for sector in sector_rules().sectors:
        if org.unit_type not in sector.unit_types:
            continue
        if sector.name_words and not any(w in org.name for w in sector.name_words):
            continue
        return sector
    return None


def private_creator_refusal(creator: Org, target: Org) -> str | None:
    """Why ``creator``'s admin may not create ``target``'s accounts under the sector rule, or
    None (not a private organisation of these sectors, or the right office)."""
    sector = sector_of(target)
    if sector is None:
        return None
    rules = sector_rules()
    where = f"（{rules.notice} {rules.clause}：{sector.quote}）"
    if sector.creator == "province":
        if creator.kind == "province":
            return None
        return f"{sector.title}{target.name}的账号由省人社厅创建{where}"
    if sector.creator == "county":
        if creator.kind == "county" and target.path.startswith(creator.path + "/"):
            return None
        return (
            f"{sector.title}{target.name}的账号由企业所在地县（市、区）职改办创建{where}；"
            "请在组织机构中把它放在所在县（市、区）之下"
        )
    if creator.kind == "department" and any(w in creator.name for w in sector.department_words):
        return None
    office = "、".join(sector.department_words)
    return f"{sector.title}{target.name}的账号由注册核准机构同级的{office}部门创建{where}"
