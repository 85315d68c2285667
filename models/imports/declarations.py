"""Importing a unit's applicants: the columns of 《申报评审职称审核推荐汇总表》 (004 附件2) plus
the unit's credit code, series, specialty, level sought and the committee if one was chosen.
Each row becomes a person and a draft application routed to a committee that may hear it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from calendars.beijing import beijing, beijing_text
from models.application import Application, ApplicationProfile, Person
from models.id_lists import among
from models.imports.report import (
    ImportColumn,
    ImportResult,
    Problems,
    Rows,
    check_template,
    chunks,
    duplicates,
)
from models.imports.routing import DECLARATION_COLUMNS, CycleRouting, cycle_routing, places
from models.org import Organisation, OrgKind
from models.profiles import add_profiles, replace_profiles
from outputs.summary_sheet import COLUMNS as SHEET_COLUMNS
from rules.credit_code import InvalidCreditCode, check_credit_code
from rules.idcard import IdNumber, InvalidIdNumber, parse_id_number
from rules.mobile import InvalidMobile, check_mobile
from rules.retirement import default_rules

UNIT_CODE, SERIES, SPECIALTY, LEVEL, COMMITTEE, MOBILE, ORIGINAL_AGE, VILLAGE = (
    "单位统一社会信用代码",
    "系列",
    "专业",
    "申报级别",
    "评委会",
    "手机号",
    "原法定退休年龄（女）",
    "乡村单位人才",
)
DATES = {"work_start", "title_obtained", "title_appointed"}
COUNTS = {"years_in_field", "paper_count"}
YES_NO = {"achievements_ok", "continuing_education_done", "vacancy"}
YES, NO = ("是", "有", "已完成", "符合"), ("否", "无", "未完成", "不符合")
SPECIAL = {"#serial": "说明：序号，可不填", "#unit": "说明：单位名称，须与统一社会信用代码一致"}
NOTES = {
    "#name": "说明：与身份证一致",
    "#id": "说明：18位身份证号（出生日期、性别由此得出）",
    **{k: "说明：日期写作 2021-07-01" for k in DATES},
    **{k: "说明：整数" for k in COUNTS},
    **{k: "说明：是 或 否" for k in YES_NO},
}


def sheet_header(header: str, sub: str | None) -> str:
    """A summary-sheet column as one heading (现任职务-资格名称): the template has one row."""
    return f"{header}-{sub}" if sub else header


SHEET = [(sheet_header(h, s), key) for h, s, key in SHEET_COLUMNS]
KEY_OF = dict(SHEET)
HEADER_OF = {key: header for header, key in SHEET}
NAME, ID = HEADER_OF["#name"], HEADER_OF["#id"]
COLUMNS = [
    ImportColumn(UNIT_CODE, "说明：申报单位的18位统一社会信用代码", True),
    *(
        ImportColumn(
            h, SPECIAL.get(key) or NOTES.get(key) or "说明：按汇总表填写", key in ("#name", "#id")
        )
        for h, key in SHEET
    ),
    ImportColumn(SERIES, "说明：职称系列，如 工程、卫生、中小学教师", True),
    ImportColumn(SPECIALTY, "说明：专业，如 建设工程；评委会按专业分设时必填"),
    ImportColumn(LEVEL, "说明：正高级、副高级、中级 或 初级", True),
    ImportColumn(COMMITTEE, "说明：申报人选定的评委会名称；不填则自动匹配唯一适合的评委会"),
    ImportColumn(MOBILE, "说明：申报人11位手机号"),
    # The retirement reform's group of a woman depends on her original statutory age (50 or
    # 55, by post), which no ID number tells: without it her declaration cannot be submitted.
    ImportColumn(ORIGINAL_AGE, "说明：女性申报人填原法定退休年龄（周岁，按原岗位）；男性不填"),
    # Counted in a senior committee's village quota (001 三(二)): the sheet has no such column.
    ImportColumn(
        VILLAGE, "说明：在乡村单位工作填 是，否则填 否 或不填（高级职称乡村单位人才比例）"
    ),
]


@dataclass(slots=True)
class Declared:
    row: int
    id_number: str
    name: str
    male: bool
    birth: dt.date
    phone: str | None
    unit: str
    series: str
    specialty: str | None
    level: str
    committee: str | None
    title_sought: str | None
    profile: dict[str, Any]
    unit_name: str  # as written in the row ('' when not)
    female_original_age: int | None = None
    village_unit: bool | None = None


def _profile_value(key: str, text: str) -> tuple[Any, str | None]:
    """The value stored for one summary-sheet cell, or why it is not acceptable."""
    if key in DATES:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None, "日期应写作 2021-07-01 的形式（年-月-日，月和日两位）"
        if len(text) != 10:
            return None, "日期应写作 2021-07-01 的形式（年-月-日，月和日两位）"
        return day.isoformat(), None
    if key in COUNTS:
        if not text.isdigit():
            return None, "应为不带单位的非负整数"
        return int(text), None
    if key in YES_NO:
        return _yes_no(text)
    return text, None


def _yes_no(text: str) -> tuple[bool | None, str | None]:
    if text in YES:
        return True, None
    if text in NO:
        return False, None
    return None, "应填 是 或 否"


@lru_cache(maxsize=4096)
def _unit_code(text: str) -> str:
    """A unit's code checked once however many of its applicants a file lists."""
    return check_credit_code(text)


