"""ID numbers (GB 11643-1999): check digit, birth date, region, permits, masking, the Gansu
region data."""

from __future__ import annotations

import datetime as dt
import random
import subprocess
import sys

import pytest

from rules.idcard import (
    GANSU_CITIES,
    InvalidIdNumber,
    check_digit,
    gansu_regions,
    make_id_number,
    mask,
    parse_id_number,
)


def with_check(first17: str) -> str:
    """A number that is correct in its check digit, so a test isolates one other fault."""
    return first17 + check_digit(first17)


def wrong_check(first17: str) -> str:
    right = check_digit(first17)
    return first17 + ("0" if right != "0" else "1")


# --- the check digit ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first17", "digit"),
    [
        ("11010519491231002", "X"),  # the well-known sample 11010519491231002X
        ("44052418800101001", "4"),  # the example of GB 11643-1999 itself
        ("62010219800101001", "7"),
        ("00000000000000000", "1"),  # weighted sum 0 → "1"
    ],
)
def test_check_digit(first17: str, digit: str) -> None:
    assert check_digit(first17) == digit


@pytest.mark.parametrize("first17", ["1101051949123100", "110105194912310021", "1101051949123100A"])
def test_check_digit_needs_17_digits(first17: str) -> None:
    with pytest.raises(InvalidIdNumber, match="17位数字"):
        check_digit(first17)


def test_every_check_character_occurs() -> None:
    """The mapping 0..10 → 1 0 X 9 8 7 6 5 4 3 2 is a bijection over the 11 characters."""
    seen = {check_digit(f"6201021980010100{d}") for d in range(10)}
    seen |= {check_digit(f"620102198001010{d}0") for d in range(10)}
    assert seen == set("10X98765432")


# --- valid numbers --------------------------------------------------------------------


# fmt: off
@pytest.mark.parametrize(
    ("text", "value", "kind", "region", "birth", "sequence", "male"),
    [
        ("11010519491231002X", "11010519491231002X", "resident", "110105", (1949, 12, 31), "002", False),
        ("11010519491231002x", "11010519491231002X", "resident", "110105", (1949, 12, 31), "002", False),
        (" 110105 19491231 002x ", "11010519491231002X", "resident", "110105", (1949, 12, 31), "002", False),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X", "resident", "110105", (1949, 12, 31), "002", False),
        ("620102198001010017", "620102198001010017", "resident", "620102", (1980, 1, 1), "001", True),
        (with_check("62292719750101123"), None, "resident", "622927", (1975, 1, 1), "123", True),
        (with_check("65010120000229002"), None, "resident", "650101", (2000, 2, 29), "002", False),
        (with_check("81000019900101021"), None, "hk_permit", "810000", (1990, 1, 1), "021", True),
        (with_check("82000019900101022"), None, "macao_permit", "820000", (1990, 1, 1), "022", False),
        (with_check("83000019900101023"), None, "taiwan_permit", "830000", (1990, 1, 1), "023", True),
        # 2023 foreigners' card: 9, issuing province 62 (Gansu), nationality code 156
        (with_check("96215619850303008"), None, "foreign_pr", "962156", (1985, 3, 3), "008", False),
        (with_check("91184019900101001"), None, "foreign_pr", "911840", (1990, 1, 1), "001", True),
        (with_check("11000019000101001"), None, "resident", "110000", (1900, 1, 1), "001", True),
    ],
)
# fmt: on
def test_valid_numbers(text, value, kind, region, birth, sequence, male) -> None:
    parsed = parse_id_number(text)
    assert parsed.value == (value or text)
    assert len(parsed.value) == 18
    assert (parsed.kind, parsed.region, parsed.sequence) == (kind, region, sequence)
    assert parsed.birth == dt.date(*birth)
    assert parsed.is_male is male


def test_province_of_a_foreigners_card_is_digits_2_and_3() -> None:
    assert parse_id_number(with_check("96215619850303008")).province == "62"
    assert parse_id_number("620102198001010017").province == "62"


def test_a_birth_on_the_day_itself_is_accepted() -> None:
    value = with_check("62010220261122001")
    assert parse_id_number(value, on=dt.date(2026, 11, 22)).birth == dt.date(2026, 11, 22)


