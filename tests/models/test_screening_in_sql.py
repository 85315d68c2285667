"""Screening in the UPDATE (models.services._move): the statement moves what the database facts
allow, and only the ids it left are read back for their refusals, with the same codes, in the
order asked, and no audit row for them."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from models import services
from models.application import Application, AuditEvent
from models.cycle import Committee
from models.db import session_scope
from models.refusals import RefusalCode
from tests.factories import bj, drafts, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def _actions(app_id: int) -> list[str]:
    with session_scope() as session:
        return list(
            session.execute(
                select(col(AuditEvent.action))
                .where(col(AuditEvent.application_id) == app_id)
                .order_by(col(AuditEvent.id))
            ).scalars()
        )


def test_results_move_only_in_open_committees_and_the_rest_are_refused_in_order() -> None:
    cycle = stored_cycle()
    first, second = drafts(cycle, 2)  # jyg-gc-zj: reviews 11/11-12/10
    (closed,) = drafts(cycle, 1, committee_key="jyg-ny-zj")
    (draft,) = drafts(cycle, 1)
    with session_scope() as session:
        session.execute(
            update(Application)
            .where(col(Application.id).in_([first, second, closed]))
            .values(status="committee_review")
        )
        session.execute(  # this committee's own review time ended on 11/15
            update(Committee)
            .where(col(Committee.cycle_id) == cycle, col(Committee.key) == "jyg-ny-zj")
            .values(window_last_day=dt.date(2024, 11, 15))
        )
    with session_scope() as session:
        out = services.record_result(
            session,
            cycle,
            [closed, first, draft, 987654321, second],
            passed=True,
            now=bj(2024, 11, 20, 10),
            actor="评委会",
        )
    assert sorted(out.done) == sorted([first, second])
    assert [(i, r.code) for i, r in out.refusals.items()] == [
        (closed, RefusalCode.closed),
        (draft, RefusalCode.wrong_status),
        (987654321, RefusalCode.no_application),
    ]
    assert "评审时间" in out.refused[closed] and "2024年11月15日24:00" in out.refused[closed]
    assert [status_of(i) for i in (first, second, closed, draft)] == [
        "result_publicity",
        "result_publicity",
        "committee_review",
        "draft",
    ]
    assert _actions(first) == ["pass"] and _actions(closed) == [] and _actions(draft) == []


def test_an_action_without_a_check_refuses_only_what_it_did_not_move() -> None:
    cycle = stored_cycle()
    moved, twice, issued = drafts(cycle, 3)
    with session_scope() as session:
        session.execute(
            update(Application).where(col(Application.id) == issued).values(status="issued")
        )
        out = services.withdraw(
            session,
            cycle,
            [issued, moved, twice, twice, 987654321],
            now=bj(2024, 9, 20, 9),
            actor="申报人",
            reason="本人撤回",
        )
    assert sorted(out.done) == sorted([moved, twice])
    assert [(i, r.code) for i, r in out.refusals.items()] == [
        (issued, RefusalCode.wrong_status),
        (987654321, RefusalCode.no_application),
    ]
    assert out.refused[issued].startswith("当前状态为") and "987654321" in out.refused[987654321]
    assert _actions(twice) == ["withdraw"] and _actions(issued) == []
