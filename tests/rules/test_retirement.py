"""The retirement reform around its boundaries, for all three groups, against the tables
attached to the 2024 decision; the year-end rule; inputs; the data file."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.retirement import (
    MissingInput,
    RetirementDataError,
    default_rules,
    reaches_retirement_by,
    retirement_for,
    rules_from_mapping,
)

MALE, F55, F50 = (True, None), (False, 55), (False, 50)


@pytest.mark.parametrize(
    ("born", "who", "age", "month"),
    [
        # men: 60 → 63, one month later per 4 months of birth from January 1965
        ((1960, 1), MALE, (60, 0), "2020-01"),
        ((1964, 12), MALE, (60, 0), "2024-12"),
        ((1965, 1), MALE, (60, 1), "2025-02"),
        ((1965, 4), MALE, (60, 1), "2025-05"),
        ((1965, 5), MALE, (60, 2), "2025-07"),
        ((1965, 8), MALE, (60, 2), "2025-10"),
        ((1965, 9), MALE, (60, 3), "2025-12"),
        ((1965, 10), MALE, (60, 3), "2026-01"),
        ((1966, 1), MALE, (60, 4), "2026-05"),
        ((1970, 1), MALE, (61, 4), "2031-05"),
        ((1976, 5), MALE, (62, 11), "2039-04"),
        ((1976, 8), MALE, (62, 11), "2039-07"),  # the month before the cap
        ((1976, 9), MALE, (63, 0), "2039-09"),  # the cap: 36 months added
        ((1976, 12), MALE, (63, 0), "2039-12"),
        ((1990, 6), MALE, (63, 0), "2053-06"),
        # women whose original age was 55: 55 → 58, per 4 months from January 1970
        ((1969, 12), F55, (55, 0), "2024-12"),
        ((1970, 1), F55, (55, 1), "2025-02"),
        ((1970, 4), F55, (55, 1), "2025-05"),
        ((1970, 5), F55, (55, 2), "2025-07"),
        ((1975, 1), F55, (56, 4), "2031-05"),
        ((1981, 8), F55, (57, 11), "2039-07"),  # the month before the cap
        ((1981, 9), F55, (58, 0), "2039-09"),  # the cap
        ((1995, 3), F55, (58, 0), "2053-03"),
        # women whose original age was 50: 50 → 55, per 2 months from January 1975
        ((1974, 12), F50, (50, 0), "2024-12"),
        ((1975, 1), F50, (50, 1), "2025-02"),
        ((1975, 2), F50, (50, 1), "2025-03"),
        ((1975, 3), F50, (50, 2), "2025-05"),
        ((1975, 4), F50, (50, 2), "2025-06"),
        ((1980, 1), F50, (52, 7), "2032-08"),
        ((1984, 9), F50, (54, 11), "2039-08"),
        ((1984, 10), F50, (54, 11), "2039-09"),  # the month before the cap
        ((1984, 11), F50, (55, 0), "2039-11"),  # the cap: 60 months added
        ((1984, 12), F50, (55, 0), "2039-12"),
        ((1990, 7), F50, (55, 0), "2045-07"),
    ],
)
def test_retirement_age_and_month(born, who, age, month) -> None:
    male, original = who
    for day in (1, 15, 28):  # only the birth month counts
        result = retirement_for(dt.date(*born, day), male=male, female_original_age=original)
        assert (result.age_years, result.age_months) == age
        assert result.month_text == month
        assert result.month == dt.date(int(month[:4]), int(month[5:]), 1)


@pytest.mark.parametrize(
    ("who", "group", "first", "cap_from", "original", "target"),
    [
        (MALE, "male", (1965, 1), (1976, 9), 60, 63),
        (F55, "female_55", (1970, 1), (1981, 9), 55, 58),
        (F50, "female_50", (1975, 1), (1984, 11), 50, 55),
    ],
)
def test_every_birth_month_from_1950_to_2000(who, group, first, cap_from, original, target) -> None:
    """Across all months: the original age before the first birth month, the target age from
    the cap on, never more; later births never retire earlier or at a younger age."""
    male, original_age = who
    previous = None
    for index in range(1950 * 12, 2001 * 12):
        birth = dt.date(index // 12, index % 12 + 1, 1)
        r = retirement_for(birth, male=male, female_original_age=original_age)
        months = r.age_years * 12 + r.age_months
        assert r.group == group
        if (birth.year, birth.month) < first:
            assert months == original * 12
        elif (birth.year, birth.month) >= cap_from:
            assert months == target * 12
        else:
            assert original * 12 < months < target * 12
        if previous is not None:
            assert r.month > previous.month
            assert months >= previous.age_years * 12 + previous.age_months
            assert months - (previous.age_years * 12 + previous.age_months) <= 1
        previous = r


@pytest.mark.parametrize(
    ("born", "who", "year", "reached"),
    [
        ((1964, 12), MALE, 2024, True),  # retires in December 2024: reached by 12/31/2024
        ((1965, 1), MALE, 2024, False),  # retires in February 2025
        ((1965, 1), MALE, 2025, True),
        ((1965, 9), MALE, 2025, True),  # December 2025
        ((1965, 10), MALE, 2025, False),  # January 2026
        ((1965, 10), MALE, 2026, True),
        ((1963, 12), MALE, 2023, True),  # before the reform: December 2023
        ((1964, 1), MALE, 2023, False),  # January 2024
        ((1969, 12), F55, 2024, True),
        ((1970, 1), F55, 2024, False),
        ((1974, 12), F50, 2024, True),
        ((1975, 1), F50, 2024, False),
        ((1984, 11), F50, 2039, True),  # November 2039
        ((1985, 1), F50, 2039, False),  # January 2040
    ],
)
def test_reached_by_the_end_of_the_year(born, who, year, reached) -> None:
    male, original = who
    birth = dt.date(*born, 20)
    assert (
        reaches_retirement_by(birth, male=male, female_original_age=original, year=year) is reached
    )
    month = retirement_for(birth, male=male, female_original_age=original).month
    assert (month <= dt.date(year, 12, 1)) is reached


def test_a_womans_original_age_is_an_input_not_a_guess() -> None:
    with pytest.raises(MissingInput, match="女性申报人须说明原法定退休年龄（50 或 55 周岁）"):
        retirement_for(dt.date(1975, 1, 1), male=False)
    with pytest.raises(MissingInput):
        reaches_retirement_by(dt.date(1975, 1, 1), male=False, female_original_age=None, year=2025)


@pytest.mark.parametrize("original", [45, 60, 0, True])
def test_only_50_or_55_for_women(original) -> None:
    with pytest.raises(MissingInput, match=f"只能是 50 或 55 周岁（收到 {original}）"):
        retirement_for(dt.date(1975, 1, 1), male=False, female_original_age=original)


@pytest.mark.parametrize("original", [None, 45, 50, 55])
def test_a_man_ignores_the_female_input(original) -> None:
    result = retirement_for(dt.date(1965, 1, 1), male=True, female_original_age=original)
    assert (result.group, result.age_years, result.age_months) == ("male", 60, 1)


def test_age_text() -> None:
    assert retirement_for(dt.date(1965, 1, 1), male=True).age_text == "60岁1个月"
    assert retirement_for(dt.date(1980, 1, 1), male=True).age_text == "63岁"


# --- the data -------------------------------------------------------------------------


def test_the_shipped_data_is_the_2024_decision() -> None:
    rules = default_rules()
    assert rules.in_force == dt.date(2025, 1, 1)
    got = {
        name: (
            g.sex,
            g.original_years,
            g.target_years,
            g.first_birth_month,
            g.birth_months_per_step,
            g.delay_months_per_step,
        )
        for name, g in rules.groups.items()
    }
    assert got == {
        "male": ("male", 60, 63, dt.date(1965, 1, 1), 4, 1),
        "female_55": ("female", 55, 58, dt.date(1970, 1, 1), 4, 1),
        "female_50": ("female", 50, 55, dt.date(1975, 1, 1), 2, 1),
    }


def test_the_rules_come_from_data() -> None:
    """Other numbers, other answers: nothing about the reform is a constant in code."""
    rules = rules_from_mapping(
        {
            "groups": {
                "men": {
                    "sex": "male",
                    "original_years": 60,
                    "target_years": 65,
                    "first_birth_month": "1970-01",
                    "birth_months_per_step": 6,
                    "delay_months_per_step": 2,
                },
                "women": {
                    "sex": "female",
                    "original_years": 60,
                    "target_years": 60,
                    "first_birth_month": dt.date(1970, 1, 1),
                    "birth_months_per_step": 1,
                },
            }
        }
    )
    r = retirement_for(dt.date(1970, 7, 3), male=True, rules=rules)
    assert (r.group, r.age_years, r.age_months, r.month_text) == ("men", 60, 4, "2030-11")
    assert retirement_for(dt.date(1990, 1, 1), male=True, rules=rules).age_years == 65
    with pytest.raises(MissingInput, match="（60 周岁）"):
        retirement_for(dt.date(1970, 1, 1), male=False, rules=rules)
    assert reaches_retirement_by(
        dt.date(1970, 7, 3), male=True, female_original_age=None, year=2030, rules=rules
    )


MEN = {
    "sex": "male",
    "original_years": 60,
    "target_years": 63,
    "first_birth_month": "1965-01",
    "birth_months_per_step": 4,
}


@pytest.mark.parametrize(
    ("groups", "reason"),
    [
        (None, "缺少 groups"),
        ({"m": {"original_years": 60}}, "sex 应为 male 或 female"),
        ({"m": {**MEN, "first_birth_month": "1965"}}, "YYYY-MM"),
        ({"m": {**MEN, "first_birth_month": "1965-13"}}, "YYYY-MM"),
        ({"m": {**MEN, "birth_months_per_step": 0}}, "birth_months_per_step 应为正整数"),
        ({"m": {**MEN, "target_years": "63"}}, "target_years 应为正整数"),
        ({"m": {**MEN, "target_years": 58}}, "target_years 小于 original_years"),
        ({"f": {**MEN, "sex": "female"}}, "恰有一个男职工组（实际 0 个）"),
        ({"m": MEN, "n": MEN}, "恰有一个男职工组（实际 2 个）"),
        (
            {"m": MEN, "f": {**MEN, "sex": "female"}, "g": {**MEN, "sex": "female"}},
            "原法定退休年龄重复",
        ),
    ],
)
def test_malformed_data_is_refused_clearly(groups, reason) -> None:
    with pytest.raises(RetirementDataError, match=reason):
        rules_from_mapping({} if groups is None else {"groups": groups})
