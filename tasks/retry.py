"""Retry conditions for tasks: infrastructure hiccups only, never a refused action."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from models.db import DatabaseUnavailable


def retry_on_db_hiccup(task: Any, task_run: Any, state: Any) -> bool:
    """A dropped connection, a database briefly down at connect or a busy SQLite file is worth
    another try; anything else is not."""
    try:
        state.result()
    except (OperationalError, DatabaseUnavailable):
        return True
    except Exception:
        return False
    return False
