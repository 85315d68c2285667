"""The packaged holiday files, every day 2019–2026, against two independent libraries.

A disagreement is never skipped wholesale: it is looked into against the State Council notice,
decided, written into that year's ``notes`` and listed here with its reason. Each list must
match the disagreements exactly, so a library update that fixes or adds one shows up here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import chinese_calendar
import holidays
import pytest

from calendars.workdays import WorkdayCalendar

YEARS = range(2019, 2027)

# is_workday against chinese_calendar.is_workday: no disagreement found.
CHINESECALENDAR_WORKDAY_EXCEPTIONS: dict[dt.date, str] = {}

# Rest days of the `holidays` package we work, or its weekend working days we rest: none found.
HOLIDAYS_PACKAGE_EXCEPTIONS: dict[dt.date, str] = {}

# Which days belong to a holiday block (holiday_name / rest_days), against chinesecalendar's
# holiday detail. Weekend days only, so no working-day effect. See 2024.yaml notes.
_DRAGON_BOAT_2024 = (
    "2024年端午节通知为“6月10日放假，与周末连休”；我们把连休的周末录入假期（与2019年、"
    "2024年元旦的处理一致），chinesecalendar 只记6月10日"
)
CHINESECALENDAR_HOLIDAY_EXCEPTIONS: dict[dt.date, str] = {
    dt.date(2024, 6, 8): _DRAGON_BOAT_2024,
    dt.date(2024, 6, 9): _DRAGON_BOAT_2024,
}


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory) -> WorkdayCalendar:
    # An empty home: only the packaged files, whatever the machine's ~/.zhicheng holds.
    return WorkdayCalendar.load(home=tmp_path_factory.mktemp("home"))


def every_day(years: range = YEARS) -> Iterator[dt.date]:
    day = dt.date(years[0], 1, 1)
    while day.year in years:
        yield day
        day += dt.timedelta(days=1)


def test_the_packaged_years(calendar: WorkdayCalendar) -> None:
    assert calendar.years() == list(YEARS)


def test_every_day_agrees_with_chinesecalendar(calendar: WorkdayCalendar) -> None:
    disagree = {d for d in every_day() if calendar.is_workday(d) != chinese_calendar.is_workday(d)}
    assert disagree == set(CHINESECALENDAR_WORKDAY_EXCEPTIONS)


def test_holiday_blocks_agree_with_chinesecalendar(calendar: WorkdayCalendar) -> None:
    def theirs(day: dt.date) -> bool:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        return on_holiday and name is not None

    disagree = {d for d in every_day() if (calendar.holiday_name(d) is not None) != theirs(d)}
    assert disagree == set(CHINESECALENDAR_HOLIDAY_EXCEPTIONS)
    assert all(d.weekday() >= 5 for d in disagree), "a holiday-block difference on a weekday"


@pytest.mark.parametrize("year", YEARS)
def test_the_holidays_package_where_it_models_the_day(calendar: WorkdayCalendar, year: int) -> None:
    """It lists the statutory days and their substitutes but not a block's weekends, so only
    what it lists is checked; its make-up weekend days must be exactly ours."""
    listed = holidays.country_holidays("CN", years=year)
    worked_rest_days = {d for d in listed if calendar.is_workday(d)}
    made_up = {d for d in listed.weekend_workdays if d.year == year}
    ours = {
        d for d in every_day(range(year, year + 1)) if d.weekday() >= 5 and calendar.is_workday(d)
    }
    assert worked_rest_days | (made_up ^ ours) == {
        d for d in HOLIDAYS_PACKAGE_EXCEPTIONS if d.year == year
    }
    assert all(calendar.holiday_name(d) for d in listed), "a listed day outside every block"


def test_the_2020_extension_is_what_happened(calendar: WorkdayCalendar) -> None:
    extension = [dt.date(2020, 1, 31), dt.date(2020, 2, 1), dt.date(2020, 2, 2)]
    assert [calendar.is_workday(d) for d in extension] == [False, False, False]
    assert [chinese_calendar.is_workday(d) for d in extension] == [False, False, False]
    assert calendar.next_workday(dt.date(2020, 1, 23)) == dt.date(2020, 2, 3)


def test_every_exception_is_recorded_in_its_years_notes() -> None:
    folder = Path(__file__).parents[2] / "calendars" / "holidays"
    for day in CHINESECALENDAR_HOLIDAY_EXCEPTIONS | CHINESECALENDAR_WORKDAY_EXCEPTIONS:
        text = (folder / f"{day.year}.yaml").read_text(encoding="utf-8")
        notes = text.split("\nnotes:", 1)[1]
        assert f"{day.month}月{day.day}日" in notes or f"{day.day}日" in notes, day