def _mobile(text: str) -> str:
    """``check_mobile``, with the usual case (11 plain digits, 13–19 first) taken as written."""
    if len(text) == 11 and text.isascii() and text.isdigit() and text[1] in "3456789":
        if text[0] == "1":
            return text
    return check_mobile(text)


# The summary sheet's cells stored in the profile, in the sheet's order, each with its check
# (None: any text); built once, so a row only looks up what it holds.
_CHECKED = {**dict.fromkeys(DATES, "date"), **dict.fromkeys(COUNTS, "count")}
_CHECKED |= dict.fromkeys(YES_NO, "yes_no")
# the routing's columns are the template's
assert DECLARATION_COLUMNS == (SERIES, SPECIALTY, LEVEL, COMMITTEE)
PROFILE_CELLS = [(h, key, _CHECKED.get(key)) for h, key in SHEET if not key.startswith("#")]


def _read_row(
    number: int, values: dict[str, str], on: dt.date, problems: Problems
) -> Declared | None:
    # every cell as written, trimmed, empty ones left out: one pass instead of a look-up
    # and a strip per column
    given: dict[str, str] = {}
    for h, v in values.items():
        if v and (t := v.strip()):
            given[h] = t
    get = given.get
    before = len(problems.errors)
    id_text, name = get(ID, ""), get(NAME, "")
    parsed = None
    try:
        parsed = parse_id_number(id_text, on=on)
    except InvalidIdNumber as exc:
        problems.add(number, ID, id_text, exc.reason)
    if not name:
        problems.add(number, NAME, name, "姓名不能为空")
    elif len(name) > 50:
        problems.add(number, NAME, name, "姓名最多50个字")
    unit_text = get(UNIT_CODE, "")
    unit = ""
    try:
        unit = _unit_code(unit_text)
    except InvalidCreditCode as exc:
        problems.add(number, UNIT_CODE, unit_text, str(exc))
    series, level = get(SERIES, ""), get(LEVEL, "")
    if not series:
        problems.add(number, SERIES, series, "系列不能为空")
    if not level:
        problems.add(number, LEVEL, level, "申报级别不能为空")
    phone = get(MOBILE)
    if phone:
        try:
            phone = _mobile(phone)
        except InvalidMobile as exc:
            problems.add(number, MOBILE, phone, str(exc))
    original_age = _original_age(number, get(ORIGINAL_AGE), parsed, problems)
    village = get(VILLAGE)
    village_unit = None
    if village:
        village_unit, why = _yes_no(village)
        if why:
            problems.add(number, VILLAGE, village, why)
    profile: dict[str, Any] = {}
    for header, key, check in PROFILE_CELLS:
        text = get(header)
        if text is None:
            continue
        if check is None:
            profile[key] = text
            continue
        value, why = _profile_value(key, text)
        if why:
            problems.add(number, header, text, why)
        else:
            profile[key] = value
    if len(problems.errors) > before or parsed is None:
        return None
    return Declared(
        number,
        parsed.value,
        name,
        parsed.is_male,
        parsed.birth,
        phone,
        unit,
        series,
        get(SPECIALTY),
        level,
        get(COMMITTEE),
        profile.get("title_sought"),
        profile,
        get(HEADER_OF["#unit"], ""),
        original_age,
        village_unit,
    )


