"""The summary sheet an applicant filled in, stored beside the application
(``application_profile``, migration 0020), by the application's id."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

_PROFILE = SQLModel.metadata.tables["application_profile"]


def add_profiles(session: Session, sheets: Mapping[int, dict[str, Any]]) -> None:
    """The sheets of applications that have none yet (just inserted): a plain INSERT, sent a
    thousand rows a statement to PostgreSQL and through sqlite3's own executemany."""
    if sheets:
        session.execute(insert(_PROFILE), _rows(sheets))


def replace_profiles(session: Session, sheets: Mapping[int, dict[str, Any]]) -> None:
    """Each application's sheet in place of any it had. An upsert is sent row by row by
    psycopg2 (~0.14 ms a row on PostgreSQL): for the few drafts an import changes, not for a
    province's new ones (add_profiles)."""
    if sheets:
        session.execute(_upsert(session.get_bind().dialect.name), _rows(sheets))


def _rows(sheets: Mapping[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"application_id": app_id, "profile": sheet} for app_id, sheet in sheets.items()]


@cache
def _upsert(dialect: str) -> Any:
    insert_for = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert_for(_PROFILE)
    return statement.on_conflict_do_update(
        index_elements=[_PROFILE.c.application_id],
        set_={"profile": statement.excluded.profile},
    )
