"""The 18-digit citizen ID number (GB 11643-1999), also used by the residence permits of
Hong Kong, Macao and Taiwan residents (810000/820000/830000) and the 2023 foreigners'
permanent-residence card (first digit 9).

Layout: digits 1–6 region (GB/T 2260), 7–14 birth date YYYYMMDD, 15–17 sequence (odd = male),
18 check character (ISO 7064 MOD 11-2, ``0``–``9`` or ``X``). The foreigners' card reads
digit 1 = 9, digits 2–3 the issuing province, digits 4–6 the nationality code; the rest is
the same.

Region codes are checked at the province level only: a person keeps the region code of the
place where the number was first issued, and many of those codes no longer exist (622701 for
the former 平凉地区, 620824 for the former 华亭县 …), so a list of today's counties would refuse
real people. The Gansu city and county list in ``rules/data/regions.yaml`` serves the
simulation and display, not validation.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"  # the check character for a weighted sum ≡ 0..10 (mod 11)
PERMITS = {"810000": "hk_permit", "820000": "macao_permit", "830000": "taiwan_permit"}
PERMIT_NAMES = {"81": "香港居民居住证", "82": "澳门居民居住证", "83": "台湾居民居住证"}
EARLIEST_BIRTH = dt.date(1900, 1, 1)

_DIGITS = frozenset("0123456789")
# Numbers typed with a Chinese input method often arrive in full-width form.
_NORMALISE = str.maketrans("０１２３４５６７８９Ｘｘx", "0123456789XXX")


class InvalidIdNumber(ValueError):
    """An ID number that fails validation; ``reason`` says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, repr=False)
class IdNumber:
    value: str  # normalised: 18 characters, upper-case X
    region: str  # digits 1–6
    birth: dt.date
    sequence: str  # digits 15–17
    kind: str  # resident | hk_permit | macao_permit | taiwan_permit | foreign_pr

    @property
    def is_male(self) -> bool:
        return int(self.value[16]) % 2 == 1

    @property
    def province(self) -> str:
        """The province code: digits 1–2, or digits 2–3 of a foreigners' card."""
        return self.value[1:3] if self.kind == "foreign_pr" else self.value[:2]

    def masked(self) -> str:
        return mask(self.value)

    def __repr__(self) -> str:  # never put a whole number into a log line
        return f"IdNumber({self.masked()!r}, kind={self.kind!r})"


def _normalise(text: str) -> str:
    if type(text) is str and text.isascii() and text.isalnum():  # as typed, most of the time
        return text.replace("x", "X")
    return "".join(str(text or "").split()).translate(_NORMALISE)


def _is_digits(text: str) -> bool:
    return bool(text) and all(c in _DIGITS for c in text)


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not _is_digits(first17):
        raise InvalidIdNumber(f"计算校验码需要17位数字（收到 {len(first17)} 个字符）")
    return _check_character(first17)


# Each position's weighted digit, looked up by the digit character: a 100,000-row import
# checks every number, and a table look-up per digit is several times faster than int().
_WEIGHED = tuple({str(d): d * w for d in range(10)} for w in WEIGHTS)


def _check_character(first17: str) -> str:
    return CHECK[sum(map(dict.__getitem__, _WEIGHED, first17)) % 11]


def mask(text: str) -> str:
    """Masks anything, valid or not: the first 6 and the last 4 characters of an 18-character
    number stay, the birth date (characters 7–14) never shows. Shorter input shows less:
    at most 10 characters all hidden, otherwise nothing from position 7 to 14."""
    value = _normalise(text)
    n = len(value)
    if n <= 10:
        return "*" * n
    tail = max(0, min(4, n - 14))
    return value[:6] + "*" * (n - 6 - tail) + value[n - tail :]


