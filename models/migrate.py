"""Schema changes go through Alembic migrations: offices keep their data across years."""

from __future__ import annotations

from pathlib import Path

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