# --- invalid numbers, one reason each -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "身份证号为空"),
        ("   ", "身份证号为空"),
        ("62010219800101001", "身份证号应为18位（输入为 17 位）"),
        ("6201021980010100166", "身份证号应为18位（输入为 19 位）"),
        ("620102", "身份证号应为18位（输入为 6 位）"),
        ("62010219800A010016", "前17位应全部为数字（第12位为 “A”）"),
        ("X20102198001010016", "前17位应全部为数字（第1位为 “X”）"),
        ("62010219800101001Y", "第18位应为数字或 X（实际为 “Y”）"),
        ("62010219800101001²", "第18位应为数字或 X"),  # a Unicode digit is not a digit here
        (with_check("62010219990230001"), "19990230 是不存在的出生日期"),
        (with_check("62010219991301001"), "19991301 是不存在的出生日期"),
        (with_check("62010220230229001"), "20230229 是不存在的出生日期"),
        (with_check("62010219990000001"), "19990000 是不存在的出生日期"),
        (with_check("62010218991231001"), "1899-12-31 早于 1900-01-01"),
        (with_check("00010219800101001"), "前2位 00 不是有效的省级行政区划代码"),
        (with_check("99010219800101001"), "前2位 99 不是有效的省级行政区划代码"),
        (with_check("16010219800101001"), "前2位 16 不是有效的省级行政区划代码"),
        (with_check("71010019800101001"), "前2位 71 不是有效的省级行政区划代码"),
        (with_check("90015619800101001"), "第2–3位 00 也不是有效的省级代码"),
        (with_check("81010019900101001"), "香港居民居住证号码前6位应为 810000（实际为 810100）"),
        (with_check("82000119900101001"), "澳门居民居住证号码前6位应为 820000（实际为 820001）"),
        (with_check("83010019900101001"), "台湾居民居住证号码前6位应为 830000（实际为 830100）"),
    ],
)
def test_invalid_numbers_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(text)
    assert reason in caught.value.reason
    assert str(caught.value) == caught.value.reason
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "first17",
    ["11010519491231002", "62010219800101001", "81000019900101021", "96215619850303008"],
)
def test_a_wrong_check_digit_names_the_right_one(first17: str) -> None:
    wrong = wrong_check(first17)
    expected = f"身份证号校验码错误：第18位应为 {check_digit(first17)}，实际为 {wrong[17]}"
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(wrong)
    assert caught.value.reason == expected


def test_a_birth_after_the_given_day_is_refused() -> None:
    value = make_id_number("620102", dt.date(2030, 1, 1), 1)
    parse_id_number(value)  # no day given: nothing to compare with
    with pytest.raises(InvalidIdNumber, match="2030-01-01 晚于核验日 2026-11-22"):
        parse_id_number(value, on=dt.date(2026, 11, 22))


def test_a_later_birth_is_named_before_a_wrong_check_digit() -> None:
    """A parse is kept for the number's next reader (the eligibility rules); each fault is
    still said in the same order, whichever of them parsed it first."""
    wrong = wrong_check(make_id_number("620102", dt.date(2030, 1, 1), 1)[:17])
    for _ in range(2):
        with pytest.raises(InvalidIdNumber, match="2030-01-01 晚于核验日 2026-11-22"):
            parse_id_number(wrong, on=dt.date(2026, 11, 22))
        with pytest.raises(InvalidIdNumber, match="校验码错误"):
            parse_id_number(wrong)


# --- masking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("620102198001010016", "620102********0016"),
        ("11010519491231002x", "110105********002X"),
        (" 620102 19800101 0016 ", "620102********0016"),
        ("62010219800101001", "620102********001"),  # 17: the birth date stays hidden
        ("6201021980010100166", "620102*********0166"),
        ("620102800101001", "620102********1"),  # the old 15-digit form
        ("62010219800", "620102*****"),
        ("abc", "***"),
        ("", ""),
    ],
)
def test_masking(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_masking_never_shows_the_birth_date() -> None:
    rng = random.Random(11)
    for _ in range(200):
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25000))
        value = make_id_number("620102", birth, rng.randrange(1000))
        assert mask(value)[6:14] == "********"
        parsed = parse_id_number(value)
        assert parsed.masked() == mask(value)
        assert value not in repr(parsed) and f"{birth:%Y%m%d}" not in repr(parsed)


# --- synthetic numbers ----------------------------------------------------------------


