"""Retirement (000 七(三)3, 004 一): age counts to the day the cycle file names. Where the
notice is silent (``retirement_reference_day: null``) no one is excluded from a guessed date,
and the check says it is off."""

from __future__ import annotations

import datetime as dt

from calendars.cyclefile import PolicySpec, bundled_cycle, load_cycle
from rules.eligibility import Applicant, check, retirement_check_on
from rules.idcard import make_id_number

GANSU_2024 = load_cycle(bundled_cycle("gansu-2024")).policy
PINGLIANG_2022 = load_cycle(bundled_cycle("pingliang-engineering-2022")).policy
# A man born 1962-05: the statutory age (60) is reached in 2022-05.
RETIRES_2022 = make_id_number("620802", dt.date(1962, 5, 17), 11)


def codes(policy: PolicySpec, year: int) -> set[str]:
    found = check(Applicant(RETIRES_2022), policy, year=year, on=dt.date(year, 9, 1))
    return {f.code for f in found.findings}


def test_a_stated_reference_day_excludes_who_has_reached_the_age_by_it() -> None:
    assert GANSU_2024.retirement_reference_day == dt.date(2024, 12, 31)
    assert "retirement_age" in codes(GANSU_2024, 2024)


def test_a_silent_notice_excludes_no_one_and_the_check_says_it_is_off() -> None:
    assert PINGLIANG_2022.retirement_reference_day is None
    assert "retirement_age" not in codes(PINGLIANG_2022, 2022)
    assert retirement_check_on(PINGLIANG_2022) is False
    assert retirement_check_on(GANSU_2024) is True
