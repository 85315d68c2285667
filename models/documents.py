"""The documents an application carries and the committees' meeting records: who recorded
what, when, with its reference (a document number, a minute, where a recording is kept).

The rules that require them (issue 16 item 4) are the cycle's policy (``calendars.cyclefile``
``PolicySpec``) and are enforced in ``models.services``: a staff-meeting collective review
(职工大会集体评议) before the unit recommends a 破格/基层有效/艰苦单位 applicant and the
unit's publicity report (公示结果报告) before the department forwards (004 四(一), 三(三)); a
commissioned-review letter (委托函) before a central-government unit's staff go to a committee
(002 二, 004 一); a video defence's recording before the committee's results (001 附件1 三)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint, bindparam
from sqlalchemy import select as columns_of
from sqlmodel import Field, Session, SQLModel, col, select

from calendars.beijing import beijing
from models.application import Application
from models.cycle import Committee
from models.id_lists import among, insert_per_id
from models.org import Organisation
from models.refusals import RefusalCode, Refused
from models.timeutil import UTCDateTime
from models.transitions import CHUNK, of_cycle


class DocumentKind(StrEnum):
    collective_review = "collective_review"  # 职工大会集体评议 (004 四(一))
    publicity_report = "publicity_report"  # 公示结果报告 (004 三(三))
    commission_letter = "commission_letter"  # 委托函 (002 二, 004 一)


DOCUMENT_LABELS = {
    DocumentKind.collective_review: "职工大会集体评议",
    DocumentKind.publicity_report: "公示结果报告",
    DocumentKind.commission_letter: "委托函",
}

# 004 四(一)'s evaluation categories as the summary sheet's 晋升类型 writes them (004 附件2), and
# a grassroots committee (县以下基层有效) whatever the column says.
SPECIAL_CATEGORIES = ("破格", "基层有效", "艰苦单位")
# The unit types whose staff are reviewed here only on a commissioned-review letter: central
# units in Gansu (中央在甘单位, 002 二, 004 一) and out-of-province units' branches (外省企事业
# 单位在平分支机构, 002 二).
COMMISSIONED_UNIT_TYPES = frozenset({"central_unit", "out_of_province_branch"})


class ApplicationDocument(SQLModel, table=True):
    """One document an application carries: recorded once, by whom and when."""

    __tablename__ = "application_document"
    __table_args__ = (UniqueConstraint("application_id", "kind", name="uq_document_once"),)

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(index=True)
    application_id: int = Field(foreign_key="application.id", index=True)
    kind: str
    reference: str = Field(sa_column=Column(Text, nullable=False))
    by: str
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class MeetingRecord(SQLModel, table=True):
    """A committee's meeting as held (评审会议记录): every record is a row, the newest is in
    force; a video defence's record holds where its full recording is kept (全程录像保存)."""

    __tablename__ = "meeting_record"

    id: int | None = Field(default=None, primary_key=True)
    cycle_id: str = Field(index=True)
    committee_id: int = Field(foreign_key="committee.id", index=True)
    held_on: dt.date
    video: bool = False
    recording: str | None = Field(default=None, sa_column=Column(Text))
    by: str
    at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


# The documents' hot reads, built once (the cycle and the ids bound per call).
_WITH_DOCUMENT = columns_of(col(ApplicationDocument.application_id)).where(
    of_cycle(ApplicationDocument.cycle_id, bindparam("cycle")),
    col(ApplicationDocument.kind) == bindparam("kind"),
    among(ApplicationDocument.application_id),
)
_COMMISSIONED = (
    columns_of(col(Application.id))
    .join(Organisation, col(Organisation.id) == col(Application.unit_id))
    .where(
        of_cycle(Application.cycle_id, bindparam("cycle")),
        among(Application.id),
        col(Organisation.unit_type).in_(sorted(COMMISSIONED_UNIT_TYPES)),
    )
)


def with_document(
    session: Session, cycle_id: str, ids: Collection[int], kind: DocumentKind
) -> set[int]:
    """Of ``ids``, those that carry a document of ``kind``."""
    wanted = sorted(set(ids))
    found: set[int] = set()
    for i in range(0, len(wanted), CHUNK):
        found.update(
            session.execute(
                _WITH_DOCUMENT,
                {"cycle": cycle_id, "kind": kind.value, "ids": wanted[i : i + CHUNK]},
            ).scalars()
        )
    return found


def add_documents(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    kind: DocumentKind,
    *,
    reference: str,
    by: str,
    now: dt.datetime,
) -> None:
    """One row per id, in the order given, in one INSERT … SELECT over the ids bound as one
    value (no parameter set per row: the ORM's bulk insert of a day's reports cost more
    than the rows' own writing)."""
    for i in range(0, len(ids), CHUNK):
        session.execute(
            _documents_insert(session.get_bind().dialect.name),
            {
                "cycle_id": cycle_id,
                "kind": kind.value,
                "reference": reference,
                "by": by,
                "at": now,
                "ids": list(ids[i : i + CHUNK]),
            },
        )


