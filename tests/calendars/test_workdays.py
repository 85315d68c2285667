"""The working-day calendar's API, local files, overrides and clear refusals.
(Every packaged day against the libraries: test_crosscheck.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

from calendars.beijing import BEIJING
from calendars.workdays import (
    CalendarDataError,
    WorkdayCalendar,
    YearNotCovered,
    calendar_for,
    day_end,
    day_start,
)
from models.settings import settings, workday_calendar

D = dt.date.fromisoformat


@pytest.fixture(autouse=True)
def _settings_restored() -> Iterator[None]:
    """A test that configures the installation leaves the next one the suite's settings."""
    yield
    settings.cache_clear()
    calendar_for.cache_clear()


def installed(monkeypatch: pytest.MonkeyPatch, **environment: str) -> WorkdayCalendar:
    """The installation's calendar under these ZHICHENG_* settings."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.cache_clear()
    return workday_calendar()


@pytest.fixture(scope="module")
def calendar(tmp_path_factory: pytest.TempPathFactory) -> WorkdayCalendar:
    return WorkdayCalendar.load(home=tmp_path_factory.mktemp("home"))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


YEAR_2027 = """\
year: 2027
source: 国办发明电〔2026〕X号
published: 2026-11-01
holidays:
  - name: 元旦
    from: 2027-01-01
    to: 2027-01-03
workdays:
  - 2027-01-09
