"""Creating accounts in bulk, top-down: each with a generated password that is handed over
once and must be changed at first sign-in."""

from __future__ import annotations

import datetime as dt
import secrets
import string
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import insert, update
from sqlmodel import Session, col, select

from models.accounts import (
    ROLE_LABELS,
    Account,
    Role,
    creation_refusal,
    hash_password,
    sector_refusal,
)
from models.cycle import Committee
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
from models.org import Organisation
from models.settings import settings

USERNAME, DISPLAY, ROLE, ORG, COMMITTEE, CYCLE = (
    "用户名",
    "显示名称",
    "角色",
    "机构编码",
    "评委会编码",
    "周期编号",
)
COLUMNS = [
    ImportColumn(USERNAME, "说明：登录用的用户名，全省唯一，最多60个字符", True),
    ImportColumn(DISPLAY, "说明：工作台上显示的名称；不填则用机构或评委会名称"),
    ImportColumn(ROLE, "说明：系统管理员、业务管理员 或 只读查看", True),
    ImportColumn(ORG, "说明：账号所属机构的编码（与评委会编码二选一）"),
    ImportColumn(COMMITTEE, "说明：评委会账号填评委会编码，并填周期编号"),
    ImportColumn(CYCLE, "说明：评委会所属周期的编号，如 gansu-2024"),
]
# The people's roles: the front end's service account (intake) is made one by one, bound to
# a cycle, with a token instead of a password.
ROLES = {label: role for role, label in ROLE_LABELS.items() if role != Role.intake} | {
    r.value: r for r in Role if r != Role.intake
}
FIELDS = ("display_name", "role", "organisation_id", "committee_id")
# Readable when handed over on paper: no 0/O, 1/l/I.
ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def generated_password() -> str:
    """Random letters and digits, at least the configured length, with both kinds present."""
    length = max(settings().password_min_length, 12)
    while True:
        password = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


@dataclass
class WantedAccount:
    row: int
    username: str
    display_name: str
    role: str
    organisation_id: int | None
    committee_id: int | None


def import_accounts(
    session: Session,
    rows: Rows,
    *,
    now: dt.datetime,
    header: list[str] | None = None,
    by: Account | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Adds the new accounts (generated passwords, to be changed at first sign-in; returned in
    ``result.passwords``) and updates changed ones (their passwords stay); all or nothing.
    ``by`` creates only what it may create by hand; without it the import runs as the
    province's office."""
    result = ImportResult("accounts", dry_run=dry_run)
    problems = Problems()
    if not check_template(COLUMNS, header, rows, problems):
        result.errors = problems.sorted()
        return result
    duplicates(rows, USERNAME, problems)
    orgs = _by_code(session, {cell(v, ORG) for _, v in rows} - {""})
    committees = _committees(
        session, {(cell(v, CYCLE), cell(v, COMMITTEE)) for _, v in rows if cell(v, COMMITTEE)}
    )
    creator_org = (
        session.get(Organisation, by.organisation_id) if by and by.organisation_id else None
    )
    wanted: dict[str, WantedAccount] = {}
    for number, values in rows:
        w = _read_row(number, values, orgs, committees, problems)
        if w is None or w.username in wanted:
            continue
        if by is not None:
            org = orgs.get(cell(values, ORG))
            committee = session.get(Committee, w.committee_id) if w.committee_id else None
            why = creation_refusal(by, creator_org, org, committee, Role(w.role))
            if why is None and creator_org is not None and org is not None:
                why = sector_refusal(creator_org, org)
            if why:
                problems.add(
                    number,
                    ORG if org else COMMITTEE,
                    cell(values, ORG) or cell(values, COMMITTEE),
                    why,
                )
                continue
        wanted[w.username] = w
    stored: dict[str, Account] = {}
    for part in chunks(sorted(wanted)):
        stored.update(
            (a.username, a)
            for a in session.exec(select(Account).where(col(Account.username).in_(part)))
        )
    if problems:
        result.errors = problems.sorted()
        return result
    new = [w for w in wanted.values() if w.username not in stored]
    changed = [
        w
        for w in wanted.values()
        if w.username in stored
        and any(getattr(stored[w.username], f) != getattr(w, f) for f in FIELDS)
    ]
    result.added, result.updated = len(new), len(changed)
    result.unchanged = len(wanted) - len(new) - len(changed)
    if dry_run:
        return result
    passwords = {w.username: generated_password() for w in new}
    with ThreadPoolExecutor(max_workers=2) as pool:  # scrypt releases the GIL: ~50 ms each
        hashes = dict(zip(passwords, pool.map(hash_password, passwords.values()), strict=True))
    if new:
        session.execute(
            insert(Account),
            [
                {
                    "username": w.username,
                    "display_name": w.display_name,
                    "role": w.role,
                    "organisation_id": w.organisation_id,
                    "committee_id": w.committee_id,
                    "password_hash": hashes[w.username],
                    "created_by": by.id if by else None,
                    "created_at": now,
                    "active": True,
                    "failed_logins": 0,
                    "must_change_password": True,
                }
                for w in new
            ],
        )
    if changed:
        session.execute(
            update(Account),
            [{"id": stored[w.username].id, **{f: getattr(w, f) for f in FIELDS}} for w in changed],
        )
    result.passwords = passwords
    return result


def _by_code(session: Session, codes: set[str]) -> dict[str, Organisation]:
    out: dict[str, Organisation] = {}
    for part in chunks(sorted(codes)):
        out.update(
            (o.code, o)
            for o in session.exec(select(Organisation).where(col(Organisation.code).in_(part)))
        )
    return out


def _committees(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], Committee]:
    cycles = {c for c, _ in keys if c}
    if not cycles:
        return {}
    found = session.exec(
        select(Committee).where(
            col(Committee.cycle_id).in_(cycles), col(Committee.key).in_({k for _, k in keys})
        )
    )
    return {(c.cycle_id, c.key): c for c in found}


def _read_row(
    number: int,
    values: dict[str, str],
    orgs: dict[str, Organisation],
    committees: dict[tuple[str, str], Committee],
    problems: Problems,
) -> WantedAccount | None:
    before = len(problems.errors)
    username, role_text = cell(values, USERNAME), cell(values, ROLE)
    org_code, committee_key, cycle_id = (
        cell(values, ORG),
        cell(values, COMMITTEE),
        cell(values, CYCLE),
    )
    if not username or len(username) > 60 or any(c.isspace() for c in username):
        problems.add(number, USERNAME, username, "用户名不能为空、不能含空格，最多60个字符")
    role = ROLES.get(role_text)
    if role is None:
        problems.add(number, ROLE, role_text, "角色应为 系统管理员、业务管理员 或 只读查看")
    org = committee = None
    if bool(org_code) == bool(committee_key):
        problems.add(
            number, ORG, org_code, "账号须属于一个机构或一个评委会（机构编码与评委会编码二选一）"
        )
    elif org_code:
        org = orgs.get(org_code)
        if org is None:
            problems.add(number, ORG, org_code, "没有此编码的机构：请先导入机构")
    elif not cycle_id:
        problems.add(number, CYCLE, cycle_id, "评委会账号须填写评委会所属的周期编号")
    else:
        committee = committees.get((cycle_id, committee_key))
        if committee is None:
            problems.add(number, COMMITTEE, committee_key, f"周期 {cycle_id} 中没有此编码的评委会")
    if len(problems.errors) > before or role is None:
        return None
    display = cell(values, DISPLAY) or (org.name if org else committee.name if committee else "")
    return WantedAccount(
        number,
        username,
        display,
        role.value,
        org.id if org else None,
        committee.id if committee else None,
    )
