"""The working-day calendar: every day 2019–2026 cross-checked, the API, local files,
overrides and clear refusals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import chinese_calendar
import holidays
import pytest

from calendars.workdays import CalendarDataError, WorkdayCalendar, YearNotCovered, day_end

YEARS = range(2019, 2027)


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory) -> WorkdayCalendar:
    return WorkdayCalendar.load(home=tmp_path_factory.mktemp("home"))


def every_day():
    day = dt.date(YEARS[0], 1, 1)
    while day.year in YEARS:
        yield day
        day += dt.timedelta(days=1)


def test_every_day_agrees_with_chinesecalendar(calendar: WorkdayCalendar) -> None:
    disagree = [d for d in every_day() if calendar.is_workday(d) != chinese_calendar.is_workday(d)]
    assert disagree == []


@pytest.mark.parametrize("year", YEARS)
def test_the_holidays_package_where_it_models_the_day(calendar: WorkdayCalendar, year: int) -> None:
    """Its rest days must be rest days here, and its weekend working days working days.
    (It does not model every bridge day of a holiday block, so absence proves nothing.)"""
    listed = holidays.China(years=year)
    assert [d for d in listed if calendar.is_workday(d)] == []
    made_up = [d for d in listed.weekend_workdays if d.year == year]
    assert made_up, "the holidays package should know this year's make-up days"
    assert [d for d in made_up if not calendar.is_workday(d)] == []


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2025-10-11", True),  # Saturday made a working day after National Day
        ("2025-09-28", True),  # Sunday made a working day
        ("2025-10-08", False),
        ("2025-10-06", False),  # Mid-Autumn inside the National Day block
        ("2024-10-20", False),  # an ordinary Sunday
        ("2020-01-31", False),  # the 2020 Spring Festival extension
        ("2020-02-01", False),  # a make-up Saturday cancelled by the extension
        ("2024-02-04", True),
    ],
)
def test_sample_days(calendar: WorkdayCalendar, day: str, workday: bool) -> None:
    assert calendar.is_workday(dt.date.fromisoformat(day)) is workday


def test_nth_working_day_counts_the_first_day_when_worked(calendar: WorkdayCalendar) -> None:
    assert calendar.add_workdays(dt.date(2025, 9, 29), 5) == dt.date(2025, 10, 11)
    assert calendar.add_workdays(dt.date(2024, 9, 23), 5) == dt.date(2024, 9, 27)
    assert calendar.add_workdays(dt.date(2024, 9, 22), 1) == dt.date(2024, 9, 23)
    with pytest.raises(ValueError, match="正整数"):
        calendar.add_workdays(dt.date(2024, 9, 22), 0)


def test_next_workday_and_after_and_between(calendar: WorkdayCalendar) -> None:
    assert calendar.next_workday(dt.date(2025, 9, 30)) == dt.date(2025, 10, 9)
    assert calendar.workdays_after(dt.date(2024, 12, 20), 5) == dt.date(2024, 12, 27)
    assert calendar.workdays_between(dt.date(2024, 10, 21), dt.date(2024, 10, 31)) == 9
    assert calendar.workdays_between(dt.date(2024, 10, 31), dt.date(2024, 10, 21)) == 0


def test_rest_days_are_the_holidays_not_weekends(calendar: WorkdayCalendar) -> None:
    days = calendar.rest_days(dt.date(2024, 9, 28), dt.date(2024, 10, 13))
    assert days == [dt.date(2024, 10, d) for d in range(1, 8)]
    assert calendar.holiday_name(dt.date(2024, 10, 3)) == "国庆节"
    assert calendar.holiday_name(dt.date(2024, 10, 13)) is None


def test_the_end_of_a_day_is_the_next_midnight_in_beijing() -> None:
    assert day_end(dt.date(2024, 10, 20)).isoformat() == "2024-10-21T00:00:00+08:00"


def test_a_year_without_data_is_refused_by_name(calendar: WorkdayCalendar) -> None:
    with pytest.raises(YearNotCovered) as caught:
        calendar.is_workday(dt.date(2031, 5, 6))
    assert caught.value.year == 2031 and "2031.yaml" in str(caught.value)
    with pytest.raises(YearNotCovered):
        calendar.add_workdays(dt.date(2026, 12, 28), 10)  # walks into 2027


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_clerks_local_year_file_is_picked_up(tmp_path: Path) -> None:
    write(
        tmp_path / "holidays/2027.yaml",
        "year: 2027\nsource: 国办发明电〔2026〕X号\nholidays:\n"
        "  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\nworkdays: [2027-01-09]\n",
    )
    calendar = WorkdayCalendar.load(home=tmp_path)
    assert 2027 in calendar.years()
    assert calendar.is_workday(dt.date(2027, 1, 1)) is False
    assert calendar.is_workday(dt.date(2027, 1, 9)) is True


def test_an_override_wins(tmp_path: Path) -> None:
    write(
        tmp_path / "calendar-overrides.yaml",
        "overrides:\n  - {date: 2025-10-11, workday: false, reason: 紧急调整}\n",
    )
    calendar = WorkdayCalendar.load(home=tmp_path)
    assert calendar.is_workday(dt.date(2025, 10, 11)) is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("year: 2027\nsource: x\nholidays: []\nworkdays: [2027-02-10]\n", "不是周末"),
        ("year: 2028\nsource: x\nholidays: []\nworkdays: []\n", "不一致"),
        (
            "year: 2027\nsource: x\nholidays:\n  - {name: 春节, from: 2027-02-30, to: 2027-03-01}\nworkdays: []\n",
            "不是有效日期",
        ),
        ("year: 2027\nsource: x\nholidays: [\n", "YAML"),
        ("year: 2027\nsource: x\nworkdays: []\n", "缺少 holidays"),
    ],
)
def test_malformed_files_are_refused_clearly(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path / "holidays/2027.yaml", text)
    with pytest.raises(CalendarDataError, match=message) as caught:
        WorkdayCalendar.load(home=tmp_path)
    assert "2027.yaml" in str(caught.value)