def _original_age(
    number: int, text: str | None, parsed: IdNumber | None, problems: Problems
) -> int | None:
    """A woman's original statutory retirement age, one of the ages the retirement data
    knows; a man's row leaves the column empty."""
    if not text:
        return None
    if parsed is not None and parsed.is_male:
        problems.add(number, ORIGINAL_AGE, text, "男性申报人不填原法定退休年龄")
        return None
    ages = _female_ages()
    if not text.isdigit() or int(text) not in ages:
        allowed = " 或 ".join(str(a) for a in ages)
        problems.add(number, ORIGINAL_AGE, text, f"原法定退休年龄只能是 {allowed}（周岁）")
        return None
    return int(text)


@lru_cache(maxsize=1)
def _female_ages() -> tuple[int, ...]:
    """The original statutory ages a woman's row may give, read once: half the rows of a
    province's file give one."""
    return tuple(
        sorted(g.original_years for g in default_rules().groups.values() if g.sex == "female")
    )


@dataclass
class UnitInfo:
    id: int
    name: str
    kind: str
    city_code: str | None
    path: str


def _units(session: Session, codes: list[str]) -> dict[str, UnitInfo]:
    out: dict[str, UnitInfo] = {}
    for part in chunks(codes):
        # the columns it needs, not ORM objects: one row per request on the last evening
        found = session.execute(
            sql_select(
                col(Organisation.code),
                col(Organisation.id),
                col(Organisation.name),
                col(Organisation.kind),
                col(Organisation.city_code),
                col(Organisation.path),
            ).where(col(Organisation.code).in_(part))
        )
        for code, org_id, name, kind, city_code, path in found:
            out[code] = UnitInfo(org_id, name, kind, city_code, path)
    return out


