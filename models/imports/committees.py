"""Importing a city's or a department's own review committees for one cycle (the provincial
committees come from the cycle file and are not changed here)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from models.accounts import Account
from models.cycle import Committee, Cycle
from models.imports.orgs import ids_by_code
from models.imports.report import (
    ImportColumn,
    ImportResult,
    Problems,
    Rows,
    cell,
    check_template,
    duplicates,
)
from models.org import Organisation, OrgKind

KEY, NAME, OWNER, SERIES, SPECIALTIES = (
    "评委会编码",
    "评委会名称",
    "组建单位编码",
    "系列",
    "评审专业",
)
LEVEL, SCOPE, START, LAST = "级别", "适用范围", "评审开始日期", "评审结束日期"
COLUMNS = [
    ImportColumn(KEY, "说明：本周期内唯一的编码，如 jyg-gc-zj（字母、数字、短横线）", True),
    ImportColumn(NAME, "说明：全称，如 嘉峪关市工程系列中级职称评审委员会", True),
    ImportColumn(OWNER, "说明：组建单位（市州人社局或行业主管部门）的机构编码", True),
    ImportColumn(SERIES, "说明：职称系列，如 工程", True),
    ImportColumn(SPECIALTIES, "说明：所评专业，多个用顿号分隔；不填表示该系列全部专业"),
    ImportColumn(LEVEL, "说明：高级 或 中级", True),
    ImportColumn(SCOPE, "说明：本市州、全省、县以下基层 或 自主评审", True),
    ImportColumn(START, "说明：评审开始日期，写作 2024-11-11", True),
    ImportColumn(LAST, "说明：评审最后一天，写作 2024-12-10", True),
]
LEVELS = {"高级": "senior", "中级": "intermediate"}
SCOPES = {"本市州": "city", "全省": "province", "县以下基层": "grassroots", "自主评审": "self"}
OWNER_KINDS = {OrgKind.province, OrgKind.city, OrgKind.county, OrgKind.department}
KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
FIELDS = (
    "region",
    "owners",
    "name",
    "organiser",
    "series",
    "specialties",
    "level",
    "scope",
    "window_start",
    "window_last_day",
    "owner_id",
)


@dataclass
class WantedCommittee:
    row: int
    key: str
    name: str
    owner: str
    series: str
    specialties: list[str] | None
    level: str
    scope: str
    window_start: dt.date
    window_last_day: dt.date


def _day(number: int, values: dict[str, str], header: str, problems: Problems) -> dt.date | None:
    text = cell(values, header)
    try:
        if len(text) == 10:
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    problems.add(number, header, text, "日期应写作 2024-11-11 的形式（年-月-日，月和日两位）")
    return None


def _read_row(number: int, values: dict[str, str], problems: Problems) -> WantedCommittee | None:
    before = len(problems.errors)
    key, name, owner, series = (cell(values, h) for h in (KEY, NAME, OWNER, SERIES))
    if not KEY_PATTERN.match(key):
        problems.add(number, KEY, key, "评委会编码应为1–80个字母、数字、短横线或下划线")
    if not name:
        problems.add(number, NAME, name, "评委会名称不能为空")
    if not owner:
        problems.add(number, OWNER, owner, "组建单位编码不能为空")
    if not series:
        problems.add(number, SERIES, series, "系列不能为空")
    level_text, scope_text = cell(values, LEVEL), cell(values, SCOPE)
    level, scope = LEVELS.get(level_text), SCOPES.get(scope_text)
    if level is None:
        problems.add(number, LEVEL, level_text, "级别应为 高级 或 中级")
    if scope is None:
        problems.add(number, SCOPE, scope_text, "适用范围应为 " + "、".join(SCOPES))
    start, last = _day(number, values, START, problems), _day(number, values, LAST, problems)
    if start and last and last < start:
        problems.add(number, LAST, cell(values, LAST), "评审结束日期早于开始日期")
    text = cell(values, SPECIALTIES)
    specialties = [s.strip() for s in re.split(r"[、，,；;]", text) if s.strip()] or None
    if len(problems.errors) > before or level is None or scope is None or not start or not last:
        return None
    return WantedCommittee(number, key, name, owner, series, specialties, level, scope, start, last)


def import_committees(
    session: Session,
    rows: Rows,
    *,
    cycle_id: str,
    header: list[str] | None = None,
    by: Account | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Adds or updates the committees a city or department sets up for ``cycle_id``; all or
    nothing. ``by`` (an admin) may import only committees organised within its own subtree."""
    result = ImportResult("committees", dry_run=dry_run)
    problems = Problems()
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        problems.add(0, "", cycle_id, f"没有编号为 {cycle_id} 的周期：请先用 zhicheng launch 启动")
        result.errors = problems.sorted()
        return result
    if not check_template(COLUMNS, header, rows, problems):
        result.errors = problems.sorted()
        return result
    duplicates(rows, KEY, problems)
    wanted: dict[str, WantedCommittee] = {}
    for number, values in rows:
        w = _read_row(number, values, problems)
        if w is not None and w.key not in wanted:
            wanted[w.key] = w
    owners = {
        o.code: o
        for o in session.exec(
            select(Organisation).where(
                col(Organisation.code).in_({w.owner for w in wanted.values()})
            )
        )
    }
    scope = session.get(Organisation, by.organisation_id) if by and by.organisation_id else None
    stored = {
        c.key: c
        for c in session.exec(
            select(Committee).where(
                col(Committee.cycle_id) == cycle_id, col(Committee.key).in_(list(wanted))
            )
        )
    }
    for w in wanted.values():
        owner = owners.get(w.owner)
        if owner is None:
            problems.add(w.row, OWNER, w.owner, "组建单位不存在：请先导入机构")
        elif owner.kind not in OWNER_KINDS:
            problems.add(w.row, OWNER, w.owner, "组建单位应为人社部门或行业主管部门")
        elif scope is not None and not (owner.path + "/").startswith(scope.path + "/"):
            problems.add(w.row, OWNER, w.owner, f"超出本账号（{scope.name}）的管辖范围")
        elif w.scope == "city" and owner.city_code is None:
            problems.add(w.row, SCOPE, "本市州", "省级组建单位的评委会不能只评审一个市州")
        old = stored.get(w.key)
        if old is not None and old.owner_id is None:
            problems.add(w.row, KEY, w.key, "此评委会来自周期文件，不能通过导入修改")
    if problems:
        result.errors = problems.sorted()
        return result
    ids = ids_by_code(session, {w.owner for w in wanted.values()})
    new: list[dict[str, object]] = []
    changed: list[dict[str, object]] = []
    for w in wanted.values():
        record: dict[str, object] = {
            "name": w.name,
            "organiser": owners[w.owner].name,
            "series": w.series,
            "specialties": w.specialties,
            "level": w.level,
            "scope": w.scope,
            "window_start": w.window_start,
            "window_last_day": w.window_last_day,
            "owner_id": ids[w.owner],
            "region": _region(w.scope, owners[w.owner]),
            "owners": [owners[w.owner].name] if w.scope == "self" else None,
        }
        old = stored.get(w.key)
        if old is None:
            new.append({**record, "cycle_id": cycle_id, "key": w.key})
        elif any(getattr(old, f) != record[f] for f in FIELDS):
            changed.append({**record, "id": old.id})
    result.added, result.updated = len(new), len(changed)
    result.unchanged = len(wanted) - len(new) - len(changed)
    if dry_run:
        return result
    if new:
        session.execute(insert(Committee), new)
    if changed:
        session.execute(update(Committee), changed)
    if new or changed:
        # what routes the cycle's declarations changed: a new revision (cached routing,
        # models.imports.routing.cycle_routing, is read again)
        session.execute(
            update(Cycle).where(col(Cycle.id) == cycle_id).values(revision=col(Cycle.revision) + 1)
        )
    return result


def _region(scope: str, owner: Organisation) -> str:
    """The region whose applicants it hears: its city for a city's committee, else the
    province (a self-reviewing body's staff may work anywhere in it)."""
    if scope == "city" and owner.city_code:
        return owner.city_code
    return owner.path.split("/")[0]
