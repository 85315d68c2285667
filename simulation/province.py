"""A synthetic province: the real cities and counties of Gansu, invented departments, units
and applicants with valid ID numbers and Chinese names. Same seed, same province."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from faker import Faker
from sqlalchemy import insert, select
from sqlmodel import Session, col

from models.application import Application, Person
from models.cycle import Committee
from models.org import Organisation
from rules.idcard import gansu_regions, make_id_number

# Which industry department supervises a series (行业主管部门).
DEPARTMENT_OF = {
    "中小学教师": "教育局",
    "中专教师": "教育局",
    "高校教师": "教育局",
    "技工院校教师": "人社局",
    "卫生": "卫健委",
    "卫生（药学）": "市场监管局",
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
    "艺术（农村实用文化人才）": "文旅局",
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
    "工程": ["建筑设计院", "水务集团", "电力公司", "公路管理段", "机械制造有限公司"],
}
UNIT_TYPES = [
    "public_institution",
    "state_enterprise",
    "private_enterprise",
    "social_org",
    "agency",
]


@dataclass
class Province:
    city_names: dict[str, str]
    units: list[tuple[int, str, str]] = field(default_factory=list)  # (id, city_code, series)
    departments: dict[tuple[str, str], int] = field(default_factory=dict)


def _get_or_create(session: Session, rows: list[dict[str, object]]) -> dict[str, int]:
    """Organisations by code: created once, reused by later runs with the same seed."""
    codes = [r["code"] for r in rows]
    existing = dict(
        session.execute(
            select(col(Organisation.code), col(Organisation.id)).where(
                col(Organisation.code).in_(codes)
            )
        ).all()  # type: ignore[attr-defined]
    )
    missing = [r for r in rows if r["code"] not in existing]
    if missing:
        session.execute(insert(Organisation), missing)
        existing = dict(
            session.execute(
                select(col(Organisation.code), col(Organisation.id)).where(
                    col(Organisation.code).in_(codes)
                )
            ).all()  # type: ignore[attr-defined]
        )
    return existing


def build_province(
    session: Session, rng: random.Random, series: list[str], units_wanted: int, tag: str
) -> Province:
    regions = gansu_regions()
    province = _get_or_create(
        session,
        [
            {
                "code": "620000",
                "name": "甘肃省人力资源和社会保障厅",
                "kind": "province",
                "path": "620000",
            }
        ],
    )["620000"]
    city_rows = [
        {
            "code": c.code,
            "name": c.name,
            "kind": "city",
            "parent_id": province,
            "city_code": c.code,
            "path": f"620000/{c.code}",
        }
        for c in regions
    ]
    cities = _get_or_create(session, city_rows)
    county_rows = [
        {
            "code": k.code,
            "name": k.name,
            "kind": "county",
            "parent_id": cities[c.code],
            "city_code": c.code,
            "path": f"620000/{c.code}/{k.code}",
        }
        for c in regions
        for k in c.counties
    ]
    counties = _get_or_create(session, county_rows)
    result = Province(city_names={c.code: c.name for c in regions})
    dept_rows = []
    for c in regions:
        for name in sorted({DEPARTMENT_OF.get(s, "人社局") for s in series}):
            dept_rows.append(
                {
                    "code": f"{tag}-D{c.code}-{name}",
                    "name": f"{c.name}{name}",
                    "kind": "department",
                    "parent_id": cities[c.code],
                    "city_code": c.code,
                    "series": name,
                    "path": f"620000/{c.code}/{tag}-D{c.code}-{name}",
                }
            )
    depts = _get_or_create(session, dept_rows)
    for c in regions:
        for s in series:
            name = DEPARTMENT_OF.get(s, "人社局")
            result.departments[(c.code, s)] = depts[f"{tag}-D{c.code}-{name}"]
    places = [(c, k) for c in regions for k in c.counties]
    unit_rows = []
    for n in range(units_wanted):
        city, county = places[rng.randrange(len(places))]
        s = series[rng.randrange(len(series))]
        kinds = UNIT_KINDS.get(s, ["研究所", "服务中心", "有限公司"])
        code = f"{tag}-U{n:05d}"
        unit_rows.append(
            {
                "code": code,
                "name": f"{county.name}{kinds[n % len(kinds)]}（{n % 97 + 1}）",
                "kind": "unit",
                "parent_id": counties[county.code],
                "department_id": result.departments[(city.code, s)],
                "city_code": city.code,
                "series": s,
                "unit_type": UNIT_TYPES[n % len(UNIT_TYPES)],
                "path": f"620000/{city.code}/{county.code}/{code}",
            }
        )
    units = _get_or_create(session, unit_rows)
    result.units = [
        (units[str(r["code"])], str(r["city_code"]), str(r["series"])) for r in unit_rows
    ]
    return result


def committees_by_series(session: Session, cycle_id: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for committee in session.execute(
        # Ordered: PostgreSQL returns rows in physical order, which updates change.
        select(Committee).where(col(Committee.cycle_id) == cycle_id).order_by(col(Committee.id))
    ).scalars():
        if committee.series and committee.window_start:
            out.setdefault(committee.series, []).append(committee.id)  # type: ignore[arg-type]
    return out


def declared_facts(rng: random.Random, male: bool) -> dict[str, object]:
    """What an applicant declares for the eligibility rules: mostly clean, a few excluded."""
    facts: dict[str, object] = {}
    if not male:
        facts["female_original_age"] = 50 if rng.random() < 0.2 else 55
    r = rng.random()
    if r < 0.005:
        facts["civil_servant"] = True
    elif r < 0.015:
        facts["continuing_education_done"] = False
    elif r < 0.02:
        facts["summoned_or_under_review"] = True
    return facts


EDUCATION = ("本科", "本科", "硕士研究生", "大专", "博士研究生")


def profile(rng: random.Random, birth: dt.date, series: str, year: int) -> dict[str, object]:
    """The summary sheet's columns for a synthetic applicant (dates as ISO text)."""
    work_start = dt.date(birth.year + rng.randint(21, 25), rng.randint(7, 9), 1)
    obtained = dt.date(min(year - rng.randint(5, 12), year - 5), rng.randint(1, 12), 1)
    return {
        "work_start": work_start.isoformat(),
        "education": EDUCATION[rng.randrange(len(EDUCATION))],
        "current_title": f"{series}中级",
        "title_obtained": obtained.isoformat(),
        "title_appointed": dt.date(obtained.year, min(obtained.month + 1, 12), 1).isoformat(),
        "title_sought": f"{series}副高级",
        "years_in_field": year - work_start.year,
        "paper_level": "核心" if rng.random() < 0.4 else "省级",
        "paper_count": rng.randint(1, 5),
        "achievements_ok": True,
        "continuing_education_done": True,
        "appraisal": "称职",
        "promotion_type": "破格晋升" if rng.random() < 0.03 else "正常晋升",
        "vacancy": True,
        "review_opinion": "同意推荐",
        # a few have served long in remote villages (outside the quota, 003 附件3 二(一))
        "remote_village_years": 31 if rng.random() < 0.03 else 0,
    }


