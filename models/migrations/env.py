"""Alembic environment: runs against the engine zhicheng configured."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.db import engine as default_engine
from models.migrate import declared_for

config = context.config
connectable = config.attributes.get("engine") or default_engine()

with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=declared_for(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()
