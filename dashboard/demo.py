"""Demonstration accounts over a (simulated) cycle, created top-down like real ones: the
province creates a city, the city a county and a department, the county a unit, the
province a committee. Each gets a fresh random password, printed once."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from models.accounts import Account, Role, create_account, find_account, set_password
from models.application import Application
from models.cycle import Committee
from models.org import Organisation, OrgKind


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    where: str


def busiest(session: Session, cycle_id: str, group: Any, *where: Any) -> Any:
    stmt = (
        select(group, func.count())
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(Application.cycle_id) == cycle_id, *where)
        .group_by(group)
        .order_by(func.count().desc(), group)
        .limit(1)
    )
    row = session.execute(stmt).first()
    if row is None:
        raise LookupError(f"周期 {cycle_id} 没有申报，无法挑选演示机构")
    return row[0]


def _org(session: Session, **by: Any) -> Organisation:
    found = session.execute(select(Organisation).filter_by(**by)).scalars().first()
    if found is None:
        raise LookupError(f"找不到组织机构 {by}")
    return found


def _password() -> str:
    return "Zc" + secrets.token_hex(5) + "8"


def _ensure(
    session: Session,
    by: Account | None,
    username: str,
    now: dt.datetime,
    out: list[DemoAccount],
    *,
    org: Organisation | None = None,
    committee_id: int | None = None,
    role: str = Role.admin.value,
) -> Account:
    """Creates the account, or on a rerun gives the existing one a fresh password."""
    password = _password()
    found = find_account(session, username)
    org_id = org.id if org is not None else None
    if found is not None and (found.organisation_id, found.committee_id) == (org_id, committee_id):
        set_password(session, found, password, must_change=False)  # old sign-ins end
        account = found
    elif found is not None:
        raise LookupError(f"用户名 {username} 已被其他机构使用")
    else:
        account = create_account(
            session,
            by=by,
            username=username,
            password=password,
            role=role,
            now=now,
            org_code=org.code if org is not None else None,
            committee_id=committee_id,
        )
    out.append(DemoAccount(username, password, account.display_name))
    return account


def demo_accounts(session: Session, cycle_id: str, now: dt.datetime) -> list[DemoAccount]:
    out: list[DemoAccount] = []
    province = _org(session, kind=OrgKind.province.value)
    city_code = busiest(session, cycle_id, col(Application.city_code))
    city = _org(session, code=city_code)
    unit_id = busiest(
        session,
        cycle_id,
        col(Application.unit_id),
        col(Organisation.path).startswith(city.path + "/"),
    )
    unit = session.get(Organisation, unit_id)
    assert unit is not None
    county = session.get(Organisation, unit.parent_id)
    department = session.get(Organisation, unit.department_id) if unit.department_id else None
    committee_id = busiest(session, cycle_id, col(Application.committee_id))
    existing_root = (
        session.execute(
            select(Account).where(
                col(Account.organisation_id) == province.id,
                col(Account.role) == Role.admin.value,
                col(Account.created_by).is_(None),
            )
        )
        .scalars()
        .first()
    )
    if existing_root is None or existing_root.username == "sheng":
        root = _ensure(session, None, "sheng", now, out, org=province)
    else:  # the office's own root creates the demo's provincial viewer-operator
        root = existing_root
        _ensure(session, root, "sheng", now, out, org=province, role=Role.operator.value)
    city_admin = _ensure(session, root, "shi", now, out, org=city)
    parent_admin = city_admin
    if county is not None and county.kind == OrgKind.county.value:
        parent_admin = _ensure(session, city_admin, "xian", now, out, org=county)
    if department is not None:
        _ensure(session, city_admin, "bumen", now, out, org=department)
    _ensure(session, parent_admin, "danwei", now, out, org=unit)
    committee = session.get(Committee, committee_id)
    assert committee is not None
    _ensure(session, root, "pingwei", now, out, committee_id=committee.id, role=Role.operator.value)
    return out