def add_applicants(
    session: Session,
    rng: random.Random,
    faker: Faker,
    province: Province,
    committees: dict[str, list[int]],
    *,
    cycle_id: str,
    year: int,
    count: int,
    now: dt.datetime,
) -> list[int]:
    """Drafts for ``count`` applicants, each with a person record (kept across years)."""
    regions = gansu_regions()
    county_codes = [k.code for c in regions for k in c.counties]
    persons, applications = [], []
    seen: set[str] = set()
    units = [u for u in province.units if u[2] in committees]
    for _n in range(count):
        unit_id, city_code, series = units[rng.randrange(len(units))]
        birth = dt.date(year - rng.randint(26, 58), rng.randint(1, 12), rng.randint(1, 28))
        male = rng.random() < 0.5
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        id_number = make_id_number(county_codes[rng.randrange(len(county_codes))], birth, sequence)
        if id_number in seen:
            continue
        seen.add(id_number)
        persons.append(
            {
                "id_number": id_number,
                "name": faker.name_male() if male else faker.name_female(),
                "male": male,
                "birth": birth,
            }
        )
        options = committees[series]
        facts = declared_facts(rng, male)
        applications.append(
            {
                "cycle_id": cycle_id,
                "year": year,
                "person_id": id_number,
                "unit_id": unit_id,
                "committee_id": options[rng.randrange(len(options))],
                "city_code": city_code,
                "series": series,
                "status": "draft",
                "created_at": now,
                "updated_at": now,
                "return_count": 0,
                "locked": False,
                "facts": facts,
                "profile": profile(rng, birth, series, year),
            }
        )
    known = {
        row[0]
        for i in range(0, len(persons), 5000)
        for row in session.execute(
            select(col(Person.id_number)).where(
                col(Person.id_number).in_([p["id_number"] for p in persons[i : i + 5000]])
            )  # type: ignore[attr-defined]
        )
    }
    fresh = [p for p in persons if p["id_number"] not in known]
    if fresh:
        session.execute(insert(Person), fresh)
    session.execute(insert(Application), applications)
    ids = (
        session.execute(
            select(col(Application.id))
            .where(col(Application.cycle_id) == cycle_id)
            .order_by(col(Application.id))  # type: ignore[arg-type]
        )
        .scalars()
        .all()
    )
    return list(ids)
