"""The integrity record (弄虚作假): an office records that a person's materials were falsified
— who found it, on what day, why. The bar on later declarations is the policy's
(``policy.integrity_bar_years`` of the cycle the record is made in); where the notice sets no
years (2024: 004 四(三) "直接取消申报人申报资格" and "黑名单", no length), the record is kept
and flagged on every later declaration of that person, with no automatic bar."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

from sqlalchemy import Column, Text, exists
from sqlmodel import Field, Session, SQLModel, col, select

from calendars.beijing import BEIJING
from models.application import Application, Person
from models.context import CycleContext
from models.id_lists import among
from models.refusals import RefusalCode, Refused
from models.timeutil import UTCDateTime
from rules.eligibility import integrity_bar_until
from rules.idcard import mask

CHUNK = 5000
LONGEST_REASON = 500


class IntegrityRecord(SQLModel, table=True):
    """One finding of falsified materials. ``barred_until`` is the last day of the bar the
    cycle's policy set when it was recorded; null: the policy sets no years (flag only), or a
    bar moved from the old person columns without its day of finding (``found_on`` null)."""

    __tablename__ = "integrity_record"

    id: int | None = Field(default=None, primary_key=True)
    person_id: str = Field(foreign_key="person.id_number", index=True)
    found_on: dt.date | None = None
    reason: str = Field(sa_column=Column(Text, nullable=False))
    cycle_id: str | None = None
    bar_years: int | None = None
    barred_until: dt.date | None = None
    recorded_by: str
    recorded_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


@dataclass(frozen=True)
class PersonIntegrity:
    """What the records hold about one person: the longest bar, and records with no bar."""

    barred_until: dt.date | None
    bar_reason: str | None
    flags: tuple[IntegrityRecord, ...]


def record_falsification(
    session: Session,
    ctx: CycleContext,
    id_number: str,
    *,
    found_on: dt.date,
    reason: str,
    by: str,
    now: dt.datetime,
) -> IntegrityRecord:
    """Records falsified materials found on ``found_on`` in the cycle ``ctx``: barred for the
    policy's years from that day, or — the policy silent — kept and flagged without a bar."""
    reason = (reason or "").strip()
    if not reason:
        raise Refused("请写明弄虚作假的具体情形（reason）", RefusalCode.bad_facts)
    if len(reason) > LONGEST_REASON:
        raise Refused(f"情形说明最多 {LONGEST_REASON} 个字", RefusalCode.bad_facts)
    if not (by or "").strip():
        raise Refused("须写明登记人（by）", RefusalCode.bad_facts)
    today = now.astimezone(BEIJING).date()
    if found_on > today:
        raise Refused(
            f"发现日期 {found_on.isoformat()} 晚于今天（{today.isoformat()}）",
            RefusalCode.bad_facts,
        )
    if session.get(Person, id_number) is None:
        raise Refused(f"没有身份证号为 {mask(id_number)} 的申报人", RefusalCode.no_person)
    record = IntegrityRecord(
        person_id=id_number,
        found_on=found_on,
        reason=reason,
        cycle_id=ctx.cycle_id,
        bar_years=ctx.rules.integrity_bar_years,
        barred_until=integrity_bar_until(found_on, ctx.rules),
        recorded_by=by.strip(),
        recorded_at=now,
    )
    session.add(record)
    session.flush()
    return record


def integrity_of(session: Session, people: Sequence[str]) -> dict[str, PersonIntegrity]:
    """Each person of ``people`` with a record: the longest bar and the records without one."""
    found: dict[str, list[IntegrityRecord]] = {}
    wanted = list(dict.fromkeys(people))
    for i in range(0, len(wanted), CHUNK):
        rows = session.exec(
            select(IntegrityRecord)
            .where(among(IntegrityRecord.person_id, wanted[i : i + CHUNK], text=True))
            .order_by(col(IntegrityRecord.id))
        )
        for row in rows:
            found.setdefault(row.person_id, []).append(row)
    out: dict[str, PersonIntegrity] = {}
    for person, records in found.items():
        bars = [r for r in records if r.barred_until is not None]
        longest = max(bars, key=lambda r: r.barred_until or dt.date.min, default=None)
        out[person] = PersonIntegrity(
            longest.barred_until if longest else None,
            longest.reason if longest else None,
            tuple(r for r in records if r.barred_until is None),
        )
    return out


def flag_text(record: IntegrityRecord) -> str:
    """How a kept record without a bar reads to the office acting on a later declaration."""
    when = record.found_on.isoformat() if record.found_on else "日期不详"
    return f"该申报人有弄虚作假记录（{when}，{record.recorded_by}登记：{record.reason}），政策未规定停止申报年限，请重点审核"


def declaration_warnings(session: Session, cycle_id: str, app_ids: Sequence[int]) -> list[str]:
    """The flags of the people behind ``app_ids``, one line per application and record, for an
    action's warnings (submit, open_review): records without a bar, kept for the office."""
    people: dict[int, str] = {}
    for i in range(0, len(app_ids), CHUNK):
        for app_id, person in session.execute(
            select(col(Application.id), col(Application.person_id)).where(
                col(Application.cycle_id) == cycle_id,
                among(Application.id, app_ids[i : i + CHUNK]),
            )
        ):
            people[app_id] = person
    records = integrity_of(session, list(people.values()))
    return [
        f"申报 {app_id}：{flag_text(record)}"
        for app_id in app_ids
        if (person := people.get(app_id)) in records
        for record in records[person].flags
    ]


class ListedRecord(TypedDict):
    id: int
    person: str
    found_on: str | None
    reason: str
    cycle_id: str | None
    bar_years: int | None
    barred_until: str | None
    recorded_by: str
    recorded_at: str


def listed_records(
    session: Session, id_number: str | None = None, *, city_code: str | None = None
) -> list[ListedRecord]:
    """The records, newest first, ID numbers masked: of one person, and/or of the people with
    an application in one city (a city office sees its own applicants')."""
    stmt = select(IntegrityRecord).order_by(col(IntegrityRecord.id).desc())
    if id_number is not None:
        stmt = stmt.where(col(IntegrityRecord.person_id) == id_number)
    if city_code is not None:
        # each record's person looked up by person (a handful of records), not the city's
        # applications of every year listed first
        stmt = stmt.where(
            exists().where(
                col(Application.person_id) == col(IntegrityRecord.person_id),
                col(Application.city_code) == city_code,
            )
        )
    return [
        {
            "id": r.id or 0,
            "person": mask(r.person_id),
            "found_on": r.found_on.isoformat() if r.found_on else None,
            "reason": r.reason,
            "cycle_id": r.cycle_id,
            "bar_years": r.bar_years,
            "barred_until": r.barred_until.isoformat() if r.barred_until else None,
            "recorded_by": r.recorded_by,
            "recorded_at": r.recorded_at.isoformat(),
        }
        for r in session.exec(stmt)
    ]


def person_in_city(session: Session, id_number: str, city_code: str) -> bool:
    """Whether the person has an application in the city (a city office records its own)."""
    found = session.exec(
        select(col(Application.id)).where(
            col(Application.person_id) == id_number, col(Application.city_code) == city_code
        )
    ).first()
    return found is not None
