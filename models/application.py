"""Applicants, applications and the append-only audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from models.timeutil import UTCDateTime


class Person(SQLModel, table=True):
    """One record per person across years (last year's result and any integrity record follow
    them: models.integrity)."""

    __tablename__ = "person"

    id_number: str = Field(sa_column=Column(String(18), primary_key=True))
    name: str
    male: bool
    birth: dt.date
    phone: str | None = None


# A declared village unit (001 三(二)) as PostgreSQL's partial index and the quota's count
# both write it: compared as text, so no stored value can make the index's predicate fail as
# a row is written (a cast to boolean would on anything but true or false; the import writes
# only booleans).
VILLAGE_DECLARED_PG = "(facts ->> 'village_unit') = 'true'"


class Application(SQLModel, table=True):
    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("person_id", "year", name="uq_one_committee_per_year"),
        # With the publicity ends: the sweep's steps read the due ones from the index alone
        # (migration 0015).
        Index(
            "ix_application_cycle_status",
            "cycle_id",
            "status",
            "unit_publicity_ends",
            "result_publicity_ends",
        ),
        # What the figures read of every application in a page's scope, without the rows'
        # profiles and facts: counted as of any instant, or by city (the progress, the
        # forecast: migration 0017), from the index alone (models.asof).
        Index(
            "ix_application_asof",
            "cycle_id",
            "unit_id",
            "id",
            "created_at",
            "committee_id",
            "status",
            "city_code",
        ),
        # The village quota's totals per (committee, series) and status, from the index alone
        # (models.committees); its village-unit count reads an SQLite expression index that
        # leaves status out (migration 0016: an index on an expression made SQLite journal
        # every page a status change touched).
        Index("ix_application_committee_series_status", "committee_id", "series", "status"),
        # The village-unit applicants alone, on PostgreSQL (migration 0022): the quota's first
        # count reads their few entries instead of every application's facts (SQLite has its
        # expression index, ix_application_village_fact, made by migration 0016).
        Index(
            "ix_application_village_declared",
            "committee_id",
            "series",
            "status",
            postgresql_where=text(VILLAGE_DECLARED_PG),
        ).ddl_if(dialect="postgresql"),
    )

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(foreign_key="cycle.id")
    year: int
    # Looked up through uq_one_committee_per_year, which leads with it (migration 0019).
    person_id: str = Field(foreign_key="person.id_number")
    unit_id: int = Field(foreign_key="organisation.id", index=True)
    # Looked up through ix_application_committee_series_status (migration 0019).
    committee_id: int = Field(foreign_key="committee.id")
    # Read with the cycle through ix_application_asof, or beside the person (migration 0023:
    # its own index was read by no statement, and PostgreSQL wrote it at every status change).
    city_code: str
    series: str | None = None
    specialty: str | None = None
    level_sought: str | None = None
    title_sought: str | None = None
    status: str = Field(default="draft")
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    submitted_at: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    return_count: int = 0
    locked: bool = False
    returned_by: str | None = None
    return_reason: str | None = Field(default=None, sa_column=Column(Text))
    unit_publicity_ends: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    result_publicity_ends: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    objection_due: dt.datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # What the applicant declared for the eligibility rules (rules.eligibility.FACT_FIELDS).
    facts: dict | None = Field(default=None, sa_column=Column(JSON))


class ApplicationProfile(SQLModel, table=True):
    """The summary sheet's columns (参加工作时间, 学历, 现任职务 …) as the applicant filled them
    in, read by the summary sheets, the certificates and the special-category check and
    written by the declarations import: apart from the application's row (migration 0020),
    which every status change rewrites — the sheet was half of each ~1,100-byte row, and with
    it a 100,000 cycle's rows outgrew SQLite's page cache (benchmarks/README.md). Written
    through models.profiles."""

    __tablename__ = "application_profile"

    application_id: int = Field(
        sa_column=Column(Integer, ForeignKey("application.id"), primary_key=True)
    )
    profile: dict = Field(sa_column=Column(JSON, nullable=False))


class AuditEvent(SQLModel, table=True):
    """Append-only: one row per transition (who, when, from, to, why)."""

    __tablename__ = "audit_event"
    # Whether anything happened after an instant (the figures as of any instant, models.asof;
    # ix_audit_event_trail is declared below the class).
    __table_args__ = (Index("ix_audit_event_cycle_at", "cycle_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str  # read through the indexes below, which lead with it
    # Checked when the transaction commits (migration 0016): SQLite copies every page an
    # INSERT … SELECT touches into a statement journal when an immediate foreign key could
    # fail it midway (benchmarks/row_writes.py). Indexed by ix_audit_event_trail, which leads
    # with it (migration 0018).
    application_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("application.id", deferrable=True, initially="DEFERRED"),
            nullable=False,
        )
    )
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    actor: str
    action: str
    from_status: str
    to_status: str
    reason: str | None = Field(default=None, sa_column=Column(Text))


# An application's last event at or before an instant, read from the index alone and in its
# order (a pass over a cycle's id range meets each application's last event first): the
# figures as of any instant (models.asof). Without the cycle (migration 0018): an application
# belongs to one, and its ~33 bytes in every entry made this index most of what an audit row
# cost to write (benchmarks/README.md). Declared here: its descending columns need the
# table's columns.
_AUDIT = SQLModel.metadata.tables["audit_event"]
Index(
    "ix_audit_event_trail",
    _AUDIT.c.application_id,
    _AUDIT.c.at.desc(),
    _AUDIT.c.id.desc(),
    _AUDIT.c.to_status,
)