_DOCUMENTS = SQLModel.metadata.tables["application_document"]


@cache
def _documents_insert(dialect: str) -> Any:
    return insert_per_id(
        _DOCUMENTS, dialect, "application_id", ["cycle_id", "kind", "reference", "by", "at"]
    )


def is_special_category(profile: dict | None, committee_scope: str | None) -> bool:
    """破格晋升 / 基层有效 / 艰苦单位 (004 四(一)): by the summary sheet's 晋升类型, or an
    application to a grassroots (县以下基层有效) committee."""
    return _special(str((profile or {}).get("promotion_type") or ""), committee_scope)


def _special(promotion_type: str, committee_scope: str | None) -> bool:
    return committee_scope == "grassroots" or any(c in promotion_type for c in SPECIAL_CATEGORIES)


# The summary sheet's 晋升类型 read by the database (the sheet is ~500 bytes of JSON a row;
# decoding it whole for one key was most of this read), over the tables' own columns.
_APPLICATIONS = SQLModel.metadata.tables["application"]
_PROFILES = SQLModel.metadata.tables["application_profile"]
_COMMITTEES = SQLModel.metadata.tables["committee"]
_SPECIAL = (
    columns_of(
        _APPLICATIONS.c.id,
        _PROFILES.c.profile["promotion_type"].as_string(),
        _COMMITTEES.c.scope,
    )
    .join(_COMMITTEES, _COMMITTEES.c.id == _APPLICATIONS.c.committee_id)
    .outerjoin(_PROFILES, _PROFILES.c.application_id == _APPLICATIONS.c.id)
    .where(
        of_cycle(_APPLICATIONS.c.cycle_id, bindparam("cycle")),
        among(_APPLICATIONS.c.id),
    )
)


def special_category(session: Session, cycle_id: str, ids: Collection[int]) -> set[int]:
    """Of ``ids``, the 破格/基层有效/艰苦单位 applications."""
    wanted = sorted(set(ids))
    out: set[int] = set()
    for i in range(0, len(wanted), CHUNK):
        rows = session.execute(_SPECIAL, {"cycle": cycle_id, "ids": wanted[i : i + CHUNK]})
        out.update(app_id for app_id, kind, scope in rows if _special(str(kind or ""), scope))
    return out


def commissioned(session: Session, cycle_id: str, ids: Collection[int]) -> set[int]:
    """Of ``ids``, the applications from units reviewed here on a commissioned-review letter."""
    wanted = sorted(set(ids))
    out: set[int] = set()
    for i in range(0, len(wanted), CHUNK):
        out.update(
            session.execute(
                _COMMISSIONED, {"cycle": cycle_id, "ids": wanted[i : i + CHUNK]}
            ).scalars()
        )
    return out


def meeting_in_force(session: Session, committee_id: int) -> MeetingRecord | None:
    return session.exec(
        select(MeetingRecord)
        .where(col(MeetingRecord.committee_id) == committee_id)
        .order_by(col(MeetingRecord.id).desc())
    ).first()


def unrecorded_video_defences(session: Session, cycle_id: str) -> dict[int, MeetingRecord]:
    """Committees whose meeting in force was a video defence with no recording referenced."""
    rows = session.exec(
        select(MeetingRecord)
        .where(col(MeetingRecord.cycle_id) == cycle_id)
        .order_by(col(MeetingRecord.id))
    ).all()
    latest = {r.committee_id: r for r in rows}
    return {cid: r for cid, r in latest.items() if r.video and not (r.recording or "").strip()}


def record_meeting(
    session: Session,
    cycle_id: str,
    committee_key: str,
    held_on: dt.date,
    *,
    video: bool,
    recording: str | None,
    by: str,
    now: dt.datetime,
) -> MeetingRecord:
    """The committee's meeting as held. A video defence is recorded in full (001 附件1 三
    "视频答辩全程录像保存，以备核查"): its record names where the recording is kept; until it
    does, the committee's results are refused (``models.services.record_result``)."""
    committee = session.exec(
        select(Committee).where(
            col(Committee.cycle_id) == cycle_id, col(Committee.key) == committee_key
        )
    ).first()
    if committee is None or committee.id is None:
        raise Refused(f"本周期没有评委会 {committee_key}", RefusalCode.no_committee)
    if held_on > beijing(now).date():
        raise Refused(
            f"会议记录只能在会后登记：{held_on.isoformat()} 尚未到来", RefusalCode.not_open
        )
    record = MeetingRecord(
        cycle_id=cycle_id,
        committee_id=committee.id,
        held_on=held_on,
        video=video,
        recording=(recording or "").strip() or None,
        by=by,
        at=now,
    )
    session.add(record)
    session.flush()
    return record
