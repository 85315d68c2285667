"""Importing departments, units and talent-service agencies under the region tree.

A unit is identified by its unified social credit code; a department by the code the office
gives it. Cities and counties come from the region data and cannot be imported."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, insert, literal, update
from sqlmodel import Session, col, select

from models.accounts import Account
from models.imports.regions import ensure_regions, region_orgs
from models.imports.report import (
    ImportColumn,
    ImportResult,
    Problems,
    Rows,
    cell,
    check_template,
    chunks,
    duplicates,
)
from models.imports.urls import url_problem
from models.org import Organisation, OrgKind
from rules.credit_code import InvalidCreditCode, check_credit_code
from rules.mobile import InvalidMobile, check_mobile

CODE, NAME, KIND, PARENT, DEPARTMENT = (
    "机构编码",
    "机构名称",
    "机构类别",
    "上级机构编码",
    "主管部门编码",
)
UNIT_TYPE, CONTACT, MOBILE, ADDRESS = "单位性质", "联系人", "联系手机", "通知地址"
COLUMNS = [
    ImportColumn(
        CODE, "说明：用人单位、人才服务机构填18位统一社会信用代码；行业主管部门填本单位编码", True
    ),
    ImportColumn(NAME, "说明：全称，如 嘉峪关市第一中学", True),
    ImportColumn(KIND, "说明：行业主管部门、用人单位 或 人才服务机构", True),
    ImportColumn(PARENT, "说明：上级机构的编码（市州、县区填行政区划代码，如 620201）", True),
    ImportColumn(DEPARTMENT, "说明：用人单位、人才服务机构填其行业主管部门的机构编码"),
    ImportColumn(UNIT_TYPE, "说明：事业单位、国有企业、民营企业、社会组织 或 人才服务机构"),
    ImportColumn(CONTACT, "说明：职称工作联系人姓名"),
    ImportColumn(MOBILE, "说明：联系人的11位手机号"),
    ImportColumn(ADDRESS, "说明：通知地址（apprise 格式，如 mailtos://…）；留空则用 channels.yaml"),
]
KINDS = {
    "行业主管部门": OrgKind.department,
    "用人单位": OrgKind.unit,
    "人才服务机构": OrgKind.agency,
}
UNIT_TYPES = {
    "事业单位": "public_institution",
    "国有企业": "state_enterprise",
    "民营企业": "private_enterprise",
    "社会组织": "social_org",
    "人才服务机构": "agency",
    # Their staff are reviewed on commission and carry a 委托函 (002 二, 004 二(二)):
    # models.documents.COMMISSIONED_UNIT_TYPES.
    "中央在甘单位": "central_unit",
    "外省单位在甘分支机构": "out_of_province_branch",
}
# Which kinds may sit directly under which: a department under an office or another
# department; a unit or agency anywhere below the province's office.
PARENT_KINDS: dict[str, set[str]] = {
    OrgKind.department: {OrgKind.province, OrgKind.city, OrgKind.county, OrgKind.department},
    OrgKind.unit: {
        OrgKind.province,
        OrgKind.city,
        OrgKind.county,
        OrgKind.department,
        OrgKind.unit,
        OrgKind.agency,
    },
}
PARENT_KINDS[OrgKind.agency] = PARENT_KINDS[OrgKind.unit]
FIELDS = ("name", "kind", "unit_type", "contact_person", "mobile", "notify_url")


@dataclass
class Wanted:
    """One row as it should be stored."""

    row: int
    code: str
    name: str
    kind: str
    parent: str
    department: str | None
    unit_type: str | None
    contact_person: str | None
    mobile: str | None
    notify_url: str | None
    path: str = ""
    city_code: str | None = None


@dataclass
class Known:
    """An organisation already stored (or defined by the region data)."""

    id: int | None
    code: str
    kind: str
    path: str
    city_code: str | None
    department: str | None
    values: tuple[str | None, ...]


def _stored(session: Session, codes: list[str]) -> dict[str, Known]:
    dept = select(col(Organisation.id), col(Organisation.code)).subquery()
    out: dict[str, Known] = {}
    for part in chunks(codes):
        rows = session.execute(
            select(Organisation, dept.c.code)
            .outerjoin(dept, dept.c.id == col(Organisation.department_id))
            .where(col(Organisation.code).in_(part))
        )
        for org, department in rows:
            out[org.code] = Known(
                org.id,
                org.code,
                org.kind,
                org.path,
                org.city_code,
                department,
                tuple(getattr(org, f) for f in FIELDS),
            )
    for code, region in region_orgs().items():
        if code in codes and code not in out:
            out[code] = Known(None, code, region.kind, region.path, region.city_code, None, ())
    return out


def _read_row(number: int, values: dict[str, str], problems: Problems) -> Wanted | None:
    before = len(problems.errors)
    code, name, kind_text = cell(values, CODE), cell(values, NAME), cell(values, KIND)
    kind = KINDS.get(kind_text)
    if not kind_text:
        problems.add(number, KIND, kind_text, "机构类别不能为空")
    elif kind is None:
        why = (
            "市州、县区由内置区划数据提供，不能导入" if kind_text in ("市州", "县区", "省") else ""
        )
        problems.add(
            number, KIND, kind_text, why or "机构类别应为 行业主管部门、用人单位 或 人才服务机构"
        )
    if not code:
        problems.add(number, CODE, code, "机构编码不能为空")
    elif code in region_orgs():
        problems.add(number, CODE, code, "省、市州、县区由内置区划数据提供，不能通过导入创建或修改")
    elif kind in (OrgKind.unit, OrgKind.agency):
        try:
            code = check_credit_code(code)
        except InvalidCreditCode as exc:
            problems.add(number, CODE, cell(values, CODE), str(exc))
    elif len(code) > 40 or "/" in code or any(c.isspace() for c in code):
        problems.add(number, CODE, code, "机构编码最多40个字符，不能含空格或“/”")
    if not name:
        problems.add(number, NAME, name, "机构名称不能为空")
    elif len(name) > 100:
        problems.add(number, NAME, name, "机构名称最多100个字")
    parent = cell(values, PARENT)
    if not parent:
        problems.add(number, PARENT, parent, "上级机构编码不能为空")
    elif parent == code:
        problems.add(number, PARENT, parent, "上级机构不能是本机构自己")
    department = cell(values, DEPARTMENT) or None
    if kind == OrgKind.department and department:
        problems.add(number, DEPARTMENT, department, "行业主管部门本身不填主管部门编码")
    elif kind in (OrgKind.unit, OrgKind.agency) and not department:
        problems.add(number, DEPARTMENT, "", "用人单位、人才服务机构须填写其行业主管部门的编码")
    unit_type_text = cell(values, UNIT_TYPE)
    unit_type = UNIT_TYPES.get(unit_type_text) if unit_type_text else None
    if unit_type_text and unit_type is None:
        problems.add(number, UNIT_TYPE, unit_type_text, "单位性质应为 " + "、".join(UNIT_TYPES))
    elif unit_type_text and kind == OrgKind.department:
        problems.add(number, UNIT_TYPE, unit_type_text, "行业主管部门不填单位性质")
    contact = cell(values, CONTACT) or None
    if contact and len(contact) > 30:
        problems.add(number, CONTACT, contact, "联系人姓名最多30个字")
    mobile: str | None = cell(values, MOBILE) or None
    if mobile:
        try:
            mobile = check_mobile(mobile)
        except InvalidMobile as exc:
            problems.add(number, MOBILE, mobile, str(exc))
    address = cell(values, ADDRESS) or None
    if address and (address_problem := url_problem(address)):
        problems.add(number, ADDRESS, address, address_problem)
    if len(problems.errors) > before or kind is None:
        return None
    return Wanted(number, code, name, kind, parent, department, unit_type, contact, mobile, address)


def _place(
    wanted: dict[str, Wanted], known: dict[str, Known], faulty: set[str], problems: Problems
) -> None:
    """Each row's parent exists and fits, its department is a department, the tree has no
    loop; then the path and city of every row whose place is known."""
    missing = "上级机构不存在（既不在本文件中，也未导入过）"
    for w in wanted.values():
        parent_kind = wanted[w.parent].kind if w.parent in wanted else None
        if parent_kind is None and w.parent in known:
            parent_kind = known[w.parent].kind
        if parent_kind is None:
            why = "上级机构所在的行有错误" if w.parent in faulty else missing
            problems.add(w.row, PARENT, w.parent, why)
        elif parent_kind not in PARENT_KINDS[w.kind]:
            problems.add(
                w.row, PARENT, w.parent, f"{_label(w.kind)}不能设在{_label(parent_kind)}之下"
            )
        if w.department:
            dept_kind = wanted[w.department].kind if w.department in wanted else None
            if dept_kind is None and w.department in known:
                dept_kind = known[w.department].kind
            if dept_kind is None:
                why = "主管部门所在的行有错误" if w.department in faulty else missing
                problems.add(w.row, DEPARTMENT, w.department, why.replace("上级机构", "主管部门"))
            elif dept_kind != OrgKind.department:
                problems.add(w.row, DEPARTMENT, w.department, "主管部门编码须是一个行业主管部门")
    loops = _loops(wanted, known)
    for w in wanted.values():
        if w.code in loops:
            problems.add(w.row, PARENT, w.parent, "上级关系构成循环（机构成了自己的下级）")
    for w in wanted.values():
        if w.code not in loops and (place := _path(w.code, wanted, known)) is not None:
            w.path, w.city_code = place


def _ancestors_in_file(code: str, wanted: dict[str, Wanted], known: dict[str, Known]) -> str | None:
    """The next organisation up whose place the file decides (None: the rest is stored)."""
    if code in wanted:
        return wanted[code].parent
    stored = known.get(code)
    if stored is None:
        return None
    for ancestor in reversed(stored.path.split("/")[:-1]):
        if ancestor in wanted:
            return ancestor
    return None


def _loops(wanted: dict[str, Wanted], known: dict[str, Known]) -> set[str]:
    looping: set[str] = set()
    for start in wanted:
        seen = [start]
        code = _ancestors_in_file(start, wanted, known)
        while code is not None and code not in seen:
            seen.append(code)
            code = _ancestors_in_file(code, wanted, known)
        if code == start:
            looping.add(start)
    return looping


def _path(
    code: str, wanted: dict[str, Wanted], known: dict[str, Known]
) -> tuple[str, str | None] | None:
    """Where ``code`` will sit (path, city), or None when its chain up is broken (called for
    rows outside any loop only, so the walk ends)."""
    if code in wanted:
        above = _path(wanted[code].parent, wanted, known)
        return None if above is None else (f"{above[0]}/{code}", above[1])
    stored = known.get(code)
    if stored is None:
        return None
    parts = stored.path.split("/")
    for i in range(len(parts) - 2, -1, -1):
        if parts[i] in wanted:  # an ancestor moves in this file: so does this one
            moved = _path(parts[i], wanted, known)
            return None if moved is None else ("/".join([moved[0], *parts[i + 1 :]]), moved[1])
    return stored.path, stored.city_code


def _label(kind: str) -> str:
    labels = {str(v): k for k, v in KINDS.items()} | {
        str(OrgKind.province): "省级",
        str(OrgKind.city): "市州",
        str(OrgKind.county): "县区",
    }
    return labels.get(kind, kind)


def _within(by: Account | None, session: Session) -> Organisation | None:
    if by is None or by.organisation_id is None:
        return None
    return session.get(Organisation, by.organisation_id)


def import_orgs(
    session: Session,
    rows: Rows,
    *,
    header: list[str] | None = None,
    by: Account | None = None,
    dry_run: bool = False,
    on_row: Callable[[int], None] | None = None,
) -> ImportResult:
    """Checks every row, then adds and updates all of them in a few statements, or writes
    nothing. ``by`` (an admin) may import only below its own organisation; without it the
    import runs as the province's office."""
    result = ImportResult("orgs", dry_run=dry_run)
    problems = Problems()
    if not check_template(COLUMNS, header, rows, problems):
        result.errors = problems.sorted()
        return result
    duplicates(rows, CODE, problems)
    wanted: dict[str, Wanted] = {}
    faulty: set[str] = set()
    for done, (number, values) in enumerate(rows, start=1):
        if on_row is not None and done % 500 == 0:
            on_row(done)
        w = _read_row(number, values, problems)
        if w is None:
            faulty.add(cell(values, CODE))
        elif w.code not in wanted:
            wanted[w.code] = w
    codes = set(wanted) | {w.parent for w in wanted.values()}
    codes |= {w.department for w in wanted.values() if w.department}
    known = _stored(session, sorted(codes))
    _check_kinds_kept(wanted, known, problems)
    _place(wanted, known, faulty, problems)
    scope = _within(by, session)
    if scope is not None:
        for w in wanted.values():
            if w.path and not w.path.startswith(scope.path + "/"):
                problems.add(w.row, PARENT, w.parent, f"超出本账号（{scope.name}）的管辖范围")
    if problems:
        result.errors = problems.sorted()
        return result
    new = [w for w in wanted.values() if w.code not in known]
    changed = [w for w in wanted.values() if w.code in known and _differs(w, known[w.code])]
    result.added, result.updated = len(new), len(changed)
    result.unchanged = len(wanted) - len(new) - len(changed)
    if dry_run or not (new or changed):
        return result
    _write(session, new, changed, known)
    return result


