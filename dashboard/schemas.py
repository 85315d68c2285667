"""What the dashboard's figures answer, as the pages and the JSON API show them (the queries
that fill them are in ``dashboard.figures``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, PlainSerializer

from calendars.beijing import beijing
from models.states import progress_percent

# Instants leave the API in Beijing time (+08:00), as the notices write them.
Instant = Annotated[dt.datetime, PlainSerializer(lambda v: beijing(v).isoformat(), return_type=str)]


class StatusCount(BaseModel):
    status: str
    label: str
    count: int


class PhaseProgress(BaseModel):
    key: str
    title: str
    start: Instant | None
    end: Instant | None
    state: str  # 未开始 | 进行中 | 已结束
    through: int
    total: int
    pending: int
    late: int

    @property
    def percent(self) -> float:
        return progress_percent(self.through, self.total)


class Deadline(BaseModel):
    key: str
    title: str
    at: Instant
    pending: int


class ChildRow(BaseModel):
    code: str
    name: str
    kind: str
    total: int
    pending: int
    late: int
    escalations: int
    issued: int

    @property
    def overdue(self) -> bool:
        return self.late > 0 or self.escalations > 0


class EscalationRow(BaseModel):
    unit: str
    unit_code: str
    level: str
    step: int
    to: str
    at: Instant
    items: int


class Overview(BaseModel):
    cycle_id: str
    cycle_title: str
    org_code: str | None
    org_name: str
    org_kind: str
    now: Instant
    total: int
    statuses: list[StatusCount]
    phases: list[PhaseProgress]
    deadlines: list[Deadline]
    children: list[ChildRow]
    departments: list[ChildRow]
    escalations: list[EscalationRow]
    messages: dict[str, int]


class ApplicationRow(BaseModel):
    id: int
    id_number: str  # always masked
    name: str
    unit: str
    unit_code: str
    series: str | None
    status: str
    status_label: str
    submitted_at: Instant | None
    return_count: int
    locked: bool
    return_reason: str | None


class CommitteeRow(BaseModel):
    key: str
    name: str
    organiser: str
    series: str | None
    window_start: dt.date | None
    window_last_day: dt.date | None
    meeting: dt.date | None
    state: str
    total: int
    waiting: int
    passed: int
    failed: int
    # The village quota (001 三(二)) falls short here, per series: a warning, never a block.
    village_quota: list[str] = []


class FilingRow(BaseModel):
    key: str
    title: str
    due_last_day: dt.date | None
    status: str
    label: str
    filed_at: Instant | None
