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


def schema(url: str) -> tuple[dict[str, tuple], str | None]:
    """Every table's columns, keys, indexes and constraints, and the recorded revision."""
    from sqlalchemy import inspect

    with engine(url).connect() as connection:
        inspector = inspect(connection)
        tables = {
            name: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(name)],
                inspector.get_pk_constraint(name)["constrained_columns"],
                sorted(str(fk) for fk in inspector.get_foreign_keys(name)),
                # a partial index's WHERE is reflected as a clause object: compared as its text
                sorted(
                    str({**ix, "dialect_options": {k: str(v) for k, v in opts.items()}})
                    for ix in inspector.get_indexes(name)
                    for opts in [ix.get("dialect_options", {})]
                ),
                sorted(str(uq) for uq in inspector.get_unique_constraints(name)),
                sorted(str(ck) for ck in inspector.get_check_constraints(name)),
            )
            for name in inspector.get_table_names()
        }
        revision = MigrationContext.configure(connection).get_current_revision()
    return tables, revision


def test_upgrading_twice_changes_nothing(db: str) -> None:
    from alembic.script import ScriptDirectory

    from models.migrate import alembic_config, upgrade

    upgrade(db)
    before = schema(db)
    upgrade(db)
    assert schema(db) == before
    head = ScriptDirectory.from_config(alembic_config(db)).get_current_head()
    tables, revision = before
    assert revision == head
    assert set(tables) >= set(SQLModel.metadata.tables)


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