def _check_kinds_kept(
    wanted: dict[str, Wanted], known: dict[str, Known], problems: Problems
) -> None:
    """A department cannot turn into a unit by re-import: its accounts and units hang on it."""
    for w in wanted.values():
        stored = known.get(w.code)
        if stored is not None and stored.kind != w.kind:
            problems.add(
                w.row,
                KIND,
                _label(w.kind),
                f"该编码已登记为{_label(stored.kind)}，类别不能通过导入更改",
            )


def _differs(w: Wanted, stored: Known) -> bool:
    mine = (w.name, w.kind, w.unit_type, w.contact_person, w.mobile, w.notify_url)
    return mine != stored.values or w.path != stored.path or w.department != stored.department


def _write(
    session: Session, new: list[Wanted], changed: list[Wanted], known: dict[str, Known]
) -> None:
    ensure_regions(session)
    if new:
        session.execute(
            insert(Organisation),
            [{"code": w.code, "path": w.path, **_values(w), "city_code": w.city_code} for w in new],
        )
    moved = sorted(
        (w for w in changed if w.path != known[w.code].path), key=lambda w: len(known[w.code].path)
    )
    _move_subtrees(session, [(known[w.code].path, w.path, w.city_code) for w in moved])
    touched = new + changed
    codes = {w.code for w in touched} | {w.parent for w in touched}
    codes |= {w.department for w in touched if w.department}
    ids = ids_by_code(session, codes)
    session.execute(
        update(Organisation),
        [
            {
                "id": ids[w.code],
                "parent_id": ids[w.parent],
                "department_id": ids[w.department] if w.department else None,
                "path": w.path,
                "city_code": w.city_code,
                **_values(w),
            }
            for w in touched
        ],
    )


def ids_by_code(session: Session, codes: set[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for part in chunks(sorted(codes)):
        rows = session.exec(
            select(col(Organisation.code), col(Organisation.id)).where(
                col(Organisation.code).in_(part)
            )
        )
        ids.update((code, id_) for code, id_ in rows if id_ is not None)
    return ids


def _values(w: Wanted) -> dict[str, str | None]:
    return {f: getattr(w, f) for f in FIELDS}


def _move_subtrees(session: Session, moves: list[tuple[str, str, str | None]]) -> None:
    """An organisation that moves takes the organisations below it along (paths and city);
    earlier moves may already have rewritten a later one's stored path."""
    done: list[tuple[str, str]] = []
    for old, new, city in moves:
        for earlier_old, earlier_new in done:
            if old.startswith(earlier_old + "/"):
                old = earlier_new + old[len(earlier_old) :]
        session.execute(
            update(Organisation)
            .where(col(Organisation.path).startswith(old + "/", autoescape=True))
            .values(
                path=literal(new) + func.substr(col(Organisation.path), len(old) + 1),
                city_code=city,
            )
        )
        done.append((old, new))
