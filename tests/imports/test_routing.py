"""Where an imported applicant belongs (their unit's place) and the router's cases."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from dataclasses import dataclass

from sqlmodel import col, select

from models.application import Application
from models.cycle import Committee
from models.db import session_scope
from models.imports.declarations import import_declarations
from models.imports.orgs import import_orgs
from models.imports.report import Problems
from models.imports.routing import PROVINCIAL, Router, UnitPlace, places
from models.org import Organisation
from rules.routing import Committee as Hearing
from tests.factories import stored_cycle
from tests.imports.makers import credit_code, declaration_rows, numbered

NOW = dt.datetime(2024, 9, 20, 2, tzinfo=dt.UTC)
COLUMNS = ("系列", "专业", "申报级别", "评委会")


def _provincial_orgs(tag: str) -> list[dict[str, str]]:
    """A provincial department with a unit under it, a unit directly under the province and
    a Tianshui county unit."""
    serial = int(tag, 16) % 90_000 * 1000 + 500
    return [
        {
            "机构编码": f"{tag}-省水利厅",
            "机构名称": f"甘肃省水利厅（{tag}）",
            "机构类别": "行业主管部门",
            "上级机构编码": "620000",
        },
        {
            "机构编码": credit_code(serial + 1, "620000"),
            "机构名称": f"甘肃省水利水电勘测设计院（{tag}）",
            "机构类别": "用人单位",
            "主管部门编码": f"{tag}-省水利厅",
            "上级机构编码": f"{tag}-省水利厅",
        },
        {
            "机构编码": credit_code(serial + 2, "620000"),
            "机构名称": f"甘肃省科学院（{tag}）",
            "机构类别": "用人单位",
            "主管部门编码": f"{tag}-省水利厅",
            "上级机构编码": "620000",
        },
        {
            "机构编码": credit_code(serial + 3, "620502"),
            "机构名称": f"天水市秦州区水务站（{tag}）",
            "机构类别": "用人单位",
            "主管部门编码": f"{tag}-省水利厅",
            "上级机构编码": "620502",
        },
    ]


def test_a_provincial_unit_belongs_to_the_province_and_a_county_unit_to_its_city(
    db: str,
) -> None:
    tag = uuid.uuid4().hex[:6]
    orgs = _provincial_orgs(tag)
    with session_scope() as session:
        assert import_orgs(session, numbered(orgs)).errors == []
        codes = [o["机构编码"] for o in orgs[1:]]
        paths = dict(
            session.exec(
                select(col(Organisation.code), col(Organisation.path)).where(
                    col(Organisation.code).in_(codes)
                )
            ).all()
        )
        where = places(session, paths)
    under_department, under_province, county = (where[c] for c in codes)
    assert (under_department.city, under_department.city_name) == ("620000", PROVINCIAL)
    assert (under_province.city, under_province.city_name) == ("620000", PROVINCIAL)
    assert not under_department.grassroots and not under_province.grassroots
    assert f"甘肃省水利厅（{tag}）" in under_department.names
    assert (county.city, county.city_name, county.grassroots) == ("620500", "天水市", True)


def test_a_provincial_units_applicant_goes_to_the_province_wide_committee(db: str) -> None:
    """Before the fix such a unit was its own "city", so every province-wide committee refused
    it as another region's applicant."""
    tag = uuid.uuid4().hex[:6]
    orgs = _provincial_orgs(tag)
    cycle_id = stored_cycle()
    with session_scope() as session:
        assert import_orgs(session, numbered(orgs)).errors == []
    rows = declaration_rows([orgs[1], orgs[2]], 2, tag)
    for row in rows:
        row.update(系列="工程", 专业="水利工程", 申报级别="副高级")
    with session_scope() as session:
        result = import_declarations(session, numbered(rows), cycle_id=cycle_id, now=NOW)
        assert result.errors == []
        heard = dict(
            session.exec(
                select(col(Application.person_id), col(Committee.key))
                .join(Committee, col(Committee.id) == col(Application.committee_id))
                .where(col(Application.cycle_id) == cycle_id)
            ).all()
        )
    # the province's 水利工程 committee; its grassroots twin hears county staff only
    assert heard == {row["身份证号"]: "gs-53" for row in rows}


def _hearing(
    key: str,
    scope: str,
    region: str,
    specialties: frozenset[str] | None = None,
    grants: tuple[str, ...] = ("中级", "副高级", "正高级"),
    owners: frozenset[str] = frozenset(),
) -> Hearing:
    return Hearing(key, f"{key}评委会", "卫生", specialties, grants, scope, region, owners)


@dataclass
class _Row:
    row: int
    series: str
    specialty: str | None
    level: str
    committee: str | None


def test_cases_shared_by_units_route_exactly_as_each_row_alone() -> None:
    """Many units, a few cases: each row routed by the shared router gets the committee (or the
    refusal, column and words) it gets from a router that has seen nothing else."""
    hospitals = frozenset({"省人民医院", "兰大一院"})
    committees = {
        key: (n, h)
        for n, (key, h) in enumerate(
            [
                ("gs", _hearing("gs", "province", "620000")),
                ("gs-base", _hearing("gs-base", "grassroots", "620000")),
                ("lz", _hearing("lz", "city", "620100", grants=("中级",))),
                ("ts", _hearing("ts", "city", "620500", specialties=frozenset({"护理"}))),
                ("self", _hearing("self", "self", "620000", owners=hospitals)),
            ],
            start=1,
        )
    }
    rng = random.Random(11)
    above = ["省卫健委", "兰州市卫健委", "天水市卫健委", "省人民医院", "兰大一院"]
    cities = [("620100", "兰州市"), ("620500", "天水市"), ("620000", PROVINCIAL)]
    units = []
    for n in range(300):
        city, city_name = rng.choice(cities)
        names = frozenset({f"单位{n}", *rng.sample(above, rng.randint(0, 2))})
        units.append(UnitPlace(city, city_name, rng.random() < 0.4, names))
    cases = list(
        itertools.product(
            ["卫生", "工程"],
            [None, "护理"],
            ["初级", "中级", "副高级", "正高级"],
            [None, "gs-base", "lz", "self评委会", "没有的评委会"],
        )
    )
    shared = Router(committees, COLUMNS)
    routed: list[tuple[int | None, list[tuple[str, str, str]]]] = []
    alone: list[tuple[int | None, list[tuple[str, str, str]]]] = []
    unit_cases = set()
    for number in range(3000):
        place = rng.choice(units)
        row = _Row(number, *rng.choice(cases))
        unit_cases.add((place, row.series, row.specialty, row.level, row.committee))
        for router, out in ((shared, routed), (Router(committees, COLUMNS), alone)):
            problems = Problems()
            chosen = router.route(row, place, problems)
            out.append((chosen, [(e.column, e.value, e.why) for e in problems.errors]))
    assert routed == alone
    assert {c for c, _ in routed} >= {1, 2, 3, 4, 5}  # every committee hears someone
    assert any(errors for _, errors in routed)
    # a unit's own name no longer makes a case of its own: at most one per city, grassroots
    # standing and self-review owners met, where keying on every name gave one per unit
    assert len(shared.decided) <= len(cities) * 2 * 4 * len(cases) < len(unit_cases)
