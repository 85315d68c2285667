"""The mainland-China working-day calendar.

A working day is a weekday that is not a statutory holiday rest day, or a weekend day the
State Council declared a working day (调休上班). The data lives in one YAML file per year
(``calendars/holidays/YYYY.yaml``; a clerk adds next year's in ``$ZHICHENG_HOME/holidays/``),
plus an overrides file for urgent adjustments. A year with no file is refused by name — the
calendar never guesses.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pendulum
import yaml

BEIJING = "Asia/Shanghai"
_TZ = pendulum.timezone(BEIJING)
WEEKDAYS = "一二三四五六日"


class CalendarDataError(ValueError):
    """A holiday or override file that cannot be used as written."""


class YearNotCovered(LookupError):
    def __init__(self, year: int, path_hint: str) -> None:
        self.year = year
        self.path_hint = path_hint
        super().__init__(
            f"{year} 年的节假日安排尚未录入：请按国务院办公厅通知添加 {path_hint}"
            "（格式见 calendars/holidays/README.md）"
        )


@dataclass
class YearData:
    year: int
    source: str
    rest: dict[dt.date, str] = field(default_factory=dict)  # holiday rest days -> holiday name
    worked: set[dt.date] = field(default_factory=set)  # make-up working weekend days


def _home(home: Path | None) -> Path:
    return home or Path(os.environ.get("ZHICHENG_HOME") or Path.home() / ".zhicheng")


def _day(value: Any, where: str, file: str) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CalendarDataError(
            f"{file}: {where} '{value}' 不是有效日期（应为 YYYY-MM-DD）"
        ) from None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise CalendarDataError(
            f"{path}: YAML 格式错误{where}：{getattr(exc, 'problem', exc)}"
        ) from None
    except ValueError as exc:  # YAML reads 2027-02-30 as a date and fails on it
        raise CalendarDataError(f"{path}: 含不是有效日期的值（{exc}）") from None


def parse_year_file(path: Path, expected_year: int) -> YearData:
    """Validates one year's file; every fault names the file, the field and what is wrong."""
    name = str(path)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise CalendarDataError(f"{name}: 顶层应为键值映射（year、source、holidays、workdays）")
    for key in ("year", "source", "holidays", "workdays"):
        if key not in raw:
            raise CalendarDataError(f"{name}: 缺少 {key}")
    if raw["year"] != expected_year:
        raise CalendarDataError(
            f"{name}: year 为 {raw['year']}，与文件名年份 {expected_year} 不一致"
        )
    data = YearData(expected_year, str(raw["source"]))
    for i, block in enumerate(raw["holidays"] or []):
        where = f"holidays[{i}]"
        if not isinstance(block, dict) or not {"name", "from", "to"} <= set(block):
            raise CalendarDataError(f"{name}: {where} 须有 name、from、to")
        first, last = (
            _day(block["from"], f"{where}.from", name),
            _day(block["to"], f"{where}.to", name),
        )
        if last < first:
            raise CalendarDataError(f"{name}: {where} 结束日 {last} 早于开始日 {first}")
        day = first
        while day <= last:
            if day.year != expected_year:
                raise CalendarDataError(f"{name}: {where} 的日期 {day} 不在 {expected_year} 年")
            data.rest[day] = str(block["name"])
            day += dt.timedelta(days=1)
    for i, value in enumerate(raw["workdays"] or []):
        day = _day(value, f"workdays[{i}]", name)
        if day.year != expected_year:
            raise CalendarDataError(f"{name}: workdays[{i}] {day} 不在 {expected_year} 年")
        if day.weekday() < 5:
            raise CalendarDataError(
                f"{name}: workdays[{i}] {day} 不是周末（星期{WEEKDAYS[day.weekday()]}），调休上班日只能是周六或周日"
            )
        if day in data.rest:
            raise CalendarDataError(
                f"{name}: workdays[{i}] {day} 同时被列为放假日（{data.rest[day]}）"
            )
        data.worked.add(day)
    return data