def test_make_id_number_round_trip() -> None:
    rng = random.Random(20240913)
    regions = [k.code for c in gansu_regions() for k in c.counties]
    regions += ["110105", "810000", "820000", "830000", "962156"]
    for _ in range(2000):
        region = rng.choice(regions)
        birth = dt.date(1900, 1, 1) + dt.timedelta(days=rng.randrange(46000))
        sequence = rng.randrange(1000)
        value = make_id_number(region, birth, sequence)
        parsed = parse_id_number(value)
        assert (parsed.region, parsed.birth, parsed.sequence) == (region, birth, f"{sequence:03d}")
        assert parsed.is_male == (sequence % 2 == 1)
        assert value[17] == check_digit(value[:17])


@pytest.mark.parametrize("sequence", [-1, 1000, True])
def test_make_id_number_wants_a_sequence_0_to_999(sequence) -> None:
    with pytest.raises(ValueError, match="0–999"):
        make_id_number("620102", dt.date(1980, 1, 1), sequence)


@pytest.mark.parametrize(
    ("region", "birth", "reason"),
    [
        ("62010", dt.date(1980, 1, 1), "6位数字"),
        ("990000", dt.date(1980, 1, 1), "省级"),
        ("810100", dt.date(1980, 1, 1), "810000"),
        ("620102", dt.date(1899, 12, 31), "早于"),
    ],
)
def test_make_id_number_refuses_what_it_cannot_build(region, birth, reason) -> None:
    with pytest.raises(InvalidIdNumber, match=reason):
        make_id_number(region, birth, 1)


# --- Gansu cities and counties --------------------------------------------------------


def test_the_14_cities_of_gansu() -> None:
    assert GANSU_CITIES == [
        ("620100", "兰州市"),
        ("620200", "嘉峪关市"),
        ("620300", "金昌市"),
        ("620400", "白银市"),
        ("620500", "天水市"),
        ("620600", "武威市"),
        ("620700", "张掖市"),
        ("620800", "平凉市"),
        ("620900", "酒泉市"),
        ("621000", "庆阳市"),
        ("621100", "定西市"),
        ("621200", "陇南市"),
        ("622900", "临夏回族自治州"),
        ("623000", "甘南藏族自治州"),
    ]
    assert [(c.code, c.name) for c in gansu_regions()] == GANSU_CITIES


def test_the_86_county_level_divisions() -> None:
    regions = gansu_regions()
    counties = [k for c in regions for k in c.counties if k.county_level]
    assert len(counties) == 86
    # 17 districts, 5 county-level cities, 57 counties, 7 autonomous counties
    assert sum(k.name.endswith("区") for k in counties) == 17
    assert sum(k.name.endswith("市") for k in counties) == 5
    assert sum(k.name.endswith("自治县") for k in counties) == 7
    assert sum(k.name.endswith("县") and not k.name.endswith("自治县") for k in counties) == 57
    # Jiayuguan has none: its 市辖区 code is listed so the simulation has a place there
    jiayuguan = next(c for c in regions if c.code == "620200")
    assert [(k.code, k.county_level) for k in jiayuguan.counties] == [("620201", False)]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("620102", "城关区"),
        ("620123", "榆中县"),
        ("620302", "金川区"),
        ("620525", "张家川回族自治县"),
        ("620623", "天祝藏族自治县"),
        ("620721", "肃南裕固族自治县"),
        ("620881", "华亭市"),
        ("620982", "敦煌市"),
        ("621022", "环县"),
        ("621126", "岷县"),
        ("621228", "两当县"),
        ("622927", "积石山保安族东乡族撒拉族自治县"),
        ("623027", "夏河县"),
    ],
)
def test_known_county_codes(code: str, name: str) -> None:
    names = {k.code: k.name for c in gansu_regions() for k in c.counties}
    assert names[code] == name


def test_every_county_code_is_inside_its_city_and_makes_a_valid_number() -> None:
    for city in gansu_regions():
        for county in city.counties:
            assert county.code[:4] == city.code[:4]
            parse_id_number(make_id_number(county.code, dt.date(1980, 1, 1), 1))


def test_the_data_loads_from_any_directory(tmp_path) -> None:
    code = (
        "from rules.idcard import GANSU_CITIES, parse_id_number;"
        "print(len(GANSU_CITIES), parse_id_number('11010519491231002X').kind)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["14", "resident"]
