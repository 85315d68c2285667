"""Rows as an office would fill the templates: a province's departments and units, and its
applicants; valid unless a test spoils them."""

from __future__ import annotations

import datetime as dt
import random

from rules.credit_code import check_character, organisation_check_character
from rules.idcard import gansu_regions, make_id_number


def credit_code(serial: int, region: str = "620200", authority: str = "12") -> str:
    """A valid unified social credit code (GB 32100) for the ``serial``-th test unit."""
    org8 = f"{serial:08d}"
    first17 = authority + region + org8 + organisation_check_character(org8)
    return first17 + check_character(first17)


def province_rows(units_per_city: int, tag: str) -> list[dict[str, str]]:
    """One 工信局 and one 卫健委 per city, each city's units under its counties; codes differ
    from tag to tag, so tests sharing a database do not meet."""
    rows: list[dict[str, str]] = []
    serial = int(tag, 16) % 90_000 * 1000
    for city in gansu_regions():
        for dept in ("工信局", "卫健委"):
            rows.append(
                {
                    "机构编码": f"{tag}-{city.code}-{dept}",
                    "机构名称": f"{city.name}{dept}",
                    "机构类别": "行业主管部门",
                    "上级机构编码": city.code,
                }
            )
        for n in range(units_per_city):
            serial += 1
            county = city.counties[n % len(city.counties)]
            dept = ("工信局", "卫健委")[n % 2]
            rows.append(
                {
                    "机构编码": credit_code(serial, county.code),
                    "机构名称": f"{county.name}{tag}测试单位{n + 1}",
                    "机构类别": "用人单位",
                    "上级机构编码": county.code,
                    "主管部门编码": f"{tag}-{city.code}-{dept}",
                    "单位性质": "事业单位",
                    "联系人": "张三",
                    "联系手机": f"1390931{serial % 10000:04d}",
                }
            )
    return rows


def numbered(rows: list[dict[str, str]], first: int = 3) -> list[tuple[int, dict[str, str]]]:
    """Row numbers as in a template file: heading on row 1, the note on row 2."""
    return list(enumerate(rows, start=first))


def applicant_id(rng: random.Random, year: int = 2024) -> str:
    birth = dt.date(year - rng.randint(28, 55), rng.randint(1, 12), rng.randint(1, 28))
    return make_id_number("620102", birth, rng.randrange(1000))


def committee_rows(tag: str, series: str = "实验技术") -> list[dict[str, str]]:
    """One intermediate committee of ``series`` per city, organised by its 工信局."""
    return [
        {
            "评委会编码": f"{tag}-{city.code}",
            "评委会名称": f"{city.name}{series}系列中级职称评审委员会（{tag}）",
            "组建单位编码": f"{tag}-{city.code}-工信局",
            "系列": series,
            "级别": "中级",
            "适用范围": "本市州",
            "评审开始日期": "2024-11-11",
            "评审结束日期": "2024-12-10",
        }
        for city in gansu_regions()
    ]


def declaration_rows(
    units: list[dict[str, str]], count: int, tag: str, series: str = "实验技术"
) -> list[dict[str, str]]:
    """``count`` applicants spread over ``units``; ID numbers unique to the tag (their region
    code is checked at province level only)."""
    rng = random.Random(tag)
    region = f"62{int(tag, 16) % 9000 + 1000:04d}"
    seen: set[str] = set()
    rows: list[dict[str, str]] = []
    while len(rows) < count:
        birth = dt.date(rng.randint(1970, 1996), rng.randint(1, 12), rng.randint(1, 28))
        id_number = make_id_number(region, birth, rng.randrange(1000))
        if id_number in seen:
            continue
        seen.add(id_number)
        unit = units[len(rows) % len(units)]
        rows.append(
            {
                "单位统一社会信用代码": unit["机构编码"],
                "工作单位": unit["机构名称"],
                "姓名": f"申报人{len(rows)}",
                "身份证号": id_number,
                "参加工作时间": f"{birth.year + 22}-07-01",
                "学历": "本科",
                "现任职务-资格名称": f"{series}初级",
                "现任职务-取得时间": "2018-07-01",
                "拟晋升职务": f"{series}中级",
                "专业工作年限": "8",
                "是否完成继续教育": "是",
                "系列": series,
                "申报级别": "中级",
            }
        )
    return rows
