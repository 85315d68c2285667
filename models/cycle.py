"""A stored cycle: its phases as absolute instants, their extensions, committees, and the
record of what the flows have already done."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.timeutil import UTCDateTime


class Cycle(SQLModel, table=True):
    __tablename__ = "cycle"

    id: str = Field(sa_column=Column(String(80), primary_key=True))
    title: str
    year: int = Field(index=True)
    region_code: str
    region_name: str
    parent_id: str | None = None
    spec: dict = Field(sa_column=Column(JSON, nullable=False))
    file: str
    revision: int = 0
    launched_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    launched_by: str


class Phase(SQLModel, table=True):
    __tablename__ = "phase"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    key: str
    parent_key: str | None = None
    title: str
    position: int
    start: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    end: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revision: int = 0


class PhaseExtension(SQLModel, table=True):
    """An office moved a boundary (系统故障延期): who, why, from what to what."""

    __tablename__ = "phase_extension"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    phase_key: str
    old_end: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    new_end: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    moved: str = Field(sa_column=Column(Text, nullable=False))  # the tied phases it moved, as text
    by: str
    reason: str = Field(sa_column=Column(Text, nullable=False))
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revision: int


class Committee(SQLModel, table=True):
    __tablename__ = "committee"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    key: str
    name: str
    organiser: str
    series: str | None = None
    # Who it hears (rules.routing): the specialties (None: the whole series), the title levels
    # it grants (None: its level's default), the region its scope covers and, for a
    # self-reviewing committee, the names of the bodies whose staff it hears.
    specialties: list[str] | None = Field(default=None, sa_column=Column(JSON))
    grants: list[str] | None = Field(default=None, sa_column=Column(JSON))
    region: str | None = Field(default=None, sa_column=Column(String(6)))
    owners: list[str] | None = Field(default=None, sa_column=Column(JSON))
    level: str
    scope: str
    # A city's or department's own committee imported for the cycle; None: from the cycle file.
    owner_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    window_start: dt.date | None = None
    window_last_day: dt.date | None = None
    meeting: dt.date | None = None


class CycleEvent(SQLModel, table=True):
    """A boundary event a flow has carried out: its key makes every flow idempotent."""

    __tablename__ = "cycle_event"
    __table_args__ = (UniqueConstraint("cycle_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(foreign_key="cycle.id", index=True)
    key: str
    due: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    done_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    affected: int = 0
    flow_run: str | None = None


def boundary_key(phase: str, edge: str, due: dt.datetime) -> str:
    """The record key of a boundary (``declaration.close@20241020T1600Z``): stable across
    reruns, new when an extension moves that edge — an edge it did not move keeps its key."""
    return f"{phase}.{edge}@{due.astimezone(dt.UTC).strftime('%Y%m%dT%H%MZ')}"