def parse_overrides(path: Path) -> dict[dt.date, bool]:
    raw = _read_yaml(path) or {}
    entries = raw.get("overrides") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CalendarDataError(f"{path}: 应有 overrides 列表")
    out: dict[dt.date, bool] = {}
    for i, entry in enumerate(entries):
        if (
            not isinstance(entry, dict)
            or "date" not in entry
            or not isinstance(entry.get("workday"), bool)
        ):
            raise CalendarDataError(f"{path}: overrides[{i}] 须有 date 和 workday（true/false）")
        if not str(entry.get("reason") or "").strip():
            raise CalendarDataError(f"{path}: overrides[{i}] 须写明 reason（调整依据）")
        out[_day(entry["date"], f"overrides[{i}].date", str(path))] = entry["workday"]
    return out


class WorkdayCalendar:
    def __init__(
        self, years: dict[int, YearData], overrides: dict[dt.date, bool], home: Path
    ) -> None:
        self._years = years
        self._overrides = overrides
        self._home = home

    @classmethod
    def load(cls, home: Path | None = None, overrides: Path | None = None) -> WorkdayCalendar:
        home = _home(home)
        files: dict[int, Path] = {}
        bundled = Path(str(resources.files("calendars") / "holidays"))
        for folder in (bundled, home / "holidays"):  # local files come second and win
            if folder.is_dir():
                for path in sorted(folder.glob("[0-9][0-9][0-9][0-9].yaml")):
                    files[int(path.stem)] = path
        years = {year: parse_year_file(path, year) for year, path in files.items()}
        override_path = overrides or Path(
            os.environ.get("ZHICHENG_CALENDAR_OVERRIDES") or home / "calendar-overrides.yaml"
        )
        found = parse_overrides(override_path) if override_path.is_file() else {}
        return cls(years, found, home)

    def years(self) -> list[int]:
        return sorted(self._years)

    def source(self, year: int) -> str:
        return self._year(year).source

    def _year(self, year: int) -> YearData:
        if year not in self._years:
            raise YearNotCovered(year, str(self._home / "holidays" / f"{year}.yaml"))
        return self._years[year]

    def is_workday(self, day: dt.date) -> bool:
        data = self._year(day.year)
        if day in self._overrides:
            return self._overrides[day]
        if day in data.worked:
            return True
        return day.weekday() < 5 and day not in data.rest

    def holiday_name(self, day: dt.date) -> str | None:
        name = self._year(day.year).rest.get(day)
        return None if self.is_workday(day) else name

    def next_workday(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_workday(day):
            day += dt.timedelta(days=1)
        return day

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day counting from ``day``, which counts when it is worked."""
        if n < 1:
            raise ValueError(f"工作日数须为正整数（收到 {n}）")
        seen = 0
        while True:
            if self.is_workday(day):
                seen += 1
                if seen == n:
                    return day
            day += dt.timedelta(days=1)

    def workdays_after(self, day: dt.date, n: int) -> dt.date:
        """ "Within n working days after" an event: counting starts the next day."""
        return self.add_workdays(day + dt.timedelta(days=1), n)

    def workdays_between(self, first: dt.date, last: dt.date) -> int:
        count, day = 0, first
        while day <= last:
            count += self.is_workday(day)
            day += dt.timedelta(days=1)
        return count

    def rest_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        out, day = [], first
        while day <= last:
            if self.holiday_name(day):
                out.append(day)
            day += dt.timedelta(days=1)
        return out


@lru_cache
def _cached(home: str, overrides: str) -> WorkdayCalendar:
    return WorkdayCalendar.load(Path(home), Path(overrides) if overrides else None)


def default_calendar() -> WorkdayCalendar:
    """The calendar for the current settings (cached; ``default_calendar.cache_clear()``)."""
    return _cached(str(_home(None)), os.environ.get("ZHICHENG_CALENDAR_OVERRIDES", ""))


default_calendar.cache_clear = _cached.cache_clear  # type: ignore[attr-defined]


def day_start(day: dt.date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz=_TZ)


def day_end(day: dt.date) -> pendulum.DateTime:
    """24:00 Beijing time of ``day``: the next day's 00:00 in Asia/Shanghai."""
    return day_start(day).add(days=1)
