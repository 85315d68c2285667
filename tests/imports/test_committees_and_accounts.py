"""Importing a city's own committees for a cycle, and accounts top-down."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import col, select

from models.accounts import Account, password_matches, password_problem
from models.cycle import Committee
from models.db import session_scope
from models.imports.accounts import import_accounts
from models.imports.committees import import_committees
from models.imports.orgs import import_orgs
from models.org import Organisation
from tests.factories import stored_cycle
from tests.imports.makers import committee_rows, numbered, province_rows

NOW = dt.datetime(2024, 9, 2, 1, tzinfo=dt.UTC)


def _province(tag: str) -> list[dict[str, str]]:
    rows = province_rows(1, tag)
    with session_scope() as session:
        assert import_orgs(session, numbered(rows)).errors == []
    return rows


def test_committees_load_once_hear_their_city_and_update_when_changed(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    _province(tag)
    cycle_id = stored_cycle()
    rows = committee_rows(tag)
    rows[0]["评审专业"] = "化学实验、物理实验"
    with session_scope() as session:
        first = import_committees(session, numbered(rows), cycle_id=cycle_id)
    assert (first.added, first.errors) == (14, [])
    with session_scope() as session:
        again = import_committees(session, numbered(rows), cycle_id=cycle_id)
        assert (again.added, again.updated, again.unchanged) == (0, 0, 14)
    rows[1]["评审结束日期"] = "2024-12-20"
    with session_scope() as session:
        changed = import_committees(session, numbered(rows), cycle_id=cycle_id)
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 13)
    with session_scope() as session:
        stored = {
            c.key: c
            for c in session.exec(select(Committee).where(col(Committee.cycle_id) == cycle_id))
        }
    lanzhou = stored[f"{tag}-620100"]
    assert (lanzhou.region, lanzhou.level, lanzhou.scope) == ("620100", "intermediate", "city")
    assert lanzhou.specialties == ["化学实验", "物理实验"]
    assert stored[f"{tag}-620200"].window_last_day == dt.date(2024, 12, 20)
    assert stored["jyg-gc-zj"].owner_id is None  # the file's own committees stay as they were


def test_every_bad_committee_row_is_reported_and_nothing_is_written(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    orgs = _province(tag)
    cycle_id = stored_cycle()
    unit = next(r["机构编码"] for r in orgs if r["机构类别"] == "用人单位")
    good = committee_rows(tag)
    cases: list[tuple[dict[str, str], str]] = [
        ({"评委会编码": "有 空格"}, "评委会编码"),
        ({"评委会名称": ""}, "评委会名称"),
        ({"组建单位编码": ""}, "组建单位编码"),
        ({"组建单位编码": f"NOPE-{tag}"}, "组建单位编码"),
        ({"组建单位编码": unit}, "组建单位编码"),  # a unit does not organise committees
        ({"系列": ""}, "系列"),
        ({"级别": "副高级"}, "级别"),
        ({"适用范围": "全国"}, "适用范围"),
        ({"评审开始日期": "2024-11-1"}, "评审开始日期"),
        ({"评审结束日期": "2024-11-01"}, "评审结束日期"),  # before the start
        ({"评委会编码": "jyg-gc-zj"}, "评委会编码"),  # the cycle file's committee
        ({"评委会编码": good[0]["评委会编码"]}, "评委会编码"),  # twice in the file
        ({"组建单位编码": "620000", "适用范围": "本市州"}, "适用范围"),
    ]
    rows = [good[0], *({**good[n + 1], **change} for n, (change, _) in enumerate(cases))]
    with session_scope() as session:
        result = import_committees(session, numbered(rows), cycle_id=cycle_id)
    reported = {(e.row, e.column) for e in result.errors}
    expected = {(n, column) for n, (_, column) in enumerate(cases, start=4)}
    assert reported >= expected, sorted(expected - reported)
    with session_scope() as session:
        assert (
            session.exec(
                select(Committee).where(
                    col(Committee.cycle_id) == cycle_id, col(Committee.owner_id).is_not(None)
                )
            ).all()
            == []
        )


def test_accounts_get_generated_passwords_and_the_flag_and_keep_them_on_reimport(
    db: str,
) -> None:
    tag = uuid.uuid4().hex[:6]
    orgs = _province(tag)
    rows = [
        {"用户名": f"{tag}-{n}", "角色": "业务管理员", "机构编码": r["机构编码"]}
        for n, r in enumerate(orgs[:4])
    ]
    with session_scope() as session:
        first = import_accounts(session, numbered(rows), now=NOW)
    assert (first.added, first.errors) == (4, [])
    assert set(first.passwords) == {r["用户名"] for r in rows}
    assert all(password_problem(p) is None for p in first.passwords.values())
    with session_scope() as session:
        made = session.exec(select(Account).where(col(Account.username) == f"{tag}-0")).one()
    assert made.must_change_password
    assert password_matches(first.passwords[f"{tag}-0"], made.password_hash)
    rows[1]["角色"] = "只读查看"
    with session_scope() as session:
        again = import_accounts(session, numbered(rows), now=NOW)
    assert (again.added, again.updated, again.unchanged, again.passwords) == (0, 1, 3, {})
    with session_scope() as session:
        kept = session.exec(select(Account).where(col(Account.username) == f"{tag}-0")).one()
    assert kept.password_hash == made.password_hash


def test_an_account_above_the_importers_level_is_refused_with_the_other_bad_rows(
    db: str,
) -> None:
    tag = uuid.uuid4().hex[:6]
    orgs = _province(tag)
    lanzhou_dept = f"{tag}-620100-工信局"
    with session_scope() as session:
        city = session.exec(select(Organisation).where(Organisation.code == "620100")).one()
        city_admin = Account(
            username=f"{tag}-city",
            display_name=city.name,
            role="admin",
            organisation_id=city.id,
            password_hash="-",
            created_at=NOW,
        )
        session.add(city_admin)
        session.flush()
        cases: list[tuple[dict[str, str], str]] = [
            ({"用户名": ""}, "用户名"),
            ({"用户名": "有 空格"}, "用户名"),
            ({"角色": "超级管理员"}, "角色"),
            ({"机构编码": ""}, "机构编码"),  # neither an organisation nor a committee
            ({"机构编码": f"NOPE-{tag}"}, "机构编码"),
            ({"机构编码": "620000", "角色": "系统管理员"}, "机构编码"),  # the province: above
            ({"机构编码": "620500"}, "机构编码"),  # another city
            ({"机构编码": "", "评委会编码": "jyg-gc-zj"}, "周期编号"),
            ({"机构编码": "", "评委会编码": "jyg-gc-zj", "周期编号": "nope"}, "评委会编码"),
            ({"用户名": f"{tag}-0"}, "用户名"),  # twice in the file
        ]
        base = {"角色": "业务管理员", "机构编码": lanzhou_dept}
        rows = [{**base, "用户名": f"{tag}-0"}]
        rows += [
            {**base, "用户名": f"{tag}-{n + 1}", **change} for n, (change, _) in enumerate(cases)
        ]
        result = import_accounts(session, numbered(rows), now=NOW, by=city_admin)
        session.rollback()
    reported = {(e.row, e.column) for e in result.errors}
    expected = {(n, column) for n, (_, column) in enumerate(cases, start=4)}
    assert reported >= expected, sorted(expected - reported)
    assert result.passwords == {} and orgs
    with session_scope() as session:
        assert session.exec(select(Account).where(col(Account.username) == f"{tag}-0")).all() == []
