"""The counts kept as applications change (models.tally, migration 0024): on PostgreSQL every
INSERT, UPDATE and DELETE of ``application`` adds its groups' differences, folded now and
then, and the pages read those instead of counting the cycle; the figures are the same
either way, and SQLite keeps counting."""

from __future__ import annotations

import datetime as dt
import importlib
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import Connection, func, select, text, update
from sqlmodel import Session, col

from dashboard import figures
from models.application import Application
from models.asof import AsOf
from models.cycle import Cycle
from models.db import engine, read_scope, session_scope
from models.purge import delete_cycle
from models.tally import ApplicationTally
from models.transitions import transition
from tests.factories import bj, drafts, province_viewer, stored_cycle
from tests.sql_log import statements

pytestmark = pytest.mark.usefixtures("db")

FOLD_EVERY: int = importlib.import_module(
    "models.migrations.versions.0024_application_tally"
).FOLD_EVERY

Group = tuple[int, int, str]  # unit, committee, status


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _tallied(session: Session | Connection, cycle_id: str) -> Counter[Group]:
    t = ApplicationTally
    rows = session.execute(
        select(col(t.unit_id), col(t.committee_id), col(t.status), func.sum(col(t.n)))
        .where(col(t.cycle_id) == cycle_id)
        .group_by(col(t.unit_id), col(t.committee_id), col(t.status))
    )
    return Counter({(u, c, s): n for u, c, s, n in rows if n})


def _counted(session: Session | Connection, cycle_id: str) -> Counter[Group]:
    a = Application
    rows = session.execute(
        select(col(a.unit_id), col(a.committee_id), col(a.status), func.count())
        .where(col(a.cycle_id) == cycle_id)
        .group_by(col(a.unit_id), col(a.committee_id), col(a.status))
    )
    return Counter({(u, c, s): n for u, c, s, n in rows})


def _rows(session: Session | Connection, cycle_id: str) -> int:
    return session.execute(
        select(func.count()).where(col(ApplicationTally.cycle_id) == cycle_id)
    ).scalar_one()


def _moved(cycle_id: str, action: str, ids: list[int], day: int) -> None:
    with session_scope() as session:
        transition(
            session, cycle_id=cycle_id, action=action, now=bj(2024, 9, day), actor="测试", ids=ids
        )


def _lock(ids: list[int]) -> None:
    with session_scope() as session:
        session.execute(update(Application).where(col(Application.id).in_(ids)).values(locked=True))


def _cycle_with_moves() -> tuple[str, list[int], list[int]]:
    """Two units' drafts to two committees; some submitted, some of those opened, two
    locked (a change that moves nothing between groups)."""
    cycle_id = stored_cycle()
    first = drafts(cycle_id, 12)
    second = drafts(cycle_id, 7, committee_key="jyg-ny-zj")
    _moved(cycle_id, "submit", first[:8] + second[:3], 2)
    _moved(cycle_id, "open_review", first[:5], 3)
    _lock([first[0], second[0]])
    return cycle_id, first, second


