"""The SQL a piece of code runs, as the database driver receives it: what tests read to tell
which statements (and plans) a figure took."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements(wanted: Callable[[str], bool]) -> Iterator[list[tuple[str, Any]]]:
    """The statements (and their parameters) run inside, those ``wanted`` says."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if wanted(statement):
            seen.append((statement, params))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)