def import_declarations(
    session: Session,
    rows: Rows,
    *,
    cycle_id: str,
    now: dt.datetime,
    header: list[str] | None = None,
    dry_run: bool = False,
    on_row: Callable[[int], None] | None = None,
    routing: CycleRouting | None = None,
) -> ImportResult:
    """Checks and routes every row; then writes the people and drafts in a few statements,
    or nothing. A submitted application is not changed by an import. ``routing``: the
    cycle's, when the caller has just read it (``cycle_routing``)."""
    result = ImportResult("declarations", dry_run=dry_run)
    problems = Problems()
    # the cycle's year, committees and router as of its stored revision, read once per
    # revision (a declaration written through the API is one row: this was most of its cost)
    routing = routing or cycle_routing(session, cycle_id)
    if routing is None:
        problems.add(0, "", cycle_id, f"没有编号为 {cycle_id} 的周期：请先用 zhicheng launch 启动")
        result.errors = problems.sorted()
        return result
    # past the declaration window's end ("closes automatically and is not reopened",
    # 002 五(一)); before the window opens units may load their applicants
    end = routing.declaration_end
    closed = end if end is not None and now >= end else None
    if closed is not None:
        problems.add(0, "", "", f"个人申报已于 {beijing_text(closed)} 截止，不能再导入申报人")
    if not check_template(COLUMNS, header, rows, problems) or closed is not None:
        result.errors = problems.sorted()
        return result
    duplicates(rows, ID, problems)
    on = beijing(now).date()  # a birth date later than today (Beijing) is refused
    declared: dict[str, Declared] = {}
    for done, (number, values) in enumerate(rows, start=1):
        if on_row is not None and done % 500 == 0:
            on_row(done)
        d = _read_row(number, values, on, problems)
        if d is not None and d.id_number not in declared:
            declared[d.id_number] = d
    units = _units(session, sorted({d.unit for d in declared.values()}))
    router = routing.router
    where = places(session, {code: unit.path for code, unit in units.items()})
    choices: dict[str, int] = {}
    for d in declared.values():
        unit = units.get(d.unit)
        if unit is None or unit.kind not in (OrgKind.unit, OrgKind.agency):
            problems.add(
                d.row, UNIT_CODE, d.unit, "没有以此统一社会信用代码登记的用人单位：请先导入机构"
            )
            continue
        if d.unit_name and d.unit_name != unit.name:
            problems.add(
                d.row,
                HEADER_OF["#unit"],
                d.unit_name,
                f"与统一社会信用代码登记的单位名称“{unit.name}”不一致",
            )
        choice = router.route(d, where[d.unit], problems)
        if choice is not None:
            choices[d.id_number] = choice
    stored_people, stored_apps = _stored(session, sorted(declared), routing.year)
    for d in declared.values():
        app = stored_apps.get(d.id_number)
        if app is None:
            continue
        if app["cycle_id"] != cycle_id:
            problems.add(
                d.row,
                ID,
                d.id_number,
                f"此人本年度已在周期 {app['cycle_id']} 申报（每年只能向一个评委会申报）",
            )
    new_people, changed_people, new_apps, changed_apps = _writes(
        declared, stored_people, stored_apps, units, choices, cycle_id, routing.year, now, problems
    )
    if problems:
        result.errors = problems.sorted()
        return result
    result.added = len(new_apps)
    result.updated = len(changed_apps)
    result.unchanged = len(declared) - len(new_apps) - len(changed_apps)
    if dry_run:
        return result
    # new rows through the tables themselves, without the ORM's per-row bookkeeping; a few
    # thousand rows an executemany, so the driver's copy of a whole province's parameters is
    # never held at once (all inside the caller's one transaction: still all or nothing)
    for part in chunks(new_people):
        session.execute(insert(Person.metadata.tables["person"]), part)
    for part in chunks(changed_people):
        session.execute(update(Person), part)
    # the summary sheets beside the rows (models.profiles), by the ids the rows were given
    for part in chunks(new_apps):
        sheets = {app["person_id"]: app.pop("profile") for app in part}
        session.execute(_ADD_APPLICATIONS, part)
        added = application_ids(session, list(sheets), routing.year)
        add_profiles(session, {app_id: sheets[person] for person, app_id in added.items()})
    for part in chunks(changed_apps):
        changed = {app["id"]: app.pop("profile") for app in part}
        session.execute(update(Application), part)
        replace_profiles(session, changed)
    return result


_APPLICATIONS = Application.metadata.tables["application"]
# a plain INSERT, the ids read back by person after it: with RETURNING, SQLAlchemy builds a
# multi-row statement's text in Python (benchmarks/imports.py, 100,000 rows on SQLite:
# 8.2-8.4 s this way, 10.5-10.7 s with RETURNING)
_ADD_APPLICATIONS = insert(_APPLICATIONS)


def application_ids(session: Session, people: list[str], year: int) -> dict[str, int]:
    """The id of each of these people's application of ``year`` (one a year), by person: one
    look-up of the person's index for them all."""
    found = session.execute(
        sql_select(_APPLICATIONS.c.person_id, _APPLICATIONS.c.id).where(
            among(_APPLICATIONS.c.person_id, people, text=True),
            _APPLICATIONS.c.year == year,
        )
    )
    return {person: app_id for person, app_id in found}


Writes = list[dict[str, Any]]


