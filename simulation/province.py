"""A synthetic province: the real cities and counties of Gansu with invented departments and
units, loaded through the organisations import (``models.imports.orgs``) as an office loads
its own — rows in memory instead of a file. Same seed, same province."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from faker import Faker
from sqlmodel import Session, col, select

from models.cycle import Committee, Cycle
from models.imports.orgs import (
    CODE,
    CONTACT,
    DEPARTMENT,
    KIND,
    MOBILE,
    NAME,
    PARENT,
    UNIT_TYPE,
    ids_by_code,
    import_orgs,
)
from models.imports.report import ImportResult
from models.imports.routing import UnitPlace, committees_of, places
from rules.credit_code import ALPHABET, check_character, organisation_check_character
from rules.idcard import County, gansu_regions
from rules.routing import Committee as Hearing

# Which industry department supervises a series (行业主管部门); a series not named here is
# supervised by the city's 人社局.
DEPARTMENT_OF = {
    "中小学教师": "教育局",
    "中专教师": "教育局",
    "高校教师": "教育局",
    "技工院校教师": "人社局",
    "卫生": "卫健委",
    "农业": "农业农村局",
    "工程": "工信局",
    "经济": "工信局",
    "工艺美术": "工信局",
    "会计": "财政局",
    "审计": "审计局",
    "统计": "统计局",
    "文物博物": "文旅局",
    "图书资料": "文旅局",
    "艺术": "文旅局",
    "新闻": "宣传部",
    "出版": "宣传部",
    "社会科学研究": "宣传部",
    "自然科学研究": "科技局",
    "体育": "体育局",
}
UNIT_KINDS = {
    "中小学教师": ["第一中学", "实验小学", "第二中学", "中心小学", "第三中学"],
    "卫生": ["人民医院", "中医医院", "妇幼保健院", "疾病预防控制中心", "乡镇卫生院"],
    "农业": ["农业技术推广中心", "畜牧兽医站", "农产品质量检测站"],
    "工程": ["建设工程设计院", "水务集团", "电力公司", "公路管理段", "机械制造有限公司"],
}
# 单位性质 as the template writes it, with the registration authority and kind that open
# such a unit's credit code (GB 32100: 12 机构编制·事业单位, 91 工商·企业, 52 民政·社会团体).
UNIT_TYPES = {
    "事业单位": "12",
    "国有企业": "91",
    "民营企业": "91",
    "社会组织": "52",
    "人才服务机构": "12",
}
HOME_SHARE = 0.3  # share of units in a city whose own committees sit in the cycle
OWN_SERIES_SHARE = 0.5  # of those, the share in a series the city's own committees hear


@dataclass(frozen=True)
class CycleCommittees:
    """The cycle's committees as routing sees them, by series; ``meeting``: the keys of
    those with a review window (a committee without one never meets in the simulation)."""

    by_series: dict[str, list[Hearing]]
    meeting: frozenset[str]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_series)

    def __contains__(self, series: object) -> bool:
        return series in self.by_series

    def homes(self) -> dict[str, list[str]]:
        """The cities with committees of their own, and the series those hear."""
        out: dict[str, list[str]] = {}
        for series, hearings in self.by_series.items():
            for h in hearings:
                if h.scope == "city" and series not in out.get(h.region, []):
                    out.setdefault(h.region, []).append(series)
        return out

    def owners(self) -> list[tuple[str, str, str]]:
        """(owner name, series, region) of every self-reviewing committee (自主评审)."""
        return [
            (owner, series, h.region)
            for series, hearings in self.by_series.items()
            for h in hearings
            if h.scope == "self"
            for owner in sorted(h.owners)
        ]


@dataclass(frozen=True)
class SimUnit:
    id: int
    code: str  # unified social credit code
    name: str
    city_code: str
    series: str
    place: UnitPlace


@dataclass
class Province:
    city_names: dict[str, str]
    units: list[tuple[int, str, str]] = field(default_factory=list)  # (id, city_code, series)
    departments: dict[tuple[str, str], int] = field(default_factory=dict)
    unit_rows: list[SimUnit] = field(default_factory=list)


def committees_by_series(session: Session, cycle_id: str) -> CycleCommittees:
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        raise LookupError(f"没有编号为 {cycle_id} 的周期")
    meeting = session.exec(
        select(col(Committee.key)).where(
            col(Committee.cycle_id) == cycle_id, col(Committee.window_start).is_not(None)
        )
    ).all()
    by_series: dict[str, list[Hearing]] = {}
    for _, hearing in committees_of(session, cycle).values():
        if hearing.series:
            by_series.setdefault(hearing.series, []).append(hearing)
    return CycleCommittees(
        {s: hs for s, hs in sorted(by_series.items()) if any(h.key in meeting for h in hs)},
        frozenset(meeting),
    )


class SimulationDataRefused(RuntimeError):
    """The import refused rows the simulation generated: a bug in the simulation."""

    def __init__(self, result: ImportResult) -> None:
        shown = "；".join(
            f"第 {e.row} 行 {e.column} '{e.value}'：{e.why}" for e in result.errors[:5]
        )
        super().__init__(
            f"仿真生成的{result.kind}数据未通过导入校验（共 {len(result.errors)} 处）：{shown}"
        )


def credit_code(authority: str, region: str, prefix: str, serial: int) -> str:
    """A valid unified social credit code: ``prefix`` (3 characters) and ``serial`` make the
    organisation code, both check characters computed (GB 11714, GB 32100)."""
    org8 = f"{prefix}{serial:05d}"
    first17 = authority + region + org8 + organisation_check_character(org8)
    return first17 + check_character(first17)


def code_prefix(*parts: object) -> str:
    """Three code characters that differ between provinces generated differently, so two
    simulations in one database do not overwrite each other's units."""
    value = zlib.crc32("|".join(map(str, parts)).encode()) % len(ALPHABET) ** 3
    return "".join(ALPHABET[value // len(ALPHABET) ** i % len(ALPHABET)] for i in (2, 1, 0))


def mobile(rng: random.Random) -> str:
    return f"1{'35789'[rng.randrange(5)]}{rng.randrange(10**9):09d}"


def build_province(
    session: Session,
    rng: random.Random,
    committees: CycleCommittees,
    units_wanted: int,
    tag: str,
) -> Province:
    """Departments and units as rows of the organisations template, imported in one go; a
    rerun with the same seed imports the same rows, which changes nothing."""
    regions = gansu_regions()
    faker = Faker("zh_CN")
    faker.seed_instance(rng.randrange(2**31))
    series = list(committees)
    homes = committees.homes()
    department_names = sorted({DEPARTMENT_OF.get(s, "人社局") for s in series})
    rows: list[dict[str, str]] = []
    for c in regions:
        for name in department_names:
            rows.append(
                {
                    CODE: f"{tag}-D{c.code}-{name}",
                    NAME: f"{c.name}{name}",
                    KIND: "行业主管部门",
                    PARENT: c.code,
                    CONTACT: faker.name(),
                    MOBILE: mobile(rng),
                }
            )
    spots = [(c, k) for c in regions for k in c.counties]
    home_spots = [(c, k) for c, k in spots if c.code in homes]
    prefix = code_prefix(tag, units_wanted, *series, *homes)
    unit_of: dict[str, tuple[str, str]] = {}  # code: (path, series)
    for n in range(units_wanted):
        if home_spots and rng.random() < HOME_SHARE:
            city, county = home_spots[rng.randrange(len(home_spots))]
            own = homes[city.code]
            pool = own if rng.random() < OWN_SERIES_SHARE else series
        else:
            city, county = spots[rng.randrange(len(spots))]
            pool = series
        s = pool[rng.randrange(len(pool))]
        kinds = UNIT_KINDS.get(s, ["研究所", "服务中心", "有限公司"])
        name = f"{county.name}{kinds[n % len(kinds)]}（{n % 97 + 1}）"
        rows.append(_unit_row(rng, faker, tag, n, prefix, city.code, county, name, s))
        unit_of[rows[-1][CODE]] = (f"{city.code[:2]}0000/{city.code}/{county.code}", s)
    for i, (owner, s, region) in enumerate(committees.owners()):
        city_code, county = _home_of(owner, region)
        rows.append(
            _unit_row(rng, faker, tag, units_wanted + i, prefix, city_code, county, owner, s)
        )
        unit_of[rows[-1][CODE]] = (f"{city_code[:2]}0000/{city_code}/{county.code}", s)
    result = import_orgs(session, list(enumerate(rows, start=3)))
    if not result.ok:
        raise SimulationDataRefused(result)
    ids = ids_by_code(session, {r[CODE] for r in rows})
    where = places(session, {code: f"{path}/{code}" for code, (path, _) in unit_of.items()})
    province = Province(city_names={c.code: c.name for c in regions})
    for c in regions:
        for s in series:
            name = DEPARTMENT_OF.get(s, "人社局")
            province.departments[(c.code, s)] = ids[f"{tag}-D{c.code}-{name}"]
    for r in rows:
        if r[CODE] not in unit_of:
            continue
        place = where[r[CODE]]
        unit = SimUnit(ids[r[CODE]], r[CODE], r[NAME], place.city, unit_of[r[CODE]][1], place)
        province.unit_rows.append(unit)
        province.units.append((unit.id, unit.city_code, unit.series))
    return province


def _unit_row(
    rng: random.Random,
    faker: Faker,
    tag: str,
    n: int,
    prefix: str,
    city: str,
    county: County,
    name: str,
    series: str,
) -> dict[str, str]:
    unit_type = list(UNIT_TYPES)[n % len(UNIT_TYPES)]
    return {
        CODE: credit_code(UNIT_TYPES[unit_type], county.code, prefix, n),
        NAME: name,
        KIND: "用人单位",
        PARENT: county.code,
        DEPARTMENT: f"{tag}-D{city}-{DEPARTMENT_OF.get(series, '人社局')}",
        UNIT_TYPE: unit_type,
        CONTACT: faker.name(),
        MOBILE: mobile(rng),
    }


def _home_of(owner: str, region: str) -> tuple[str, County]:
    """Where a self-reviewing body sits: the county or city its name mentions (敦煌研究院 in
    敦煌市), within its committee's region; else that region's first county (the capital's,
    for the province)."""
    cities = [c for c in gansu_regions() if region.endswith("0000") or c.code == region]
    for c in cities:
        for k in c.counties:
            short = k.name.rstrip("市县区")
            if len(short) >= 2 and short in owner:
                return c.code, k
    for c in cities:
        short = c.name.removesuffix("市")[:3] if c.name.endswith("市") else c.name[:2]
        if short in owner:
            return c.code, c.counties[0]
    return cities[0].code, cities[0].counties[0]
