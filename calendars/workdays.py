"""The mainland-China working-day calendar.

A working day is a weekday that is not a statutory holiday rest day, or a weekend day the
State Council declared a working day (调休上班). The data lives in one YAML file per year
(``calendars/holidays/YYYY.yaml``; a clerk adds next year's in ``<home>/holidays/``),
plus an overrides file for urgent adjustments. Where home and the overrides are is the caller's
setting (``models.settings``): the calendar only takes the paths. A year with no file is refused by name: the
calendar never guesses, because a guessed National Day would silently move every deadline.

Each year is compiled once, at load, into a sorted list of its working days, so counting and
stepping are binary searches rather than day-by-day walks.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pendulum
import yaml

from calendars.beijing import BEIJING
from calendars.plain_yaml import WithoutAliases

_WEEKDAY = "一二三四五六日"
_YEAR_FILE = re.compile(r"^(\d{4})\.yaml$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_README = "calendars/holidays/README.md"


class CalendarDataError(ValueError):
    """A holiday or override file that cannot be used as written."""


class YearNotCovered(LookupError):
    """A day in a year whose State Council schedule has not been entered."""

    def __init__(self, year: int, path_hint: str) -> None:
        self.year = year
        self.path_hint = path_hint
        super().__init__(
            f"{year} 年的节假日安排尚未录入：请按国务院办公厅通知添加 {path_hint}"
            f"（格式见 {_README}）"
        )


# --- reading YAML ---------------------------------------------------------------------------


class _Loader(WithoutAliases):
    """Safe YAML with dates kept as text, so a bad date is reported with its field instead of
    as a constructor traceback (aliases and duplicate keys are refused by ``WithoutAliases``)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _shown(path: Path) -> str:
    """A path as a person would type it: under ~ as ~/…, else relative to the working
    directory (the repository's own files read calendars/holidays/…), else in full."""
    for base, prefix in ((Path.home(), "~/"), (Path.cwd(), "")):
        try:
            return prefix + str(path.relative_to(base))
        except ValueError:
            continue
    return str(path)


def _fault(file: str, field: str, zh: str, en: str) -> CalendarDataError:
    where = f"{file}: {field} " if field else f"{file}: "
    return CalendarDataError(f"{where}{zh} — {en}")


def _read_yaml(entry: Traversable, file: str) -> Any:
    try:
        return yaml.load(entry.read_text(encoding="utf-8"), Loader=_Loader)
    except UnicodeDecodeError:
        raise _fault(file, "", "不是 UTF-8 编码的文本", "the file is not UTF-8 text") from None
    except OSError as exc:
        raise _fault(file, "", f"无法读取（{exc.strerror}）", "cannot be read") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"第 {mark.line + 1} 行：" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise _fault(file, "", f"YAML 格式错误，{line}{problem}", "YAML syntax error") from None


# --- validating fields ----------------------------------------------------------------------


def _day(value: Any, file: str, field: str) -> dt.date:
    text = str(value).strip() if value is not None else ""
    if _ISO_DAY.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise _fault(
        file, field, f"'{text}' 不是有效日期（应为 YYYY-MM-DD）", "not a valid YYYY-MM-DD date"
    )


def _text(value: Any, file: str, field: str) -> str:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    raise _fault(file, field, "应为非空文字", "must be non-empty text")


def _items(value: Any, file: str, field: str) -> list[Any]:
    # An empty `workdays:` is a year without make-up days, not a mistake.
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise _fault(file, field, "应为列表（每项以 - 开头）", "must be a list")