"""


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2025-09-28", True),  # Sunday made a working day before National Day
        ("2025-10-11", True),  # Saturday made a working day after it
        ("2025-10-01", False),
        ("2025-10-06", False),  # Mid-Autumn inside the National Day block
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2024-10-20", False),  # an ordinary Sunday
        ("2024-10-21", True),  # an ordinary Monday
        ("2024-02-09", True),  # New Year's Eve 2024: leave only "encouraged"
        ("2025-01-28", False),  # New Year's Eve 2025: a statutory holiday from 2025 on
        ("2020-01-31", False),  # the 2020 Spring Festival extension
        ("2020-02-01", False),  # a make-up Saturday cancelled by the extension
        ("2019-05-05", True),  # make-up Sunday from the amended 2019 Labour Day
        ("2026-02-28", True),
    ],
)
def test_is_workday(calendar: WorkdayCalendar, day: str, workday: bool) -> None:
    assert calendar.is_workday(D(day)) is workday


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2025-09-29", 5, "2025-10-11"),  # 9/29, 9/30, 10/9, 10/10, Saturday 10/11
        ("2025-09-28", 1, "2025-09-28"),  # a working Sunday counts itself
        ("2024-09-23", 5, "2024-09-27"),  # publicity posted Monday runs to Friday
        ("2024-09-22", 1, "2024-09-23"),  # a Sunday does not count
        ("2024-12-30", 3, "2025-01-02"),  # across the new year; 1/1 off
        ("2019-01-01", 250, "2019-12-31"),  # 2019 had 250 working days
        ("2020-01-20", 5, "2020-02-03"),  # 1/20 … 1/23, then the extended Spring Festival
    ],
)
def test_add_workdays(calendar: WorkdayCalendar, start: str, n: int, expected: str) -> None:
    assert calendar.add_workdays(D(start), n) == D(expected)


@pytest.mark.parametrize("n", [0, -1])
def test_add_workdays_needs_a_positive_count(calendar: WorkdayCalendar, n: int) -> None:
    with pytest.raises(ValueError, match="正整数"):
        calendar.add_workdays(D("2024-09-22"), n)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2025-09-30", "2025-10-09"),  # across National Day
        ("2025-09-26", "2025-09-28"),  # Friday to the working Sunday
        ("2024-10-18", "2024-10-21"),  # Friday to Monday
        ("2025-12-31", "2026-01-04"),  # across the new year: 1/1–1/3 off, Sunday 1/4 worked
    ],
)
def test_next_workday(calendar: WorkdayCalendar, day: str, expected: str) -> None:
    assert calendar.next_workday(D(day)) == D(expected)


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2024-12-20", 5, "2024-12-27"),  # counting from Saturday 12/21: 12/23 … 12/27
        ("2025-09-30", 1, "2025-10-09"),
        ("2025-09-27", 1, "2025-09-28"),
    ],
)
def test_workdays_after(calendar: WorkdayCalendar, day: str, n: int, expected: str) -> None:
    assert calendar.workdays_after(D(day), n) == D(expected)


@pytest.mark.parametrize(
    ("first", "last", "count"),
    [
        ("2024-10-21", "2024-10-31", 9),  # the 2024 unit-review window ("10 days", 11 dates)
        ("2024-09-11", "2024-10-20", 24),  # the 2024 declaration window
        ("2025-10-01", "2025-10-08", 0),
        ("2025-10-11", "2025-10-11", 1),
        ("2024-10-31", "2024-10-21", 0),  # reversed: nothing
        ("2019-01-01", "2026-12-31", 1994),  # eight whole years, across every boundary
    ],
)
def test_workdays_between(calendar: WorkdayCalendar, first: str, last: str, count: int) -> None:
    assert calendar.workdays_between(D(first), D(last)) == count


def test_counting_and_stepping_agree_everywhere(calendar: WorkdayCalendar) -> None:
    start = D("2024-12-20")
    for n in range(1, 300, 7):
        end = calendar.add_workdays(start, n)
        assert calendar.workdays_between(start, end) == n and calendar.is_workday(end)


def test_rest_days_are_the_holidays_not_weekends(calendar: WorkdayCalendar) -> None:
    days = calendar.rest_days(D("2024-09-28"), D("2024-10-13"))
    assert days == [dt.date(2024, 10, d) for d in range(1, 8)]
    assert calendar.rest_days(D("2023-12-29"), D("2024-01-02")) == [
        D("2023-12-30"),
        D("2023-12-31"),
        D("2024-01-01"),
    ]
    assert calendar.rest_days(D("2024-10-13"), D("2024-10-01")) == []


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2024-10-03", "国庆节"),
        ("2025-10-06", "国庆节、中秋节"),
        ("2024-06-08", "端午节"),  # a weekend joined to the holiday (与周末连休)
        ("2020-02-01", "春节"),
        ("2025-10-11", None),  # worked
        ("2024-10-13", None),  # an ordinary Sunday
        ("2024-10-21", None),
    ],
)
def test_holiday_name(calendar: WorkdayCalendar, day: str, name: str | None) -> None:
    assert calendar.holiday_name(D(day)) == name


def test_source_is_the_notice_number(calendar: WorkdayCalendar) -> None:
    assert calendar.source(2025) == "国办发明电〔2024〕12号"
    assert calendar.source(2020) == "国办发明电〔2019〕16号"
    with pytest.raises(YearNotCovered):
        calendar.source(2031)


def test_a_datetime_counts_as_its_day_in_beijing(calendar: WorkdayCalendar) -> None:
    # 2025-09-30 17:00 UTC is 1 October 01:00 in Beijing: National Day.
    assert calendar.is_workday(pendulum.datetime(2025, 9, 30, 17, tz="UTC")) is False
    assert calendar.is_workday(pendulum.date(2025, 9, 30)) is True


def test_day_start_and_end_are_beijing_midnights() -> None:
    assert day_end(D("2024-10-20")).isoformat() == "2024-10-21T00:00:00+08:00"
    assert day_start(D("2024-10-20")).isoformat() == "2024-10-20T00:00:00+08:00"
    assert day_end(D("2024-12-31")) == pendulum.datetime(2025, 1, 1, tz=BEIJING)
    assert day_end(D("2024-10-20")).timezone_name == BEIJING.name == "Asia/Shanghai"


def test_a_year_without_data_is_refused_by_name(calendar: WorkdayCalendar) -> None:
    with pytest.raises(YearNotCovered) as caught:
        calendar.is_workday(D("2031-05-06"))
    assert caught.value.year == 2031
    assert caught.value.path_hint.endswith("holidays/2031.yaml")
    message = str(caught.value)
    assert "2031 年的节假日安排尚未录入" in message and "2031.yaml" in message
    assert "calendars/holidays/README.md" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.add_workdays(D("2026-12-28"), 10),  # walks into 2027
        lambda c: c.workdays_after(D("2026-12-30"), 3),
        lambda c: c.next_workday(D("2026-12-31")),
        lambda c: c.workdays_between(D("2026-12-01"), D("2027-01-31")),
        lambda c: c.rest_days(D("2026-12-01"), D("2027-01-31")),
        lambda c: c.holiday_name(D("2027-01-01")),
        lambda c: c.add_workdays(D("2018-12-31"), 1),  # before the first year too
    ],
)
def test_no_calculation_guesses_an_uncovered_year(calendar: WorkdayCalendar, call) -> None:
    with pytest.raises(YearNotCovered) as caught:
        call(calendar)
    assert caught.value.year in (2018, 2027)


def test_the_hint_names_the_home_in_use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(YearNotCovered, match=str(tmp_path / "holidays" / "2031.yaml")):
        installed(monkeypatch, ZHICHENG_HOME=str(tmp_path)).is_workday(D("2031-01-01"))


def test_a_clerks_local_year_file_is_picked_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write(tmp_path / "holidays/2027.yaml", YEAR_2027)
    calendar = installed(monkeypatch, ZHICHENG_HOME=str(tmp_path))
    assert calendar.years()[-2:] == [2026, 2027]
    assert calendar.source(2027) == "国办发明电〔2026〕X号"
    assert calendar.is_workday(D("2027-01-01")) is False
    assert calendar.is_workday(D("2027-01-09")) is True  # a Saturday
    assert calendar.add_workdays(D("2026-12-28"), 10) == D("2027-01-09")


def test_a_local_file_wins_over_the_packaged_one(tmp_path: Path) -> None:
    write(
        tmp_path / "holidays/2025.yaml",
        "year: 2025\nsource: 本地修订\nholidays: []\nworkdays: []\n",
    )
    calendar = WorkdayCalendar.load(home=tmp_path)
    assert calendar.source(2025) == "本地修订"
    assert calendar.is_workday(D("2025-10-01")) is True
    assert calendar.source(2024) == "国办发明电〔2023〕7号"


def test_the_packaged_files_are_found_from_any_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert WorkdayCalendar.load(home=tmp_path / "home").years() == list(range(2019, 2027))


def test_the_installations_calendar_is_cached_until_cleared(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = installed(monkeypatch, ZHICHENG_HOME=str(tmp_path))
    assert workday_calendar() is first
    write(tmp_path / "holidays/2027.yaml", YEAR_2027)
    assert 2027 not in workday_calendar().years()
    calendar_for.cache_clear()
    assert 2027 in workday_calendar().years()
    assert workday_calendar() is not first


OVERRIDES = """\
overrides:
  - date: 2025-10-11
    workday: false
    reason: 紧急调整（测试）
  - date: 2025-10-08
    workday: true
    reason: 紧急调整（测试）
  - date: 2025-12-31
    workday: false
    name: 跨年临时休息
    reason: 紧急调整（测试）
