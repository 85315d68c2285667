"""``one_transaction``: the scopes opened inside it are one transaction — each reads what the
ones before it wrote, nothing is visible to another connection before the end, and a failure
in any of them leaves nothing of any."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from models.application import Person
from models.db import engine, one_transaction, read_scope, session_scope
from rules.idcard import make_id_number
from tests.factories import next_people

pytestmark = pytest.mark.usefixtures("db")


def _people(count: int) -> list[Person]:
    return [
        Person(id_number=make_id_number("620201", birth, seq), name="事务", male=True, birth=birth)
        for birth, seq in next_people(count)
    ]


def _stored(ids: list[str]) -> int:
    with Session(engine()) as other:  # another connection: committed rows only
        other.connection(execution_options={"zhicheng_readonly": True})
        found = other.execute(
            select(func.count()).where(col(Person.id_number).in_(ids))
        ).scalar_one()
        other.rollback()
        return int(found)


def test_the_scopes_inside_are_committed_together() -> None:
    first, second = _people(1), _people(1)
    ids = [p.id_number for p in first + second]
    with one_transaction():
        with session_scope() as session:
            session.add_all(first)
        with session_scope() as session:  # reads what the scope before it wrote
            assert session.get(Person, first[0].id_number) is not None
            session.add_all(second)
        with read_scope() as session:
            assert session.get(Person, second[0].id_number) is not None
        assert _stored(ids) == 0
    assert _stored(ids) == 2


def test_a_failure_in_any_scope_leaves_nothing_of_any() -> None:
    first, second = _people(1), _people(1)
    ids = [p.id_number for p in first + second]
    with pytest.raises(RuntimeError), one_transaction():
        with session_scope() as session:
            session.add_all(first)
        with session_scope() as session:
            session.add_all(second)
            session.flush()
            raise RuntimeError("第二个操作失败")
    assert _stored(ids) == 0
    with session_scope() as session:  # and the next scope is a transaction of its own again
        session.add_all(first)
    assert _stored(ids) == 1
