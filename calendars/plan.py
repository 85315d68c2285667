"""A planned cycle: its phases, committees and filing items as absolute Beijing dates and
instants, and what a careful clerk would raise with the issuer (findings): ``error`` — the cycle
cannot run as written; ``warning`` — inconsistent, ask the issuer; ``info`` — worth knowing."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Literal

import pendulum

from calendars.beijing import BEIJING, last_day
from calendars.cyclefile import CycleSpec, PhaseSpec
from calendars.workdays import WorkdayCalendar, YearNotCovered

Level = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    phase: str | None
    message: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "level": self.level,
            "code": self.code,
            "phase": self.phase,
            "message": self.message,
        }


@dataclass(frozen=True)
class PlannedPhase:
    key: str
    parent: str | None
    title: str
    start: pendulum.DateTime | None
    end: pendulum.DateTime | None
    spec: PhaseSpec

    @property
    def last_day(self) -> dt.date | None:
        """The last day the phase is open (24:00 of it is the exclusive end)."""
        return last_day(self.end) if self.end is not None else None

    @property
    def days(self) -> int | None:
        if self.start is None or self.end is None:
            return None
        return math.ceil((self.end - self.start).total_seconds() / 86400)

    @property
    def dated(self) -> bool:
        return self.start is not None and self.end is not None

    def as_dict(self, calendar: WorkdayCalendar | None = None) -> dict[str, object]:
        last = self.last_day
        workdays = None
        if calendar is not None and self.dated and last is not None and self.start is not None:
            try:
                workdays = calendar.workdays_between(self.start.date(), last)
            except YearNotCovered:
                workdays = None
        return {
            "key": self.key,
            "parent": self.parent,
            "title": self.title,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "last_day": last.isoformat() if last else None,
            "days": self.days,
            "declared_days": self.spec.declared_days,
            "workdays": workdays,
            "declared_workdays": self.spec.declared_workdays,
            "follows": self.spec.follows,
            "min_days": self.spec.min_days,
            "min_workdays": self.spec.min_workdays,
        }


@dataclass(frozen=True)
class PlannedCommittee:
    key: str
    name: str
    organiser: str
    level: str
    scope: str
    series: str | None
    window: str | None
    window_start: dt.date | None
    window_last_day: dt.date | None
    meeting: dt.date | None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "name": self.name,
            "organiser": self.organiser,
            "level": self.level,
            "scope": self.scope,
            "series": self.series,
            "window": self.window,
            "window_start": _iso_date(self.window_start),
            "window_last_day": _iso_date(self.window_last_day),
            "meeting": _iso_date(self.meeting),
        }


@dataclass(frozen=True)
class PlannedFiling:
    key: str
    title: str
    due_last_day: dt.date | None
    rule: str

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "title": self.title,
            "due_last_day": _iso_date(self.due_last_day),
            "rule": self.rule,
        }


@dataclass
class Plan:
    spec: CycleSpec
    phases: list[PlannedPhase]
    committees: list[PlannedCommittee]
    filing: list[PlannedFiling]
    findings: list[Finding] = field(default_factory=list)

    def phase(self, key: str) -> PlannedPhase:
        for phase in self.phases:
            if phase.key == key:
                return phase
        raise KeyError(f"本周期没有阶段 {key}")

    def has(self, key: str) -> bool:
        return any(p.key == key for p in self.phases)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    def as_dict(self, calendar: WorkdayCalendar | None = None) -> dict[str, object]:
        spec = self.spec
        return {
            "cycle": {
                "id": spec.id,
                "title": spec.title,
                "year": spec.year,
                "region": spec.region.model_dump(),
                "parent": spec.parent,
                "source": spec.source.model_dump(mode="json"),
            },
            "phases": [p.as_dict(calendar) for p in self.phases],
            "committees": [c.as_dict() for c in self.committees],
            "filing": [f.as_dict() for f in self.filing],
            "provenance": {
                path: source.model_dump(exclude_none=True)
                for path, source in spec.provenance.items()
            },
            "findings": [f.as_dict() for f in self.findings],
        }


def _iso(instant: pendulum.DateTime | None) -> str | None:
    return instant.in_timezone(BEIJING).isoformat() if instant is not None else None


def _iso_date(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None