"""


def check_overrides(calendar: WorkdayCalendar) -> None:
    assert calendar.is_workday(D("2025-10-11")) is False
    assert calendar.is_workday(D("2025-10-08")) is True
    assert calendar.holiday_name(D("2025-10-08")) is None
    assert calendar.holiday_name(D("2025-10-11")) == "紧急调整（测试）"
    assert calendar.holiday_name(D("2025-12-31")) == "跨年临时休息"
    assert calendar.rest_days(D("2025-10-08"), D("2025-10-12")) == [D("2025-10-11")]
    assert calendar.add_workdays(D("2025-09-29"), 5) == D("2025-10-10")


def test_an_override_wins_over_the_year_file(tmp_path: Path) -> None:
    write(tmp_path / "calendar-overrides.yaml", OVERRIDES)
    check_overrides(WorkdayCalendar.load(home=tmp_path))


def test_overrides_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = write(tmp_path / "elsewhere/adjust.yaml", OVERRIDES)
    check_overrides(
        installed(
            monkeypatch,
            ZHICHENG_HOME=str(tmp_path / "home"),
            ZHICHENG_CALENDAR_OVERRIDES=str(path),
        )
    )
    check_overrides(WorkdayCalendar.load(home=tmp_path, overrides=path))


def test_an_empty_overrides_file_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "calendar-overrides.yaml", "# 已无临时调整\n")
    assert WorkdayCalendar.load(home=tmp_path).is_workday(D("2025-10-11")) is True


def test_a_configured_overrides_file_that_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(CalendarDataError, match="nope.yaml.*不存在"):
        installed(
            monkeypatch,
            ZHICHENG_HOME=str(tmp_path),
            ZHICHENG_CALENDAR_OVERRIDES=str(tmp_path / "nope.yaml"),
        )


def year_file(holidays: str = "[]", workdays: str = "[]", year: str = "2027") -> str:
    return f"year: {year}\nsource: 测试\nholidays: {holidays}\nworkdays: {workdays}\n"


BLOCK = "\n  - {{name: 春节, from: {}, to: {}}}"


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        (year_file(workdays="[2027-02-10]"), "workdays[0]", "2027-02-10 不是周末（星期三）"),
        (year_file(workdays="[2027-01-09, 2027-01-11]"), "workdays[1]", "星期一"),
        (year_file(year="2028"), "year", "与文件名年份 2027 不一致"),
        (year_file(year="'2027'"), "year", "不一致"),
        (year_file(BLOCK.format("2027-02-30", "2027-03-01")), "holidays[0].from", "不是有效日期"),
        (year_file(BLOCK.format("2027-2-6", "2027-02-12")), "holidays[0].from", "YYYY-MM-DD"),
        (year_file(BLOCK.format("2027-02-12", "2027-02-06")), "holidays[0]", "早于开始日"),
        (year_file(BLOCK.format("2027-12-31", "2028-01-02")), "holidays[0].to", "不在 2027 年"),
        (year_file(workdays="[2026-12-26]"), "workdays[0]", "不在 2027 年"),
        (
            year_file(BLOCK.format("2027-02-06", "2027-02-12"), "[2027-02-06]"),
            "workdays[0]",
            "同时被列为放假日",
        ),
        (
            year_file(
                BLOCK.format("2027-02-06", "2027-02-12") + BLOCK.format("2027-02-12", "2027-02-13")
            ),
            "holidays[1]",
            "重叠",
        ),
        (year_file(workdays="[2027-01-09, 2027-01-09]"), "workdays[1]", "重复"),
        (year_file(holidays="{name: 春节}"), "holidays", "应为列表"),
        (year_file("\n  - {name: 春节, from: 2027-02-06}"), "holidays[0]", "缺少 to"),
        (
            year_file("\n  - {name: 春节, form: 2027-02-06, to: 2027-02-07}"),
            "holidays[0]",
            "缺少 from",
        ),
        (
            year_file("\n  - {name: '', from: 2027-02-06, to: 2027-02-07}"),
            "holidays[0].name",
            "非空",
        ),
        ("year: 2027\nsource: x\nholidays: [\n", "", "YAML 格式错误，第 4 行"),
        ("year: 2027\nsource: x\nworkdays: []\n", "", "缺少 holidays"),
        (
            "year: 2027\nsource: x\nholidays: []\nworkdays: []\nworkday: []\n",
            "",
            "未知的键 workday",
        ),
        ("year: 2027\nsource: x\nholidays: []\nworkdays: []\nworkdays: []\n", "", "出现了两次"),
        (
            "year: 2027\nsource: x\nholidays: []\nworkdays: []\npublished: 11月\n",
            "published",
            "不是有效日期",
        ),
        ("- 2027\n", "", "应为键值映射"),
    ],
)
def test_malformed_year_files_are_refused_clearly(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    write(tmp_path / "holidays/2027.yaml", text)
    with pytest.raises(CalendarDataError) as caught:
        WorkdayCalendar.load(home=tmp_path)
    said = str(caught.value)
    assert said.startswith(f"{tmp_path / 'holidays' / '2027.yaml'}: {field}")
    assert message in said
    assert " — " in said  # an English gloss follows the Chinese


def test_the_example_message_shape(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # paths under the working directory are shown relative to it
    write(
        tmp_path / "home/holidays/2025.yaml",
        year_file(workdays="[2025-01-26, 2025-02-10]", year="2025"),
    )
    with pytest.raises(CalendarDataError) as caught:
        WorkdayCalendar.load(home=Path("home"))
    assert str(caught.value).startswith(
        "home/holidays/2025.yaml: workdays[1] 2025-02-10 不是周末（星期一），调休上班日只能是周六或周日"
    )


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("overrides:\n  - {date: 2025-10-11, workday: false}\n", "overrides[0]", "缺少 reason"),
        (
            "overrides:\n  - {date: 2025-10-11, workday: false, reason: ' '}\n",
            "overrides[0].reason",
            "非空",
        ),
        (
            "overrides:\n  - {date: 2025-10-11, workday: 否, reason: x}\n",
            "overrides[0].workday",
            "true 或 false",
        ),
        (
            "overrides:\n  - {date: 2025-13-01, workday: false, reason: x}\n",
            "overrides[0].date",
            "不是有效日期",
        ),
        (
            "overrides:\n  - {date: 2025-10-11, workday: false, reason: x}\n"
            "  - {date: 2025-10-11, workday: true, reason: y}\n",
            "overrides[1]",
            "重复",
        ),
        (
            "overrides:\n  - {date: 2025-10-11, workday: false, reason: x, why: y}\n",
            "overrides[0]",
            "未知的键 why",
        ),
        ("override:\n  - {date: 2025-10-11, workday: false, reason: x}\n", "", "缺少 overrides"),
        ("overrides: {date: 2025-10-11}\n", "overrides", "应为列表"),
        ("overrides:\n  - date: 2025-10-11\n   workday: false\n", "", "YAML 格式错误"),
    ],
)
def test_malformed_overrides_are_refused_clearly(
    tmp_path: Path, text: str, field: str, message: str
) -> None:
    write(tmp_path / "calendar-overrides.yaml", text)
    with pytest.raises(CalendarDataError) as caught:
        WorkdayCalendar.load(home=tmp_path)
    said = str(caught.value)
    assert said.startswith(f"{tmp_path / 'calendar-overrides.yaml'}: {field}")
    assert message in said


def test_errors_are_value_errors_and_name_no_yaml_internals(tmp_path: Path) -> None:
    write(tmp_path / "holidays/2027.yaml", "year: 2027\nsource: x\nholidays: [\n")
    with pytest.raises(ValueError) as caught:
        WorkdayCalendar.load(home=tmp_path)
    assert isinstance(caught.value, CalendarDataError)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_an_instant_is_written_as_the_notices_write_it() -> None:
    from calendars.beijing import beijing_text, last_day

    midnight = pendulum.datetime(2024, 10, 21, tz=BEIJING)
    assert beijing_text(midnight) == "2024年10月20日24:00（北京时间）"
    assert beijing_text(midnight, short=True) == "2024-10-20 24:00"
    assert beijing_text(midnight.in_timezone("UTC")) == "2024年10月20日24:00（北京时间）"
    # Half a second after midnight is the new day, not 24:00 of the old one.
    after = midnight.add(microseconds=500_000)
    assert beijing_text(after) == "2024年10月21日00:00:00（北京时间）"
    assert beijing_text(after, short=True) == "2024-10-21 00:00"
    assert beijing_text(midnight.add(hours=9, minutes=30)) == "2024年10月21日09:30:00（北京时间）"
    assert last_day(midnight) == D("2024-10-20") and last_day(after) == D("2024-10-21")
