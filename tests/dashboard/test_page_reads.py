"""What a page reads more than once (its instant's probe, the cycle's phases) is read once
per page, in a read-only session; a session that also writes reads it again after writing."""

from __future__ import annotations

import pytest

from dashboard import figures
from models.db import read_scope, session_scope
from models.transitions import transition
from tests.factories import bj, drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def test_a_page_reads_its_instant_once() -> None:
    cycle = stored_cycle()
    with read_scope() as session:
        first = figures._asof(session, cycle, bj(2024, 9, 20))
        assert figures._asof(session, cycle, bj(2024, 9, 20)) is first
        assert figures._asof(session, cycle, bj(2024, 9, 21)) is not first
        assert figures.phases_of(session, cycle) is figures.phases_of(session, cycle)


def test_a_writing_session_reads_the_instant_again_after_a_write() -> None:
    cycle = stored_cycle()
    ids = drafts(cycle, 2)
    at = bj(2024, 9, 20)
    with session_scope() as session:
        before = figures._asof(session, cycle, at)
        transition(
            session, cycle_id=cycle, action="submit", now=bj(2024, 9, 21), actor="测试", ids=ids
        )
        after = figures._asof(session, cycle, at)
    # nothing had happened after the instant; then a submission did
    assert before.current and not after.current
