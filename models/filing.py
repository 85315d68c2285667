"""The filing checklist (备案, 001 附件3): what has been filed, and each item's status
against its deadline from the cycle's plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from calendars.plan import Plan
from calendars.workdays import day_end
from models.context import Refused
from models.timeutil import UTCDateTime


class FilingRecord(SQLModel, table=True):
    __tablename__ = "filing_record"
    __table_args__ = (UniqueConstraint("cycle_id", "item_key", name="uq_filing_once"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(index=True)
    item_key: str
    filed_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    by: str
    note: str | None = Field(default=None, sa_column=Column(Text))


@dataclass(frozen=True)
class FilingStatus:
    key: str
    title: str
    due_last_day: dt.date | None
    rule: str
    status: str  # filed | filed_late | open | overdue | standing (no deadline: 随时备案)
    filed_at: dt.datetime | None

    LABELS = {
        "filed": "已按时备案",
        "filed_late": "逾期后备案",
        "open": "待备案",
        "overdue": "已逾期",
        "standing": "随时备案",
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
) -> FilingRecord:
    keys = {item.key for item in plan.filing}
    if key not in keys:
        raise Refused(
            f"本周期没有备案事项 {key}（可选：{', '.join(sorted(keys))}）", "no_filing_item"
        )
    if session.exec(
        select(FilingRecord).where(FilingRecord.cycle_id == cycle_id, FilingRecord.item_key == key)
    ).first():
        raise Refused(f"备案事项 {key} 已备案，不重复记录", "already_filed")
    record = FilingRecord(cycle_id=cycle_id, item_key=key, filed_at=now, by=by, note=note)
    session.add(record)
    return record


def filing_status(
    session: Session, cycle_id: str, plan: Plan, now: dt.datetime
) -> list[FilingStatus]:
    filed = {
        r.item_key: r.filed_at
        for r in session.exec(select(FilingRecord).where(FilingRecord.cycle_id == cycle_id)).all()
    }
    out = []
    for item in plan.filing:
        deadline = day_end(item.due_last_day) if item.due_last_day else None
        at = filed.get(item.key)
        if deadline is None:
            status = "filed" if at else "standing"
        elif at is not None:
            status = "filed" if at < deadline else "filed_late"
        else:
            status = "overdue" if now >= deadline else "open"
        out.append(FilingStatus(item.key, item.title, item.due_last_day, item.rule, status, at))
    return out
