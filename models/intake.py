"""The applicants' front end writing one declaration: a draft created or updated through the
declarations import with a one-row file, so the same checks and the same committee routing
apply (this module adds no rule of its own)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from models.application import Application
from models.imports.declarations import ID, import_declarations
from models.imports.report import FILE_ROW, RowError
from models.imports.routing import cycle_routing

# The row number a one-row "file" gives its row (the heading is row 1).
ROW = 2


class Written(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"


@dataclass(frozen=True)
class Declared:
    application_id: int
    written: Written
    committee: str | None  # the name of the committee it was routed to


class NotAccepted(Exception):
    """The declaration was not written. ``errors`` are the import's, one per bad field;
    ``whole`` says they concern the request as a whole (the cycle, the window), not a field."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        self.whole = all(e.row == FILE_ROW for e in errors)
        super().__init__(message_of(errors))


def message_of(errors: list[RowError]) -> str:
    """One sentence in Chinese: every problem, the field named."""
    parts = [f"{e.column}：{e.why}" if e.column else e.why for e in errors]
    return "申报信息有误，未写入：" + "；".join(parts)


def put_declaration(
    session: Session, cycle_id: str, id_number: str, fields: dict[str, str], now: dt.datetime
) -> Declared:
    """Creates or updates the draft of ``id_number`` in ``cycle_id`` from the template's
    fields (headings as keys); the same fields twice change nothing the second time."""
    row = {key: str(value) for key, value in fields.items()}
    given = row.get(ID, "").strip()
    if given and given.upper() != id_number.strip().upper():
        raise NotAccepted(
            [RowError(ROW, ID, given, "请求内容中的身份证号与地址中的身份证号不一致")]
        )
    row[ID] = id_number
    routing = cycle_routing(session, cycle_id)
    result = import_declarations(
        session, [(ROW, row)], cycle_id=cycle_id, now=now, header=list(row), routing=routing
    )
    if result.errors:
        raise NotAccepted(result.errors)
    written = (
        Written.created
        if result.added
        else Written.updated
        if result.updated
        else Written.unchanged
    )
    found = session.execute(
        select(col(Application.id), col(Application.committee_id)).where(
            col(Application.cycle_id) == cycle_id,
            col(Application.person_id) == id_number.strip().upper(),
        )
    ).first()
    assert found is not None, "the import wrote (or found) this draft"
    assert routing is not None, "the import found the cycle"
    return Declared(found[0], written, routing.committee_name(found[1]))
