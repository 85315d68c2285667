"""Schema changes go through migrations: the migrated database matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.db import engine

pytestmark = pytest.mark.usefixtures("db")


def test_migrations_match_the_models(db: str) -> None:
    with engine(db).connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(connection, opts={"compare_type": False}), SQLModel.metadata
        )
    assert diff == []


def test_upgrading_twice_changes_nothing(db: str) -> None:
    from models.migrate import upgrade

    upgrade(db)
    upgrade(db)
    with engine(db).connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() is not None


def test_a_long_read_does_not_hold_writers_up(db: str) -> None:
    from sqlalchemy import select

    from models.application import Application
    from models.db import read_scope, session_scope
    from tests.factories import drafts, stored_cycle

    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    with read_scope() as reader:
        assert app in reader.execute(select(Application.id)).scalars().all()
        with session_scope() as writer:  # would wait for the reader under BEGIN IMMEDIATE
            writer.get(Application, app).status = "submitted"
    with read_scope() as reader:
        assert reader.get(Application, app).status == "submitted"