def _keys(
    value: Any, file: str, field: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fault(
            file, field, f"应为键值映射（{'、'.join(required)}）", "must be a mapping of keys"
        )
    for key in required:
        if key not in value:
            raise _fault(file, field, f"缺少 {key}", f"missing key '{key}'")
    unknown = [str(k) for k in value if k not in required + optional]
    if unknown:
        allowed = "、".join(required + optional)
        raise _fault(
            file,
            field,
            f"有未知的键 {unknown[0]}（可用：{allowed}）",
            f"unknown key '{unknown[0]}'",
        )
    return value


def _in_year(day: dt.date, year: int, file: str, field: str) -> dt.date:
    if day.year != year:
        raise _fault(
            file,
            field,
            f"{day} 不在 {year} 年（跨年的假期请拆到各自年份的文件）",
            f"{day} is outside {year}; split a block that crosses the new year",
        )
    return day


# --- one year's file ------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFile:
    """One year as transcribed from the notice, before overrides."""

    year: int
    source: str
    rest: dict[dt.date, str]  # holiday rest day -> holiday name
    worked: frozenset[dt.date]  # weekend days declared working days


def parse_year_file(entry: Traversable, year: int, file: str | None = None) -> YearFile:
    """Validates one year's file; every fault names the file, the field and what is wrong."""
    file = file or str(entry)
    raw = _keys(
        _read_yaml(entry, file),
        file,
        "",
        ("year", "source", "holidays", "workdays"),
        ("published", "notes"),
    )
    if type(raw["year"]) is not int or raw["year"] != year:
        raise _fault(
            file,
            "year",
            f"为 {raw['year']}，与文件名年份 {year} 不一致",
            f"is {raw['year']} but the file name says {year}",
        )
    if raw.get("published") is not None:
        _day(raw["published"], file, "published")
    rest = _holiday_blocks(_items(raw["holidays"], file, "holidays"), year, file)
    worked = _make_up_days(_items(raw["workdays"], file, "workdays"), year, rest, file)
    return YearFile(year, _text(raw["source"], file, "source"), rest, worked)


def _holiday_blocks(blocks: list[Any], year: int, file: str) -> dict[dt.date, str]:
    rest: dict[dt.date, str] = {}
    owner: dict[dt.date, int] = {}
    for i, block in enumerate(blocks):
        where = f"holidays[{i}]"
        _keys(block, file, where, ("name", "from", "to"), ("note",))
        name = _text(block["name"], file, f"{where}.name")
        first = _in_year(_day(block["from"], file, f"{where}.from"), year, file, f"{where}.from")
        last = _in_year(_day(block["to"], file, f"{where}.to"), year, file, f"{where}.to")
        if last < first:
            raise _fault(
                file,
                where,
                f"结束日 {last} 早于开始日 {first}",
                f"'to' {last} is before 'from' {first}",
            )
        for day in _days(first, last):
            if day in rest:
                raise _fault(
                    file,
                    where,
                    f"{day} 与 holidays[{owner[day]}] 重叠",
                    f"{day} overlaps holidays[{owner[day]}]",
                )
            rest[day], owner[day] = name, i
    return rest


def _make_up_days(
    values: list[Any], year: int, rest: dict[dt.date, str], file: str
) -> frozenset[dt.date]:
    worked: set[dt.date] = set()
    for i, value in enumerate(values):
        where = f"workdays[{i}]"
        day = _in_year(_day(value, file, where), year, file, where)
        if day.weekday() < 5:
            raise _fault(
                file,
                where,
                f"{day} 不是周末（星期{_WEEKDAY[day.weekday()]}），调休上班日只能是周六或周日",
                f"{day} is a weekday; a make-up working day must be a Saturday or Sunday",
            )
        if day in rest:
            raise _fault(
                file,
                where,
                f"{day} 同时被列为放假日（{rest[day]}）",
                f"{day} is also inside a holiday block",
            )
        if day in worked:
            raise _fault(file, where, f"{day} 重复列出", f"{day} is listed twice")
        worked.add(day)
    return frozenset(worked)


# --- the overrides file ---------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    workday: bool
    reason: str
    name: str | None  # shown as the holiday's name when the override makes a rest day


def parse_overrides(entry: Traversable, file: str | None = None) -> dict[dt.date, Override]:
    file = file or str(entry)
    raw = _read_yaml(entry, file)
    if raw is None:  # an emptied file after an adjustment has passed
        return {}
    raw = _keys(raw, file, "", ("overrides",))
    found: dict[dt.date, Override] = {}
    for i, item in enumerate(_items(raw["overrides"], file, "overrides")):
        where = f"overrides[{i}]"
        _keys(item, file, where, ("date", "workday", "reason"), ("name",))
        day = _day(item["date"], file, f"{where}.date")
        if not isinstance(item["workday"], bool):
            raise _fault(
                file,
                f"{where}.workday",
                f"'{item['workday']}' 应为 true 或 false",
                "must be true or false",
            )
        if day in found:
            raise _fault(file, where, f"{day} 重复列出", f"{day} is listed twice")
        name = _text(item["name"], file, f"{where}.name") if "name" in item else None
        found[day] = Override(item["workday"], _text(item["reason"], file, f"{where}.reason"), name)
    return found


# --- locating files -------------------------------------------------------------------------


def _year_entries(home: Path | None) -> dict[int, tuple[Traversable, str]]:
    found: dict[int, tuple[Traversable, str]] = {}
    # The packaged folder first, the local one second: a clerk's local file wins.
    folders: list[Traversable] = [resources.files("calendars.holidays")]
    if home is not None:
        folders.append(home / "holidays")
    for folder in folders:
        for entry in _yaml_files(folder):
            found[int(entry.name[:4])] = (entry, _shown(Path(str(entry))))
    return found


def _yaml_files(folder: Traversable) -> Iterator[Traversable]:
    if folder.is_dir():
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if _YEAR_FILE.match(entry.name) and entry.is_file():
                yield entry


def _overrides_file(home: Path | None, explicit: Path | None) -> Path | None:
    if explicit is None:
        if home is None:
            return None
        default = home / "calendar-overrides.yaml"
        return default if default.is_file() else None
    explicit = explicit.expanduser()
    # A path someone configured on purpose that points nowhere is a mistake, not "no overrides".
    if not explicit.is_file():
        raise _fault(_shown(explicit), "", "调整文件不存在", "the overrides file does not exist")
    return explicit


# --- the calendar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Year:
    """One covered year compiled for lookups; days are ordinals so bisect can work on them."""

    source: str
    first: int  # ordinal of 1 January
    flags: bytes  # 1 for a working day, indexed from 1 January
    workdays: list[int]  # ordinals of the working days, sorted
    rest: dict[int, str]  # ordinal -> holiday name, rest days only
    rest_sorted: list[int]


def _compile(data: YearFile, overrides: dict[dt.date, Override]) -> _Year:
    first = dt.date(data.year, 1, 1)
    flags = bytearray()
    rest: dict[int, str] = {}
    for day in _days(first, dt.date(data.year, 12, 31)):
        worked = day in data.worked or (day.weekday() < 5 and day not in data.rest)
        name = data.rest.get(day)
        change = overrides.get(day)
        if change is not None:
            worked = change.workday
            name = None if worked else change.name or name or change.reason
        flags.append(worked)
        if name is not None and not worked:
            rest[day.toordinal()] = name
    start = first.toordinal()
    ordinals = [start + i for i, flag in enumerate(flags) if flag]
    return _Year(data.source, start, bytes(flags), ordinals, rest, sorted(rest))


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        yield dt.date.fromordinal(ordinal)


def _as_day(value: dt.date) -> dt.date:
    # A datetime is also a date, but it compares unequal to one and may be in another zone:
    # use its calendar day in Beijing.
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(BEIJING)
        return dt.date(value.year, value.month, value.day)
    return value


def _year_span(first: dt.date, last: dt.date) -> Iterator[tuple[int, int, int]]:
    """(year, first ordinal, last ordinal) for each calendar year inside [first, last];
    nothing for an empty range, so a reversed range touches no year and counts 0."""
    if last < first:
        return
    for year in range(first.year, last.year + 1):
        lo = max(first, dt.date(year, 1, 1)).toordinal()
        hi = min(last, dt.date(year, 12, 31)).toordinal()
        yield year, lo, hi


class WorkdayCalendar:
    def __init__(
        self, years: dict[int, YearFile], overrides: dict[dt.date, Override], home: Path | None
    ) -> None:
        self._home = home
        self._years = {
            year: _compile(data, {d: o for d, o in overrides.items() if d.year == year})
            for year, data in years.items()
        }

    @classmethod
    def load(cls, home: Path | None = None, overrides: Path | None = None) -> WorkdayCalendar:
        """Reads the packaged year files, those in ``home/holidays`` and the overrides
        (``overrides``, else ``home/calendar-overrides.yaml`` if there is one); without a
        home, the packaged files alone."""
        home_dir = Path(home).expanduser() if home is not None else None
        years = {
            year: parse_year_file(entry, year, shown)
            for year, (entry, shown) in _year_entries(home_dir).items()
        }
        path = _overrides_file(home_dir, overrides)
        changes = parse_overrides(path, _shown(path)) if path is not None else {}
        return cls(years, changes, home_dir)

    def years(self) -> list[int]:
        return sorted(self._years)

    def source(self, year: int) -> str:
        return self._year(year).source

    def _year(self, year: int) -> _Year:
        try:
            return self._years[year]
        except KeyError:
            hint = (
                _shown(self._home / "holidays" / f"{year}.yaml")
                if self._home is not None
                else f"$ZHICHENG_HOME/holidays/{year}.yaml"
            )
            raise YearNotCovered(year, hint) from None

    def _day_after(self, day: dt.date) -> dt.date:
        """The next day; after the last day a date can hold comes a year no file covers."""
        if day == dt.date.max:
            self._year(day.year + 1)  # raises YearNotCovered: no year past 9999 has a file
        return day + dt.timedelta(days=1)

    def is_workday(self, day: dt.date) -> bool:
        day = _as_day(day)
        data = self._year(day.year)
        return bool(data.flags[day.toordinal() - data.first])

    def holiday_name(self, day: dt.date) -> str | None:
        """The holiday a rest day belongs to; None for working days and ordinary weekends."""
        day = _as_day(day)
        return self._year(day.year).rest.get(day.toordinal())

    def next_workday(self, day: dt.date) -> dt.date:
        return self.add_workdays(self._day_after(_as_day(day)), 1)

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day counting from ``day``, which counts when it is worked."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"工作日数须为正整数（收到 {n!r}） — n must be an integer >= 1")
        day = _as_day(day)
        year, ordinal = day.year, day.toordinal()
        while True:
            # Each year not covered stops the walk rather than being stepped over.
            days = self._year(year).workdays
            i = bisect_left(days, ordinal)
            if n <= len(days) - i:
                return dt.date.fromordinal(days[i + n - 1])
            n -= len(days) - i
            # 1 January of the next year as an ordinal: no date is built, so the walk past
            # 9999 reaches the year lookup (not covered) instead of overflowing.
            ordinal = dt.date(year, 12, 31).toordinal() + 1
            year += 1

    def workdays_after(self, day: dt.date, n: int) -> dt.date:
        """ "Within n working days after" an event: counting starts the next day."""
        return self.add_workdays(self._day_after(_as_day(day)), n)

    def workdays_between(self, first: dt.date, last: dt.date) -> int:
        """Working days in [first, last], both counted; 0 when last is before first."""
        first, last = _as_day(first), _as_day(last)
        total = 0
        for year, lo, hi in _year_span(first, last):
            days = self._year(year).workdays
            total += bisect_right(days, hi) - bisect_left(days, lo)
        return total

    def rest_days(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """Holiday rest days in [first, last] — ordinary weekends are left out — for shading."""
        first, last = _as_day(first), _as_day(last)
        out: list[dt.date] = []
        for year, lo, hi in _year_span(first, last):
            rest = self._year(year).rest_sorted
            out += map(dt.date.fromordinal, rest[bisect_left(rest, lo) : bisect_right(rest, hi)])
        return out


@lru_cache(maxsize=4)
def calendar_for(home: Path, overrides: Path | None = None) -> WorkdayCalendar:
    """The calendar of one (home, overrides) setting, loaded once; files edited on disk are
    read again after ``calendar_for.cache_clear()``."""
    return WorkdayCalendar.load(home, overrides)


def day_start(day: dt.date) -> pendulum.DateTime:
    """00:00 Beijing time of ``day``."""
    return _midnight(_as_day(day))


# Asked tens of thousands of times a cycle for a few hundred days (every committee's window at
# every reminder instant), and pendulum builds each instant in ~12 µs: the instants are
# immutable, so each day's is built once.
@lru_cache(maxsize=4096)
def _midnight(day: dt.date) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, tz=BEIJING)


def day_end(day: dt.date) -> pendulum.DateTime:
    """24:00 Beijing time of ``day`` ("X日24时"): the next day's 00:00 in Asia/Shanghai."""
    return day_start(_as_day(day) + dt.timedelta(days=1))
