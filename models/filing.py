"""The filing checklist (备案, 001 附件3): what has been filed, and each item's status
against its deadline from the cycle's plan. An item the cycle file marks ``per_department``
(004 三(四): each department's 汇总表 to city HR) is filed once by each department whose
applications the sheet lists; one marked ``late_refused`` is not accepted after its deadline
("逾期未审核报送，不再单独受理")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Column, Executable, String, Text, UniqueConstraint, bindparam
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, col, select

from calendars.beijing import beijing_text
from calendars.plan import Plan, PlannedFiling
from calendars.workdays import day_end
from models.application import Application
from models.context import Refused
from models.id_lists import among
from models.org import Organisation, OrgKind
from models.refusals import RefusalCode
from models.states import RECOMMENDED
from models.timeutil import UTCDateTime
from models.transitions import of_cycle


class FilingRecord(SQLModel, table=True):
    __tablename__ = "filing_record"
    __table_args__ = (UniqueConstraint("cycle_id", "item_key", "org", name="uq_filing_once"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(index=True)
    item_key: str
    # The department's code for a per-department item; '' for an item filed once.
    org: str = Field(default="", sa_column=Column(String(40), nullable=False, server_default=""))
    filed_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    by: str
    note: str | None = Field(default=None, sa_column=Column(Text))


@dataclass(frozen=True)
class FilingStatus:
    key: str
    title: str
    due_last_day: dt.date | None
    rule: str
    # filed | filed_late | open | overdue | standing (no deadline: 随时备案) | none_due (a
    # per-department item no department owes: no sheet lists anyone)
    status: str
    filed_at: dt.datetime | None

    LABELS = {
        "filed": "已按时备案",
        "filed_late": "逾期后备案",
        "open": "待备案",
        "overdue": "已逾期",
        "standing": "随时备案",
        "none_due": "无需报送",
    }

    @property
    def label(self) -> str:
        return self.LABELS[self.status]


def record_filing(
    session: Session,
    cycle_id: str,
    plan: Plan,
    key: str,
    *,
    by: str,
    now: dt.datetime,
    note: str | None = None,
    department: str | None = None,
) -> FilingRecord:
    """Record one filing. ``department`` (its organisation code) is required for an item
    filed by each department, and refused for any other."""
    planned = {item.key: item for item in plan.filing}
    if key not in planned:
        raise Refused(
            f"本周期没有备案事项 {key}（可选：{', '.join(sorted(planned))}）", "no_filing_item"
        )
    item, spec = planned[key], plan.spec.filing_items[key]
    org = (department or "").strip()
    if spec.per_department and not org:
        raise Refused(
            f"{item.title}由各主管部门分别报送：须写明报送部门", RefusalCode.no_department
        )
    if not spec.per_department and org:
        raise Refused(f"{item.title}不按主管部门分别报送，不写报送部门", RefusalCode.no_department)
    if (
        org
        and not session.exec(
            select(Organisation.id).where(
                Organisation.code == org, Organisation.kind == OrgKind.department
            )
        ).first()
    ):
        raise Refused(f"没有机构编码为 {org} 的主管部门", RefusalCode.no_department)
    if spec.late_refused and item.due_last_day is not None:
        deadline = day_end(item.due_last_day)
        if now >= deadline:
            raise Refused(
                f"{item.title}须于 {beijing_text(deadline)} 前报送，逾期未报送的不再单独受理",
                RefusalCode.filing_late,
            )
    if session.exec(
        select(FilingRecord).where(
            FilingRecord.cycle_id == cycle_id, FilingRecord.item_key == key, FilingRecord.org == org
        )
    ).first():
        who = f"{org} 的" if org else ""
        raise Refused(f"{who}备案事项 {key} 已备案，不重复记录", "already_filed")
    record = FilingRecord(cycle_id=cycle_id, item_key=key, org=org, filed_at=now, by=by, note=note)
    session.add(record)
    return record


def sheet_departments(session: Session, cycle_id: str) -> set[str]:
    """The departments (by code) whose summary sheet lists applications: those their units
    recommended (``models.states.RECOMMENDED``)."""
    department = aliased(Organisation)
    stmt = (
        select(col(department.code))
        .select_from(Application)
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .join(department, col(department.id) == col(Organisation.department_id))
        .where(
            col(Application.cycle_id) == cycle_id,
            col(Application.status).in_(sorted(s.value for s in RECOMMENDED)),
        )
        .distinct()
    )
    return set(session.exec(stmt).all())


def filing_status(
    session: Session, cycle_id: str, plan: Plan, now: dt.datetime
) -> list[FilingStatus]:
    records = session.exec(select(FilingRecord).where(FilingRecord.cycle_id == cycle_id)).all()
    filed = {r.item_key: r.filed_at for r in records if not r.org}
    by_department: dict[str, dict[str, dt.datetime]] = {}
    for r in records:
        if r.org:
            by_department.setdefault(r.item_key, {})[r.org] = r.filed_at
    expected: set[str] | None = None
    out = []
    for item in plan.filing:
        deadline = day_end(item.due_last_day) if item.due_last_day else None
        at = filed.get(item.key)
        if plan.spec.filing_items[item.key].per_department:
            if expected is None:
                expected = sheet_departments(session, cycle_id)
            got = by_department.get(item.key, {})
            if not expected:  # no department's sheet lists anyone: nothing is owed
                status = "none_due"
                at = max(got.values(), default=None)
                out.append(
                    FilingStatus(item.key, item.title, item.due_last_day, item.rule, status, at)
                )
                continue
            at = None if expected - set(got) else max(got[d] for d in expected)
        if deadline is None:
            status = "filed" if at else "standing"
        elif at is not None:
            status = "filed" if at < deadline else "filed_late"
        else:
            status = "overdue" if now >= deadline else "open"
        out.append(FilingStatus(item.key, item.title, item.due_last_day, item.rule, status, at))
    return out


def overdue_items(
    session: Session, cycle_id: str, plan: Plan, now: dt.datetime
) -> list[PlannedFiling]:
    """The items ``filing_status`` says are overdue at ``now``, in the plan's order, without
    listing every department whose sheet lists applications (a read of all the cycle's
    recommended applications): an item filed by each department is overdue when some
    department that has not filed it has a recommended application."""
    past = [
        item
        for item in plan.filing
        if item.due_last_day is not None and now >= day_end(item.due_last_day)
    ]
    if not past:
        return []
    filed: dict[str, set[str]] = {}
    for key, org in session.exec(
        select(col(FilingRecord.item_key), col(FilingRecord.org)).where(
            col(FilingRecord.cycle_id) == cycle_id
        )
    ):
        filed.setdefault(key, set()).add(org or "")
    out = []
    for item in past:
        got = filed.get(item.key, set())
        if plan.spec.filing_items[item.key].per_department:
            if _someone_owes(session, cycle_id, item.key):
                out.append(item)
        elif "" not in got:
            out.append(item)
    return out


def _someone_owes(session: Session, cycle_id: str, key: str) -> bool:
    """Whether a department that has not filed ``key`` has a recommended application (what
    ``sheet_departments`` minus the departments that filed it being non-empty says). Asked
    in two steps, the owing departments' units first: through most of a cycle there are
    none, and as one statement PostgreSQL walked every recommended application of the cycle
    to find that out (238 ms at 100,000, at every instant after the item's deadline); then
    only those units' applications, probed in the index by unit."""
    units = session.execute(_owing_units(), {"cycle_id": cycle_id, "key": key}).scalars().all()
    if not units:
        return False
    found = session.execute(_recommended_in_units(), {"cycle_id": cycle_id, "ids": units})
    return found.first() is not None


@cache
def _owing_units() -> Executable:
    """The units of the departments that have not filed the item (built once: asked at every
    instant of a cycle)."""
    unit = aliased(Organisation)
    department = aliased(Organisation)
    filed = select(col(FilingRecord.org)).where(
        col(FilingRecord.cycle_id) == bindparam("cycle_id", type_=String),
        col(FilingRecord.item_key) == bindparam("key", type_=String),
    )
    return (
        select(col(unit.id))
        .join(department, col(department.id) == col(unit.department_id))
        .where(col(department.code).not_in(filed))
    )


@cache
def _recommended_in_units() -> Executable:
    """One recommended application of the cycle in the units bound to ``ids``, if any."""
    return (
        select(col(Application.id))
        .where(
            of_cycle(Application.cycle_id, bindparam("cycle_id", type_=String)),
            col(Application.status).in_(sorted(s.value for s in RECOMMENDED)),
            among(Application.unit_id),
        )
        .limit(1)
    )
