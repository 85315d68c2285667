"""The retirement reform around its boundaries, for all three groups."""

from __future__ import annotations

import datetime as dt

import pytest

from rules.retirement import MissingInput, reaches_retirement_by, retirement_for


@pytest.mark.parametrize(
    ("born", "male", "original", "age", "month"),
    [
        # men: 60 → 63, one month per 4 months of birth from January 1965
        ((1964, 12), True, None, (60, 0), "2024-12"),
        ((1965, 1), True, None, (60, 1), "2025-02"),
        ((1965, 4), True, None, (60, 1), "2025-05"),
        ((1965, 5), True, None, (60, 2), "2025-07"),
        ((1970, 1), True, None, (61, 4), "2031-05"),
        ((1976, 8), True, None, (62, 11), "2039-07"),
        ((1976, 9), True, None, (63, 0), "2039-09"),
        ((1990, 6), True, None, (63, 0), "2053-06"),
        # women whose original age was 55: 55 → 58 from January 1970
        ((1969, 12), False, 55, (55, 0), "2024-12"),
        ((1970, 1), False, 55, (55, 1), "2025-02"),
        ((1970, 4), False, 55, (55, 1), "2025-05"),
        ((1970, 5), False, 55, (55, 2), "2025-07"),
        ((1981, 8), False, 55, (57, 11), "2039-07"),
        ((1981, 9), False, 55, (58, 0), "2039-09"),
        # women whose original age was 50: 50 → 55, one month per 2 months from January 1975
        ((1974, 12), False, 50, (50, 0), "2024-12"),
        ((1975, 1), False, 50, (50, 1), "2025-02"),
        ((1975, 2), False, 50, (50, 1), "2025-03"),
        ((1975, 3), False, 50, (50, 2), "2025-05"),
        ((1984, 10), False, 50, (54, 11), "2039-09"),
        ((1984, 11), False, 50, (55, 0), "2039-11"),
    ],
)
def test_retirement_month(born, male, original, age, month) -> None:
    result = retirement_for(dt.date(*born, 15), male=male, female_original_age=original)
    assert (result.age_years, result.age_months) == age
    assert result.month_text == month


@pytest.mark.parametrize(
    ("born", "year", "reached"),
    [
        ((1964, 12), 2024, True),  # retires in December 2024: reached by 12/31
        ((1965, 1), 2024, False),  # retires in February 2025
        ((1965, 1), 2025, True),
        ((1964, 11), 2024, True),
    ],
)
def test_reached_by_the_end_of_the_year(born, year, reached) -> None:
    assert (
        reaches_retirement_by(dt.date(*born, 1), male=True, female_original_age=None, year=year)
        is reached
    )


def test_a_womans_original_age_is_an_input_not_a_guess() -> None:
    with pytest.raises(MissingInput, match="50 或 55"):
        retirement_for(dt.date(1975, 1, 1), male=False)
    with pytest.raises(MissingInput, match="45"):
        retirement_for(dt.date(1975, 1, 1), male=False, female_original_age=45)


def test_a_man_ignores_the_female_input() -> None:
    assert retirement_for(dt.date(1965, 1, 1), male=True, female_original_age=50).age_years == 60
