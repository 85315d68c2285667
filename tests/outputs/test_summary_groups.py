"""The summary sheet (审核推荐汇总表) lists every application its unit recommended: one the
unit has just recommended, before its publicity opens, too (it used to be left out)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from models.application import Application, Person
from models.db import session_scope
from outputs.summary_sheet import build_sheet
from tests.factories import drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def names_listed(path: Path) -> list[str]:
    sheet = load_workbook(path).active
    assert sheet is not None
    # Data rows are the ones numbered in 序号; the name is the third column.
    return [row[2] for row in sheet.iter_rows(values_only=True) if str(row[0] or "").isdigit()]


def test_a_just_recommended_application_is_on_the_sheet(tmp_path: Path) -> None:
    cycle_id = stored_cycle()
    states = ["recommended", "unit_publicity", "unit_review", "withdrawn", "not_recommended"]
    apps = drafts(cycle_id, len(states))
    name_of = {}
    with session_scope() as session:
        for app_id, state in zip(apps, states, strict=True):
            row = session.get(Application, app_id)
            assert row is not None
            row.status = state
            person = session.get(Person, row.person_id)
            assert person is not None
            person.name = f"申报人-{state}"
            name_of[state] = person.name
    out = tmp_path / "汇总表.xlsx"
    with session_scope() as session:
        count = build_sheet(session, cycle_id, out)
    listed = names_listed(out)
    assert count == len(listed) == 2
    assert sorted(listed) == sorted([name_of["recommended"], name_of["unit_publicity"]])
