"""Tasks retry infrastructure hiccups only: a refused action or a bug is final."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from models.context import Refused
from models.db import DatabaseUnavailable
from tasks.retry import retry_on_db_hiccup


class FinishedState:
    """What Prefect hands the condition: a state whose result() returns or raises."""

    def __init__(self, result: Callable[[], object]) -> None:
        self.result = result


def raising(exc: Exception) -> Callable[[], object]:
    def result() -> object:
        raise exc

    return result


@pytest.mark.parametrize(
    ("result", "retried"),
    [
        (raising(OperationalError("SELECT 1", {}, Exception("database is locked"))), True),
        (raising(DatabaseUnavailable("无法使用数据库 postgresql+psycopg2://…：连接被拒绝")), True),
        (raising(IntegrityError("INSERT", {}, Exception("duplicate key"))), False),
        (raising(Refused("申报已截止", "closed")), False),
        (raising(ValueError("a bug")), False),
        (lambda: 3, False),
    ],
)
def test_only_a_database_hiccup_is_retried(result: Callable[[], object], retried: bool) -> None:
    assert retry_on_db_hiccup(None, None, FinishedState(result)) is retried
