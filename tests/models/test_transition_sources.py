"""Fewer status UPDATEs for the same moves (models.transitions.transition): ids whose status
the caller read are tried from that status alone, and several departments forwarding at one
instant share one UPDATE while each audit row names its own department."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from models import services
from models.application import Application, AuditEvent
from models.db import session_scope
from models.documents import DocumentKind
from models.refusals import RefusalCode
from models.transitions import transition
from tests.factories import bj, drafts, status_of, stored_cycle
from tests.sql_log import statements

pytestmark = pytest.mark.usefixtures("db")


def _updates(statement: str) -> bool:
    return statement.lstrip().upper().startswith("UPDATE") and "application SET status" in (
        statement.replace('"', "")
    )


def _set_status(ids: list[int], status: str) -> None:
    with session_scope() as session:
        session.execute(
            update(Application).where(col(Application.id).in_(ids)).values(status=status)
        )


def _audit(ids: list[int], action: str) -> dict[int, tuple[str, str]]:
    """Each id's audit row for ``action``: (actor, from status)."""
    with session_scope() as session:
        rows = session.execute(
            select(
                col(AuditEvent.application_id),
                col(AuditEvent.actor),
                col(AuditEvent.from_status),
            ).where(col(AuditEvent.application_id).in_(ids), col(AuditEvent.action) == action)
        ).all()
    assert len(rows) == len({r[0] for r in rows}), "one audit row per id"
    return {app_id: (actor, source) for app_id, actor, source in rows}


def test_a_return_of_ids_all_in_one_status_is_one_update() -> None:
    cycle = stored_cycle()
    apps = drafts(cycle, 3)
    _set_status(apps, "unit_review")
    with session_scope() as session, statements(_updates) as seen:
        out = services.return_for_changes(
            session, cycle, apps, now=bj(2024, 10, 8), actor="单位", reason="请补充业绩材料"
        )
    assert out.done == apps
    # a return has three source states; the rows were read, so only theirs is tried
    assert len(seen) == 1
    assert {status_of(i) for i in apps} == {"returned"}
    assert _audit(apps, "return") == {i: ("单位", "unit_review") for i in apps}


def test_an_id_whose_status_changed_since_it_was_read_is_moved_from_where_it_is() -> None:
    cycle = stored_cycle()
    stale, current = drafts(cycle, 2)
    _set_status([stale], "unit_review")
    _set_status([current], "submitted")
    with session_scope() as session:
        moved = transition(
            session,
            cycle_id=cycle,
            action="return",
            now=bj(2024, 10, 8),
            actor="单位",
            reason="请补充",
            ids=[stale, current],
            # as read before someone else took ``stale`` into review
            statuses={stale: "submitted", current: "submitted"},
        )
    assert sorted(moved) == sorted([stale, current])
    assert _audit([stale, current], "return") == {
        stale: ("单位", "unit_review"),
        current: ("单位", "submitted"),
    }


def _ready_to_forward(cycle: str, count: int) -> list[int]:
    """In department review with the unit's publicity report, as forwarding requires."""
    apps = drafts(cycle, count)
    _set_status(apps, "department_review")
    with session_scope() as session:
        out = services.record_document(
            session,
            cycle,
            apps,
            DocumentKind.publicity_report,
            now=bj(2024, 9, 28, 9),
            actor="单位",
            reference="公示无异议",
        )
    assert out.done == apps
    return apps


def test_departments_forwarding_together_share_one_update_and_keep_their_names() -> None:
    cycle = stored_cycle()
    first_a, first_b = _ready_to_forward(cycle, 2)
    (second_a,) = _ready_to_forward(cycle, 1)
    (no_report,) = drafts(cycle, 1)
    _set_status([no_report], "department_review")
    (elsewhere,) = drafts(cycle, 1)  # still a draft
    by_actor = {
        "甲主管部门": [first_b, first_a, elsewhere],
        "乙主管部门": [second_a, no_report],
    }
    with session_scope() as session, statements(_updates) as seen:
        out = services.forward_each(session, cycle, by_actor, now=bj(2024, 10, 8))
    assert len(seen) == 1
    # each department's outcome as its own forward would give it, in the order it asked
    assert out["甲主管部门"].done == [first_b, first_a]
    assert [(i, r.code) for i, r in out["甲主管部门"].refusals.items()] == [
        (elsewhere, RefusalCode.wrong_status)
    ]
    assert out["乙主管部门"].done == [second_a]
    assert [(i, r.code) for i, r in out["乙主管部门"].refusals.items()] == [
        (no_report, RefusalCode.document_missing)
    ]
    assert _audit([first_a, first_b, second_a, no_report, elsewhere], "forward") == {
        first_a: ("甲主管部门", "department_review"),
        first_b: ("甲主管部门", "department_review"),
        second_a: ("乙主管部门", "department_review"),
    }
    assert [status_of(i) for i in (no_report, elsewhere)] == ["department_review", "draft"]


def test_one_id_asked_by_two_departments_is_forwarded_once_as_separate_forwards_would() -> None:
    cycle = stored_cycle()
    (app,) = _ready_to_forward(cycle, 1)
    with session_scope() as session:
        out = services.forward_each(
            session, cycle, {"甲主管部门": [app], "乙主管部门": [app]}, now=bj(2024, 10, 8)
        )
    assert out["甲主管部门"].done == [app]
    assert out["乙主管部门"].done == []
    assert out["乙主管部门"].refusals[app].code == RefusalCode.wrong_status
    assert _audit([app], "forward") == {app: ("甲主管部门", "department_review")}
