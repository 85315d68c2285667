"""ID numbers: check digit, birth date, region, permits, masking."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from rules.idcard import InvalidIdNumber, check_digit, make_id_number, mask, parse_id_number


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("11010519491231002X", "resident"),
        ("11010519491231002x", "resident"),
        (make_id_number("620102", dt.date(1980, 5, 17), 15), "resident"),
        (make_id_number("810000", dt.date(1990, 1, 1), 21), "hk_permit"),
        (make_id_number("820000", dt.date(1990, 1, 1), 21), "macao_permit"),
        (make_id_number("830000", dt.date(1990, 1, 1), 21), "taiwan_permit"),
        (make_id_number("962156", dt.date(1985, 3, 3), 8), "foreign_pr"),
    ],
)
def test_valid_numbers(value: str, kind: str) -> None:
    parsed = parse_id_number(value)
    assert parsed.kind == kind
    assert parsed.value == value.upper()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("62010219800517001", "18位（输入为 17 位）"),
        ("6201021980051700155", "18位（输入为 19 位）"),
        ("62010219800A170015", "前17位"),
        ("620102199902300011", "不存在"),
        ("000102198005170015", "省级行政区划代码"),
        ("990102198005170015", "永久居留"),
        ("810100199001010011", "810000"),
    ],
)
def test_invalid_numbers_say_why(value: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber, match=reason):
        parse_id_number(value)


def test_a_wrong_check_digit_names_the_right_one() -> None:
    good = make_id_number("620102", dt.date(1980, 5, 17), 15)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidIdNumber, match=f"应为 {good[17]}"):
        parse_id_number(wrong)


def test_a_birth_in_the_future_is_refused() -> None:
    value = make_id_number("620102", dt.date(2030, 1, 1), 1)
    with pytest.raises(InvalidIdNumber, match="不合理"):
        parse_id_number(value, on=dt.date(2026, 11, 22))


def test_round_trip_and_sex() -> None:
    rng = random.Random(7)
    for _ in range(500):
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20000))
        seq = rng.randrange(1000)
        parsed = parse_id_number(make_id_number("620802", birth, seq))
        assert parsed.birth == birth and parsed.is_male == (seq % 2 == 1)
        assert parsed.value[17] == check_digit(parsed.value[:17])


def test_masking() -> None:
    assert mask("620102198001010016") == "620102********0016"
    assert mask("abc") == "***"
