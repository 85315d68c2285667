"""Who creates a private organisation's accounts, by sector (003 附件2 二, rules/data/accounts.yaml):
民办技工院校 the province, 民办中小学 the education department, 民营医院 the health department,
民营企业 the county office where it is — enforced on the API and the accounts import."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from models.accounts import Account
from models.db import session_scope
from models.imports.accounts import import_accounts
from models.org import Organisation
from rules.accounts import private_creator_refusal, sector_of, sector_rules
from tests.domain.notices import clause_text
from tests.factories import unit_in_tree
from tests.imports.makers import numbered


@dataclass(frozen=True)
class Org:
    kind: str
    name: str
    path: str
    unit_type: str | None = None


PROVINCE = Org("province", "甘肃省人社厅", "620000")
CITY = Org("city", "平凉市人社局", "620000/620800")
COUNTY = Org("county", "崆峒区人社局", "620000/620800/620802")
OTHER_COUNTY = Org("county", "泾川县人社局", "620000/620800/620821")
EDUCATION = Org("department", "平凉市教育局", "620000/620800/D1")
HEALTH = Org("department", "平凉市卫生健康委员会", "620000/620800/D2")
INDUSTRY = Org("department", "平凉市工信局", "620000/620800/D3")
ENTERPRISE = Org("unit", "平凉某某科技有限公司", "620000/620800/620802/U1", "private_enterprise")
SCHOOL = Org("unit", "平凉某某中学", "620000/620800/D1/U2", "social_org")
TECH_SCHOOL = Org("unit", "平凉某某技工学校", "620000/620800/U3", "social_org")
HOSPITAL = Org("unit", "平凉某某医院", "620000/620800/D2/U4", "private_enterprise")


@pytest.mark.parametrize(
    ("creator", "target", "allowed"),
    [
        (COUNTY, ENTERPRISE, True),
        (OTHER_COUNTY, ENTERPRISE, False),  # not where the enterprise is
        (CITY, ENTERPRISE, False),
        (INDUSTRY, ENTERPRISE, False),
        (EDUCATION, SCHOOL, True),
        (HEALTH, SCHOOL, False),
        (CITY, SCHOOL, False),
        (HEALTH, HOSPITAL, True),
        (EDUCATION, HOSPITAL, False),
        (PROVINCE, TECH_SCHOOL, True),  # a 技工学校 is not an ordinary school
        (EDUCATION, TECH_SCHOOL, False),
        (CITY, TECH_SCHOOL, False),
    ],
)
def test_each_sector_has_its_office(creator: Org, target: Org, allowed: bool) -> None:
    why = private_creator_refusal(creator, target)
    assert (why is None) == allowed, why
    if why is not None:
        assert "003 附件2 二" in why and target.name in why


def test_organisations_outside_the_sectors_keep_the_top_down_rule() -> None:
    for org in (
        Org("unit", "平凉市人民医院", "620000/620800/D2/U5", "public_institution"),
        Org("unit", "平凉某某国有公司", "620000/620800/U6", "state_enterprise"),
        Org("unit", "平凉某某协会", "620000/620800/U7", "social_org"),
        Org("unit", "平凉某某公司", "620000/620800/U8", None),
    ):
        assert sector_of(org) is None
        assert private_creator_refusal(CITY, org) is None


def test_every_sector_quotes_its_clause() -> None:
    rules = sector_rules()
    text = clause_text(rules.notice, rules.clause)
    assert text is not None
    assert [s.title for s in rules.sectors] == [
        "民办技工院校",
        "民办中小学校",
        "民营医院",
        "民营企业",
    ]
    for sector in rules.sectors:
        assert sector.quote in text, sector.key


def _org(session: Session, **values: object) -> Organisation:
    org = Organisation(**values)
    session.add(org)
    session.flush()
    return org


NOW = dt.datetime(2024, 9, 2, 1, tzinfo=dt.UTC)


def test_the_import_lets_only_the_county_create_a_private_enterprise(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    unit_in_tree()  # the province and Jiayuguan
    with session_scope() as session:
        city = session.exec(select(Organisation).where(Organisation.code == "620200")).first()
        assert city is not None and city.id is not None
        county = _org(
            session,
            code=f"C-{tag}",
            name=f"测试区人社局{tag}",
            kind="county",
            parent_id=city.id,
            city_code="620200",
            path=f"{city.path}/C-{tag}",
        )
        assert county.id is not None
        under_county = _org(
            session,
            code=f"E1-{tag}",
            name=f"某某科技有限公司{tag}",
            kind="unit",
            parent_id=county.id,
            city_code="620200",
            unit_type="private_enterprise",
            path=f"{county.path}/E1-{tag}",
        )
        under_city = _org(
            session,
            code=f"E2-{tag}",
            name=f"某某商贸有限公司{tag}",
            kind="unit",
            parent_id=city.id,
            city_code="620200",
            unit_type="private_enterprise",
            path=f"{city.path}/E2-{tag}",
        )
        admins = {}
        for org in (city, county):
            admins[org.kind] = Account(
                username=f"{tag}-{org.kind}",
                display_name=org.name,
                role="admin",
                organisation_id=org.id,
                password_hash="-",
                created_at=NOW,
            )
            session.add(admins[org.kind])
        session.flush()
        by_city = import_accounts(
            session,
            numbered([{"用户名": f"{tag}-e2", "角色": "系统管理员", "机构编码": under_city.code}]),
            now=NOW,
            by=admins["city"],
        )
        (error,) = by_city.errors
        assert "由企业所在地县（市、区）职改办创建" in error.why and by_city.added == 0
        by_county = import_accounts(
            session,
            numbered(
                [{"用户名": f"{tag}-e1", "角色": "系统管理员", "机构编码": under_county.code}]
            ),
            now=NOW,
            by=admins["county"],
        )
        assert (by_county.errors, by_county.added) == ([], 1)
        session.rollback()
