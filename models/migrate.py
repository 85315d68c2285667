"""Schema changes go through Alembic migrations: offices keep their data across years."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from models.db import engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine(url)
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the database to the newest schema (creates it on first use)."""
    command.upgrade(alembic_config(url), "head")


def declared_for(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for a comparison of the models with a database: an index
    the models declare for another database only (``ddl_if``) is left out — Alembic itself
    does not read ``ddl_if``, and would report it missing."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect is None or only.dialect == dialect

    return include
