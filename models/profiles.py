"""The summary sheet an applicant filled in, stored beside the application
(``application_profile``, migration 0020): written by the person and year it belongs to, as
the declarations import knows them before the application's id."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import JSON, bindparam, cast, select, type_coerce
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

_PROFILE = SQLModel.metadata.tables["application_profile"]
_APPLICATION = SQLModel.metadata.tables["application"]


def write_profiles(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Each ``{"person", "in_year", "profile"}``: that person's application of that year gets
    this sheet, in place of any it had (one statement for all the rows)."""
    if rows:
        session.execute(_upsert(session.get_bind().dialect.name), list(rows))


@cache
def _upsert(dialect: str) -> Any:
    """INSERT … SELECT of the application's id by (person, year), replacing on conflict.
    PostgreSQL types a bare parameter in a SELECT list as text, so it is cast to JSON there;
    SQLite stores the text as it is."""
    sheet = bindparam("profile", type_=JSON)
    chosen = select(
        _APPLICATION.c.id,
        cast(sheet, JSON) if dialect == "postgresql" else type_coerce(sheet, JSON),
    ).where(
        _APPLICATION.c.person_id == bindparam("person"),
        _APPLICATION.c.year == bindparam("in_year"),
    )
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(_PROFILE).from_select(["application_id", "profile"], chosen)
    return statement.on_conflict_do_update(
        index_elements=[_PROFILE.c.application_id],
        set_={"profile": statement.excluded.profile},
    )
