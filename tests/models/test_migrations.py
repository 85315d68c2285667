"""Schema changes go through migrations: the migrated database matches the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.db import engine
from models.migrate import declared_for

pytestmark = pytest.mark.usefixtures("db")


def test_migrations_match_the_models(db: str) -> None:
    with engine(db).connect() as connection:
        diff = compare_metadata(
            MigrationContext.configure(
                connection,
                opts={
                    "compare_type": False,
                    "include_object": declared_for(connection.dialect.name),
                },
            ),
            SQLModel.metadata,
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


def test_the_summary_sheets_move_out_of_the_applications_and_back(tmp_path) -> None:
    """Migration 0020 carries every stored sheet into application_profile (and 0019 gets
    them back): a database of an earlier release keeps its applicants' sheets."""
    import sqlite3

    from alembic import command

    from models.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0019")
    sheet = '{"education": "本科", "promotion_type": "破格晋升"}'
    with sqlite3.connect(tmp_path / "old.db") as raw:  # foreign keys off: no cycle needed
        raw.executemany(
            "INSERT INTO application (id, cycle_id, year, person_id, unit_id, committee_id,"
            " city_code, status, created_at, updated_at, return_count, locked, profile)"
            " VALUES (?, 'c', 2024, ?, 1, 1, '620200', 'draft', '2024-09-01', '2024-09-01',"
            " 0, 0, ?)",
            [(1, "p1", sheet), (2, "p2", None)],
        )
    engine(url).dispose()
    command.upgrade(config, "0020")
    with sqlite3.connect(tmp_path / "old.db") as raw:
        assert raw.execute(
            "SELECT application_id, profile FROM application_profile"
        ).fetchall() == [(1, sheet)]
        columns = [row[1] for row in raw.execute("PRAGMA table_info(application)")]
        assert "profile" not in columns and "facts" in columns
    engine(url).dispose()
    command.downgrade(config, "0019")
    with sqlite3.connect(tmp_path / "old.db") as raw:
        assert raw.execute("SELECT id, profile FROM application ORDER BY id").fetchall() == [
            (1, sheet),
            (2, None),
        ]