def _skip_to_a_fold(connection: Connection) -> None:
    """The tally's next rows of differences cross a fold's mark (their ids, FOLD_EVERY)."""
    last = connection.execute(text("SELECT last_value FROM application_tally_id_seq")).scalar_one()
    mark = (last // FOLD_EVERY + 1) * FOLD_EVERY
    connection.execute(text("SELECT setval('application_tally_id_seq', :v)"), {"v": mark - 1})


def test_the_tally_is_the_applications_counted_after_inserts_moves_and_locks() -> None:
    cycle_id, first, second = _cycle_with_moves()
    with read_scope() as session:
        counted = _counted(session, cycle_id)
        assert sum(counted.values()) == len(first) + len(second)
        assert (
            counted[(_unit_of(session, first[0]), _committee_of(session, first[0]), "unit_review")]
            == 5
        )
        if _postgres(session):
            assert _tallied(session, cycle_id) == counted
        else:  # SQLite keeps the table empty and counts
            assert _rows(session, cycle_id) == 0


def _unit_of(session: Session, app_id: int) -> int:
    found = session.get(Application, app_id)
    assert found is not None
    return found.unit_id


def _committee_of(session: Session, app_id: int) -> int:
    found = session.get(Application, app_id)
    assert found is not None
    return found.committee_id


def _pages(cycle_id: str, at: dt.datetime) -> tuple[Any, Any, Any, Any, list[tuple[str, Any]]]:
    """The province's overview and committees as of ``at``, as the live dashboard reads
    them and from the audit trail, and the counts from the tally the live reading ran."""
    with read_scope() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        viewer, province = province_viewer(session)
        with statements(lambda sql: "sum(" in sql and "application_tally" in sql) as seen:
            live = figures.overview(session, cycle, viewer, province, at)
            rows = figures.committees(session, cycle_id, viewer, at)
    with read_scope() as session:
        viewer, province = province_viewer(session)
        trail = figures.overview(session, cycle, viewer, province, at, trail=True)
        trail_rows = figures.committees(session, cycle_id, viewer, at, trail=True)
    return live, trail, rows, trail_rows, seen


def test_the_pages_read_the_tally_and_show_what_the_trail_shows() -> None:
    cycle_id, first, second = _cycle_with_moves()
    live, trail, rows, trail_rows, seen = _pages(cycle_id, bj(2024, 9, 10))
    assert live.model_dump() == trail.model_dump()
    assert rows == trail_rows
    assert live.total == len(first) + len(second)
    assert {s.status: s.count for s in live.statuses} == {
        "draft": 8,
        "submitted": 6,
        "unit_review": 5,
    }
    with read_scope() as session:
        postgres = _postgres(session)
    # the overview's count and the committees' count
    assert len(seen) == (2 if postgres else 0)


def test_an_application_created_after_the_instant_is_counted_from_the_applications() -> None:
    cycle_id, first, second = _cycle_with_moves()
    late = drafts(cycle_id, 2, created=bj(2024, 9, 20))
    before, after = bj(2024, 9, 10), bj(2024, 9, 21)
    with read_scope() as session:
        assert not AsOf(session, cycle_id, before).tallied()
        assert AsOf(session, cycle_id, after).tallied() == _postgres(session)
    live, trail, rows, trail_rows, _ = _pages(cycle_id, before)
    assert live.model_dump() == trail.model_dump()
    assert rows == trail_rows
    assert live.total == len(first) + len(second)
    live, trail, *_ = _pages(cycle_id, after)
    assert live.model_dump() == trail.model_dump()
    assert live.total == len(first) + len(second) + len(late)


def test_a_fold_keeps_one_row_per_group_and_the_same_counts() -> None:
    cycle_id, first, second = _cycle_with_moves()
    with session_scope() as session:
        if not _postgres(session):
            pytest.skip("SQLite keeps no tally")
        before = _counted(session, cycle_id)
        unfolded = _rows(session, cycle_id)
        _skip_to_a_fold(session.connection())
    _moved(cycle_id, "submit", first[8:10], 4)
    with read_scope() as session:
        counted = _counted(session, cycle_id)
        assert counted != before
        assert _tallied(session, cycle_id) == counted
        # one row per group holding applications, fewer than the rows of differences before
        assert _rows(session, cycle_id) == len(counted) < unfolded


def test_writers_never_wait_for_a_fold_or_for_each_other() -> None:
    """A transaction with rows of differences not yet committed, another folding the same
    cycle, then the first crossing a mark while the second still folds: neither waits (a
    lock wait fails at once here), and both committed, the tally is the counts."""
    cycle_id, first, second = _cycle_with_moves()
    with session_scope() as session:
        if not _postgres(session):
            pytest.skip("SQLite keeps no tally")
    bind = engine()
    with bind.connect() as a, bind.connect() as b:
        for conn in (a, b):
            conn.execute(text("SET lock_timeout = '1s'"))
        move = update(Application).values(status="submitted")
        a.execute(move.where(col(Application.id) == first[10]))
        _skip_to_a_fold(b)
        b.execute(move.where(col(Application.id) == first[11]))
        assert _rows(b, cycle_id) == len(_counted(b, cycle_id))  # b folded
        _skip_to_a_fold(a)
        a.execute(move.where(col(Application.id) == second[5]))  # b holds the fold: a skips it
        a.commit()
        b.commit()
    with read_scope() as session:
        counted = _counted(session, cycle_id)
        assert (
            counted[(_unit_of(session, first[0]), _committee_of(session, first[0]), "submitted")]
            == 5
        )
        assert _tallied(session, cycle_id) == counted


def test_a_deleted_cycle_leaves_no_tally_behind() -> None:
    cycle_id, *_ = _cycle_with_moves()
    with session_scope() as session:
        delete_cycle(session, cycle_id)
    with read_scope() as session:
        assert _rows(session, cycle_id) == 0
        assert _counted(session, cycle_id) == Counter()


def test_a_transaction_folds_once() -> None:
    """A second mark crossed in the same transaction leaves the rows as they are (the fold
    would read the first one's deleted rows again); the next transaction's mark folds."""
    cycle_id, first, _ = _cycle_with_moves()
    with session_scope() as session:
        if not _postgres(session):
            pytest.skip("SQLite keeps no tally")
    move = update(Application).values(status="submitted")
    with engine().connect() as conn:
        _skip_to_a_fold(conn)
        conn.execute(move.where(col(Application.id) == first[8]))
        folded = _rows(conn, cycle_id)
        assert folded == len(_counted(conn, cycle_id))
        _skip_to_a_fold(conn)
        conn.execute(move.where(col(Application.id) == first[9]))
        assert _rows(conn, cycle_id) > folded
        conn.commit()
    with engine().connect() as conn:
        _skip_to_a_fold(conn)
        conn.execute(move.where(col(Application.id) == first[10]))
        assert _rows(conn, cycle_id) == len(_counted(conn, cycle_id))
        assert _tallied(conn, cycle_id) == _counted(conn, cycle_id)
        conn.commit()


def test_emptying_the_applications_empties_the_tally() -> None:
    """TRUNCATE fires none of the row-change triggers: its own empties the tally (rolled
    back here, the session's database is shared)."""
    cycle_id, *_ = _cycle_with_moves()
    with session_scope() as session:
        if not _postgres(session):
            pytest.skip("SQLite keeps no tally")
    with engine().connect() as conn:
        conn.execute(text("SET lock_timeout = '5s'"))
        assert _rows(conn, cycle_id) > 0
        conn.execute(text("TRUNCATE application CASCADE"))
        assert conn.execute(select(func.count()).select_from(ApplicationTally)).scalar_one() == 0
        conn.rollback()
    with read_scope() as session:
        assert _tallied(session, cycle_id) == _counted(session, cycle_id) != Counter()
