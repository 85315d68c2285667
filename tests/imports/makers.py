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
