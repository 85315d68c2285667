"""Importing the province's departments and units."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlmodel import col, func, select

from models.accounts import Account
from models.db import session_scope
from models.imports.orgs import import_orgs
from models.org import Organisation, notify_urls
from tests.imports.makers import credit_code, numbered, province_rows


def _count_named(part: str) -> int:
    with session_scope() as session:
        return session.exec(select(func.count()).where(col(Organisation.name).contains(part))).one()


def _org(code: str) -> Organisation:
    with session_scope() as session:
        found = session.exec(select(Organisation).where(Organisation.code == code)).one()
        session.expunge(found)
        return found


def test_a_province_loads_and_loads_again_unchanged(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = numbered(province_rows(2, tag))
    with session_scope() as session:
        result = import_orgs(session, rows)
    assert result.errors == []
    assert (result.added, result.updated, result.unchanged) == (len(rows), 0, 0)
    unit = rows[3][1]
    stored = _org(unit["机构编码"])
    county = _org(unit["上级机构编码"])
    department = _org(unit["主管部门编码"])
    assert stored.parent_id == county.id and stored.department_id == department.id
    assert stored.path == f"{county.path}/{stored.code}"
    assert stored.city_code == county.city_code == department.city_code
    with session_scope() as session:
        again = import_orgs(session, rows)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(rows))


def test_a_changed_row_updates_its_record_and_a_move_takes_the_subtree_along(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    dept = {"机构编码": f"D-{tag}", "机构名称": f"部门{tag}", "机构类别": "行业主管部门"}
    unit = {
        "机构编码": credit_code(int(tag, 16) % 10**7, "620102"),
        "机构名称": f"单位{tag}",
        "机构类别": "用人单位",
        "上级机构编码": f"D-{tag}",
        "主管部门编码": f"D-{tag}",
    }
    with session_scope() as session:
        first = import_orgs(session, numbered([dept | {"上级机构编码": "620100"}, unit]))
    assert (first.added, first.errors) == (2, [])
    with session_scope() as session:
        moved = import_orgs(
            session,
            numbered([dept | {"上级机构编码": "620500", "通知地址": "json://127.0.0.1:9/x"}]),
        )
    assert (moved.added, moved.updated, moved.unchanged) == (0, 1, 0)
    below = _org(unit["机构编码"])
    assert below.path == f"620000/620500/D-{tag}/{below.code}"
    assert below.city_code == "620500"
    with session_scope() as session:
        assert notify_urls(session, [f"D-{tag}", below.code]) == {
            f"D-{tag}": "json://127.0.0.1:9/x"
        }


def test_dry_run_counts_and_writes_nothing(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = numbered(province_rows(1, tag))
    with session_scope() as session:
        result = import_orgs(session, rows, dry_run=True)
    assert (result.added, result.errors) == (len(rows), [])
    assert _count_named(f"{tag}测试单位") == 0


def test_every_bad_row_is_reported_and_nothing_is_written(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    base = int(tag, 16) % 10**6 * 10
    dept, other = f"D-{tag}", f"E-{tag}"
    good_unit = credit_code(base, "620102")
    # Stored first: a department and a unit a later file may not turn into something else.
    with session_scope() as session:
        setup = import_orgs(
            session,
            numbered(
                [
                    {
                        "机构编码": dept,
                        "机构名称": f"部门{tag}",
                        "机构类别": "行业主管部门",
                        "上级机构编码": "620100",
                    },
                    {
                        "机构编码": good_unit,
                        "机构名称": f"单位{tag}",
                        "机构类别": "用人单位",
                        "上级机构编码": "620102",
                        "主管部门编码": dept,
                    },
                ]
            ),
        )
        assert setup.errors == []

    def unit(n: int, **change: str) -> dict[str, str]:
        row = {
            "机构编码": credit_code(base + n, "620102"),
            "机构名称": f"坏行单位{tag}{n}",
            "机构类别": "用人单位",
            "上级机构编码": "620102",
            "主管部门编码": dept,
        }
        return {**row, **change}

    bad_check = credit_code(base + 90, "620102")
    bad_check = bad_check[:-1] + ("0" if bad_check[-1] != "0" else "1")
    cases: list[tuple[dict[str, str], str]] = [
        (unit(1, 机构编码=""), "机构编码"),
        (unit(2, 机构编码="620100"), "机构编码"),  # a city: from the region data only
        (unit(3, 机构编码=bad_check), "机构编码"),
        (unit(4, 机构编码="91620100MA7"), "机构编码"),
        (unit(5, 机构编码="12620102IO0000000X"), "机构编码"),
        (unit(6, 机构类别="行业主管部门", 机构编码=f"D {tag}", 主管部门编码=""), "机构编码"),
        (unit(7, 机构类别="行业主管部门", 机构编码="X" * 41, 主管部门编码=""), "机构编码"),
        (unit(8, 机构名称=""), "机构名称"),
        (unit(9, 机构名称="长" * 101), "机构名称"),
        (unit(10, 机构类别=""), "机构类别"),
        (unit(11, 机构类别="市州"), "机构类别"),
        (unit(12, 机构类别="企业"), "机构类别"),
        (unit(13, 上级机构编码=""), "上级机构编码"),
        (unit(14, 上级机构编码=credit_code(base + 14, "620102")), "上级机构编码"),  # itself
        (unit(15, 上级机构编码=f"NOPE-{tag}"), "上级机构编码"),
        (unit(16, 主管部门编码=""), "主管部门编码"),
        (unit(17, 主管部门编码=f"NOPE-{tag}"), "主管部门编码"),
        (unit(18, 主管部门编码=good_unit), "主管部门编码"),  # a unit, not a department
        (unit(19, 单位性质="外企"), "单位性质"),
        (unit(20, 联系人="长" * 31), "联系人"),
        (unit(21, 联系手机="12345"), "联系手机"),
        (unit(22, 联系手机="2390931123a"), "联系手机"),
        (unit(23, 通知地址="zgb@example.gov.cn"), "通知地址"),
        (unit(24, 通知地址="nosuchscheme://host/path"), "通知地址"),
        (unit(25, 机构编码=credit_code(base + 25, "620102")), "机构编码"),  # twice, below
        (unit(26, 机构编码=good_unit, 机构类别="人才服务机构"), "机构类别"),  # kind changed
        (
            {
                "机构编码": f"L1-{tag}",
                "机构名称": "循环甲",
                "机构类别": "行业主管部门",
                "上级机构编码": f"L2-{tag}",
            },
            "上级机构编码",
        ),
        (
            {
                "机构编码": f"L2-{tag}",
                "机构名称": "循环乙",
                "机构类别": "行业主管部门",
                "上级机构编码": f"L1-{tag}",
            },
            "上级机构编码",
        ),
        (
            {
                "机构编码": other,
                "机构名称": "部门在单位下",
                "机构类别": "行业主管部门",
                "上级机构编码": good_unit,
            },
            "上级机构编码",
        ),
        (
            {
                "机构编码": f"F-{tag}",
                "机构名称": "部门填了主管部门",
                "机构类别": "行业主管部门",
                "上级机构编码": "620100",
                "主管部门编码": dept,
            },
            "主管部门编码",
        ),
        (
            {
                "机构编码": f"G-{tag}",
                "机构名称": "部门填了单位性质",
                "机构类别": "行业主管部门",
                "上级机构编码": "620100",
                "单位性质": "事业单位",
            },
            "单位性质",
        ),
        (unit(32, 上级机构编码="620500"), "上级机构编码"),  # outside the importer's city
    ]
    # Row 3 is the first of the duplicated pair (itself fine); the bad rows follow from row 4.
    rows = [unit(25), *(row for row, _ in cases)]
    expected = {(n, column) for n, (_, column) in enumerate(cases, start=4)}
    city_admin = Account(
        username=f"a-{tag}",
        display_name="兰州市",
        role="admin",
        organisation_id=_org("620100").id,
        password_hash="-",
        created_at=dt.datetime(2024, 9, 1, tzinfo=dt.UTC),
    )
    with session_scope() as session:
        result = import_orgs(session, numbered(rows), by=city_admin)
    reported = {(e.row, e.column) for e in result.errors}
    assert reported >= expected, sorted(expected - reported)
    assert len(cases) >= 30
    assert (result.added, result.updated) == (0, 0)
    assert _count_named(f"坏行单位{tag}") == 0
    assert _org(good_unit).kind == "unit"
