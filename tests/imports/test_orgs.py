"""Importing the province's departments and units."""

from __future__ import annotations

import uuid

from sqlmodel import col, func, select

from models.db import session_scope
from models.imports.orgs import import_orgs
from models.org import Organisation
from tests.imports.makers import numbered, province_rows


def _count(prefix: str) -> int:
    with session_scope() as session:
        return session.exec(
            select(func.count()).where(col(Organisation.name).contains(prefix))
        ).one()


def test_a_province_loads_and_loads_again_unchanged(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = numbered(province_rows(2, tag))
    with session_scope() as session:
        result = import_orgs(session, rows)
    assert result.errors == []
    assert (result.added, result.updated, result.unchanged) == (len(rows), 0, 0)
    with session_scope() as session:
        again = import_orgs(session, rows)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(rows))
