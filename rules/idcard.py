"""The 18-digit citizen ID number (GB 11643-1999), also used by the residence permits of
Hong Kong, Macao and Taiwan residents (810000/820000/830000) and the 2023 foreigners'
permanent-residence card (first digit 9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
    }
)
PERMITS = {"810000": "hk_permit", "820000": "macao_permit", "830000": "taiwan_permit"}
EARLIEST_BIRTH = dt.date(1900, 1, 1)


class InvalidIdNumber(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class IdNumber:
    value: str
    region: str
    birth: dt.date
    sequence: str
    kind: str

    @property
    def is_male(self) -> bool:
        return int(self.value[16]) % 2 == 1

    def masked(self) -> str:
        return mask(self.value)


def check_digit(first17: str) -> str:
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def mask(text: str) -> str:
    """First 6 and last 4 kept, the birth date hidden — whatever the input."""
    value = (text or "").strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _kind(region: str) -> str:
    if region[0] == "9":
        if region[1:3] not in PROVINCES:
            raise InvalidIdNumber(f"外国人永久居留身份证号第2–3位 {region[1:3]} 不是有效的省级代码")
        return "foreign_pr"
    if region[:2] in ("81", "82", "83"):
        if region not in PERMITS:
            raise InvalidIdNumber(
                f"港澳台居民居住证号码前6位应为 810000、820000 或 830000（实际为 {region}）"
            )
        return PERMITS[region]
    if region[:2] not in PROVINCES:
        raise InvalidIdNumber(f"身份证号前2位 {region[:2]} 不是有效的省级行政区划代码")
    return "resident"


def parse_id_number(text: str, on: dt.date | None = None) -> IdNumber:
    """Validates and parses; each fault is its own clear reason in Chinese."""
    value = (text or "").replace(" ", "").strip().upper()
    if len(value) != 18:
        raise InvalidIdNumber(f"身份证号应为18位（输入为 {len(value)} 位）")
    if not value[:17].isdigit():
        raise InvalidIdNumber("身份证号前17位应全部为数字")
    if not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber(f"身份证号第18位应为数字或 X（实际为 {value[17]}）")
    kind = _kind(value[:6])
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号中的出生日期 {value[6:14]} 不存在") from None
    if birth < EARLIEST_BIRTH or (on is not None and birth > on):
        raise InvalidIdNumber(f"身份证号中的出生日期 {birth.isoformat()} 不合理")
    expected = check_digit(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(f"身份证号校验码错误：第18位应为 {expected}，实际为 {value[17]}")
    return IdNumber(value, value[:6], birth, value[14:17], kind)


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid number (for synthetic applicants): region + birth + 3-digit sequence + check."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)


@dataclass(frozen=True)
class County:
    code: str
    name: str


@dataclass(frozen=True)
class City:
    code: str
    name: str
    counties: tuple[County, ...]


@lru_cache
def gansu_regions() -> tuple[City, ...]:
    """Gansu's 14 cities and prefectures with their county-level divisions."""
    text = (resources.files("rules") / "data" / "regions.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return tuple(
        City(str(c["code"]), c["name"], tuple(County(str(k), v) for k, v in c["counties"].items()))
        for c in raw["cities"]
    )