def _writes(
    declared: dict[str, Declared],
    stored_people: dict[str, dict[str, Any]],
    stored_apps: dict[str, dict[str, Any]],
    units: dict[str, UnitInfo],
    choices: dict[str, int],
    cycle_id: str,
    year: int,
    now: dt.datetime,
    problems: Problems,
) -> tuple[Writes, Writes, Writes, Writes]:
    """The people and drafts to insert or update. A submitted declaration re-imported as it
    stands is unchanged; one the file would change is refused (it is no longer a draft)."""
    # one plain UTC instant for every draft: a pendulum ``now`` converts slowly, and the
    # column type would convert it again for each of 100,000 rows
    stamp = _plain_utc(now)
    new_people: Writes = []
    changed_people: Writes = []
    new_apps: Writes = []
    changed_apps: Writes = []
    for d in declared.values():
        if d.unit not in units or d.id_number not in choices:
            continue  # already reported: no unit or no committee for it
        person = {
            "id_number": d.id_number,
            "name": d.name,
            "male": d.male,
            "birth": d.birth,
            "phone": d.phone,
        }
        stored = stored_people.get(d.id_number)
        if stored is None:
            new_people.append(person)
        elif stored != person:
            changed_people.append(person)
        unit = units[d.unit]
        app = {
            "unit_id": unit.id,
            "committee_id": choices[d.id_number],
            "city_code": unit.city_code or "",
            "series": d.series,
            "specialty": d.specialty,
            "level_sought": d.level,
            "title_sought": d.title_sought,
            "profile": d.profile,
        }
        old = stored_apps.get(d.id_number)
        # the declared age merges into what is stored: other facts of the draft stay as they are
        facts = (old or {}).get("facts")
        if d.female_original_age is not None:
            facts = dict(facts or {}) | {"female_original_age": d.female_original_age}
        if d.village_unit is not None:
            facts = dict(facts or {}) | {"village_unit": d.village_unit}
        app["facts"] = facts
        if old is None:
            new_apps.append(
                app
                | {
                    "cycle_id": cycle_id,
                    "year": year,
                    "person_id": d.id_number,
                    "status": "draft",
                    "created_at": stamp,
                    "updated_at": stamp,
                    "return_count": 0,
                    "locked": False,
                }
            )
        elif any(old[k] != v for k, v in app.items()) or stored != person:
            if old["status"] != "draft":
                problems.add(
                    d.row,
                    ID,
                    d.id_number,
                    "此人的申报已提交，不能再通过导入修改（请在工作台退回后修改）",
                )
                continue
            changed_apps.append(app | {"id": old["id"], "updated_at": stamp})
    return new_people, changed_people, new_apps, changed_apps


def _plain_utc(instant: dt.datetime) -> dt.datetime:
    u = instant.astimezone(dt.UTC)
    return dt.datetime(
        u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, tzinfo=dt.UTC
    )


PERSON_FIELDS = ("id_number", "name", "male", "birth", "phone")
APP_FIELDS = (
    "person_id",
    "id",
    "cycle_id",
    "status",
    "unit_id",
    "committee_id",
    "city_code",
    "series",
    "specialty",
    "level_sought",
    "title_sought",
    "profile",
    "facts",
)


def _stored(
    session: Session, ids: list[str], year: int
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """What is stored of these people and their applications this year, as plain values
    (columns only: no ORM objects for thousands of rows). Applications are looked up only for
    the people found: an application names a stored person (its foreign key), so a file of
    newcomers costs one look-up per row, not two."""
    people: dict[str, dict[str, Any]] = {}
    apps: dict[str, dict[str, Any]] = {}
    person_columns = [getattr(Person, f) for f in PERSON_FIELDS]
    app_columns = [
        col(ApplicationProfile.profile) if f == "profile" else getattr(Application, f)
        for f in APP_FIELDS
    ]
    for part in chunks(ids):
        known = []
        for values in session.execute(
            select(*person_columns).where(col(Person.id_number).in_(part))
        ):
            people[values[0]] = dict(zip(PERSON_FIELDS, values, strict=True))
            known.append(values[0])
        if not known:
            continue
        found = session.execute(
            select(*app_columns)
            .outerjoin(
                ApplicationProfile,
                col(ApplicationProfile.application_id) == col(Application.id),
            )
            .where(col(Application.person_id).in_(known), col(Application.year) == year)
        )
        for values in found:
            apps[values[0]] = dict(zip(APP_FIELDS, values, strict=True))
    return people, apps