@lru_cache
def _regions_raw() -> dict[str, Any]:
    text = (resources.files("rules") / "data" / "regions.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict):
        raise ValueError("rules/data/regions.yaml：内容应为映射")
    return raw


@lru_cache
def provinces() -> dict[str, str]:
    """Province-level codes (2 digits) of the mainland, with their names."""
    raw = _regions_raw().get("provinces")
    if not isinstance(raw, dict) or not raw:
        raise ValueError("rules/data/regions.yaml：缺少 provinces")
    out = {str(code): str(name) for code, name in raw.items()}
    bad = [code for code in out if len(code) != 2 or not _is_digits(code)]
    if bad:
        raise ValueError(f"rules/data/regions.yaml：省级代码应为2位数字：{bad}")
    return out


def _kind(region: str) -> str:
    mainland = provinces()
    if region[0] == "9":
        if region[1:3] not in mainland:
            raise InvalidIdNumber(
                f"身份证号前2位 {region[:2]} 不是有效的省级行政区划代码；"
                f"按外国人永久居留身份证看，第2–3位 {region[1:3]} 也不是有效的省级代码"
            )
        return "foreign_pr"
    if region[:2] in PERMIT_NAMES:
        if region not in PERMITS:
            expected = region[:2] + "0000"
            raise InvalidIdNumber(
                f"{PERMIT_NAMES[region[:2]]}号码前6位应为 {expected}（实际为 {region}）"
            )
        return PERMITS[region]
    if region[:2] not in mainland:
        raise InvalidIdNumber(f"身份证号前2位 {region[:2]} 不是有效的省级行政区划代码")
    return "resident"


def parse_id_number(text: str, on: dt.date | None = None) -> IdNumber:
    """Validates and parses an ID number; each fault raises :class:`InvalidIdNumber` with its
    own reason. Spaces are ignored, full-width digits and a lower-case x are accepted. With
    ``on``, a birth date after that day is refused (the caller supplies the day: no clock)."""
    parsed, wrong_check = _parsed(_normalise(text))
    if on is not None and parsed.birth > on:
        raise InvalidIdNumber(
            f"身份证号中的出生日期 {parsed.birth.isoformat()} 晚于核验日 {on.isoformat()}，不合理"
        )
    if wrong_check is not None:
        raise InvalidIdNumber(wrong_check)
    return parsed


# An applicant's number is parsed by the import and again by each eligibility rule that
# reads it (identity, retirement): the last 8,192 are kept — more than a batch of the
# simulation's draws (5,000, each number made and checked, then imported): with 4,096 the
# import met none of them any more (an LRU scanned in order). A wrong check character is
# kept as its reason, said after a birth date later than the day, as it always was.
@lru_cache(maxsize=8192)
def _parsed(value: str) -> tuple[IdNumber, str | None]:
    if not value:
        raise InvalidIdNumber("身份证号为空")
    if len(value) != 18:
        raise InvalidIdNumber(f"身份证号应为18位（输入为 {len(value)} 位）")
    first17 = value[:17]
    if not (first17.isascii() and first17.isdigit()):
        for position, char in enumerate(first17, start=1):
            if char not in _DIGITS:
                raise InvalidIdNumber(f"身份证号前17位应全部为数字（第{position}位为 “{char}”）")
    last = value[17]
    if last not in _DIGITS and last != "X":
        raise InvalidIdNumber(f"身份证号第18位应为数字或 X（实际为 “{last}”）")
    kind = _region_kind(value[:6])
    birth = _birth(value[6:14])
    expected = _check_character(first17)
    wrong_check = (
        f"身份证号校验码错误：第18位应为 {expected}，实际为 {last}" if last != expected else None
    )
    return IdNumber(value, value[:6], birth, value[14:17], kind), wrong_check


# Many applicants share a region code and a birthday: each is checked once.
_region_kind = lru_cache(maxsize=8192)(_kind)


@lru_cache(maxsize=65536)
def _birth(digits: str) -> dt.date:
    """The birth date of digits 7–14, or why it cannot be one."""
    try:
        birth = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise InvalidIdNumber(f"身份证号第7–14位 {digits} 是不存在的出生日期") from None
    if birth < EARLIEST_BIRTH:
        raise InvalidIdNumber(
            f"身份证号中的出生日期 {birth.isoformat()} 早于 {EARLIEST_BIRTH.isoformat()}，不合理"
        )
    return birth


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid number for synthetic applicants: region + birth + 3-digit sequence + check.
    An odd sequence makes a man. Raises ``ValueError`` for a sequence outside 0..999 and
    :class:`InvalidIdNumber` when the region is not valid."""
    if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 999:
        raise ValueError(f"顺序码应为 0–999 的整数（收到 {sequence!r}）")
    if len(region) != 6 or not _is_digits(region):
        raise InvalidIdNumber(f"地区码应为6位数字（收到 {region!r}）")
    first17 = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    value = first17 + check_digit(first17)
    parse_id_number(value)  # the region and the birth date must be acceptable too
    return value


# --- Gansu cities and counties (for the simulation and display) -------------------------


@dataclass(frozen=True)
class County:
    code: str
    name: str
    county_level: bool = True  # False: Jiayuguan's 市辖区, listed so the city has a "county"


@dataclass(frozen=True)
class City:
    code: str
    name: str
    counties: tuple[County, ...]


def _region_error(message: str) -> ValueError:
    return ValueError(f"rules/data/regions.yaml：{message}")


@lru_cache
def gansu_regions() -> tuple[City, ...]:
    """Gansu's 14 cities and prefectures with their county-level divisions, in code order
    as listed in ``rules/data/regions.yaml``."""
    raw = _regions_raw().get("cities")
    if not isinstance(raw, list) or not raw:
        raise _region_error("缺少 cities")
    cities: list[City] = []
    seen: set[str] = set()
    for entry in raw:
        code, name = str(entry.get("code", "")), str(entry.get("name", ""))
        if len(code) != 6 or not code.startswith("62") or not code.endswith("00"):
            raise _region_error(f"市州代码 {code!r} 不是 62xx00 形式")
        if not name:
            raise _region_error(f"市州 {code} 缺少名称")
        county_level = bool(entry.get("county_level", True))
        counties = []
        for k, v in (entry.get("counties") or {}).items():
            k = str(k)
            if len(k) != 6 or not _is_digits(k) or k[:4] != code[:4] or k in seen:
                raise _region_error(f"{name} 的县级代码 {k!r} 无效或重复")
            seen.add(k)
            counties.append(County(k, str(v), county_level))
        if not counties:
            raise _region_error(f"{name} 没有列出县级行政区")
        if code in seen:
            raise _region_error(f"市州代码 {code} 重复")
        seen.add(code)
        cities.append(City(code, name, tuple(counties)))
    return tuple(cities)


GANSU_CITIES: list[tuple[str, str]] = [(c.code, c.name) for c in gansu_regions()]
