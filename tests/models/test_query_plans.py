"""SQLite plans without statistics, by the shape of a query alone: two hot statements once
took the wrong index and cost time that grew with the cycle (issue 14). Each is run for real
here and its plan read back with the same parameters."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text, update
from sqlmodel import Session, col

from models.application import Application
from models.asof import AsOf
from models.committees import _count_by_status
from models.cycle import Committee
from models.db import engine, session_scope
from models.filing import _someone_owes
from models.forecast import _ever_changed
from models.plans import stored_plan
from models.settings import workday_calendar
from models.transitions import transition
from notifications.escalation import _anything_pending
from notifications.reminders import ReminderWriter
from tasks.progress import counts_by_city
from tests.factories import bj, drafts, stored_cycle
from tests.sql_log import statements

pytestmark = pytest.mark.usefixtures("db")


def plans(session: Session, seen: list[tuple[str, Any]]) -> list[str]:
    """Each statement's plan, read back on the session's own connection."""
    raw = session.connection().connection.driver_connection
    assert raw is not None
    if session.get_bind().dialect.name == "sqlite":
        return [
            " / ".join(row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + sql, params))
            for sql, params in seen
        ]
    found = []
    with raw.cursor() as cursor:
        for sql, params in seen:
            cursor.execute("EXPLAIN " + sql, params)
            found.append(" / ".join(row[0] for row in cursor.fetchall()))
    return found


def moved(cycle: str, action: str, ids: list[int], day: int) -> None:
    """``ids`` moved by ``action`` on September ``day``, 2024, in a transaction of their own."""
    with session_scope() as session:
        transition(
            session, cycle_id=cycle, action=action, now=bj(2024, 9, day), actor="测试", ids=ids
        )


def test_a_move_by_ids_finds_its_rows_by_id(db: str) -> None:
    """Not through the (cycle, status) index: that read every row in the source status for
    each statement (46,000 issued rows at 100,000 applications: 12.2 ms against 0.4 ms)."""
    if not db.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by its statistics")
    cycle = stored_cycle()
    ids = drafts(cycle, 20)
    with statements(lambda s: s.startswith("UPDATE")) as seen, session_scope() as session:
        moved = transition(
            session, cycle_id=cycle, action="submit", now=bj(2024, 9, 10), actor="测试", ids=ids
        )
        found = plans(session, seen)
    assert sorted(moved) == sorted(ids)
    assert found and all("INTEGER PRIMARY KEY" in plan for plan in found), found
    assert all(s.startswith("UPDATE OR FAIL") for s, _ in seen)  # no statement journal


def test_the_village_count_reads_the_village_index(db: str) -> None:
    """The village-unit applicants from the village index — SQLite's expression index
    ix_application_village_fact, PostgreSQL's partial ix_application_village_declared — not
    every application's facts through the totals' index (on SQLite 0.2 s a check at 100,000
    when it went wrong; on PostgreSQL 57–65 ms a committees page before migration 0022). On
    PostgreSQL, which plans these few rows by cost, sequential scans are turned off: what is
    checked is that the query states the partial index's condition, so it can be used."""
    cycle = stored_cycle()
    ids = drafts(cycle, 10, committee_key="jyg-ws-gj") + drafts(cycle, 10, "jyg-zxxjs-gj")
    with session_scope() as session:
        session.execute(
            update(Application).where(col(Application.id).in_(ids[::2])).values(series="药学")
        )
        session.execute(
            update(Application)
            .where(col(Application.id).in_(ids[:3] + ids[10:12]))
            .values(series="卫生", facts={"village_unit": True})
        )
    with session_scope() as session:
        first, second = (session.get(Application, i) for i in (ids[0], ids[10]))
        assert first is not None and second is not None
        # as many committees and series as a province's batch brings (the plan depends on
        # the IN lists' lengths: with a few, SQLite picks the right index anyway)
        committees = sorted(
            session.execute(select(col(Committee.id)).where(col(Committee.cycle_id) == cycle))
            .scalars()
            .all()
        )
        series = ["卫生", "药学", *(f"系列{n}" for n in range(25))]
        pairs = {(c, s) for c in committees for s in series}
        with statements(lambda s: s.startswith("SELECT") and "GROUP BY" in s) as seen:
            counts = _count_by_status(session, committees, pairs, village_only=True)
        if not db.startswith("sqlite"):
            session.execute(text("SET LOCAL enable_seqscan = off"))
        found = plans(session, seen)
    assert counts == {
        (first.committee_id, "卫生"): {"draft": 3},
        (second.committee_id, "卫生"): {"draft": 2},
    }
    index = "ix_application_village_fact" if db.startswith("sqlite") else "village_declared"
    assert found and all(index in plan for plan in found), found


def test_the_progress_counts_by_city_from_the_index_alone(db: str) -> None:
    """Each real run's progress counts the cycle by city and status: from ix_application_asof
    (migration 0017), not every application's row (0.2 s a run at 100,000)."""
    if not db.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by its statistics")
    cycle = stored_cycle()
    ids = drafts(cycle, 6)
    moved(cycle, "submit", ids[:2], 10)
    with statements(lambda s: "GROUP BY" in s) as seen:
        table = counts_by_city(cycle)
    with session_scope() as session:
        found = plans(session, seen)
    assert sum(table[city].get("submitted", 0) for city in table) == 2
    assert sum(table[city].get("draft", 0) for city in table) == 4
    assert found and all("COVERING INDEX ix_application_asof" in plan for plan in found), found


def test_the_trail_as_of_an_instant_reads_the_trail_index(db: str) -> None:
    """The status as of an instant, per application and for a wide page, from
    ix_audit_event_trail (migration 0018: no cycle in it), in its order: a cycle's events by
    the range of its applications' ids."""
    if not db.startswith("sqlite"):
        pytest.skip("PostgreSQL plans by its statistics")
    cycle = stored_cycle()
    ids = drafts(cycle, 6)
    moved(cycle, "submit", ids[:4], 10)
    moved(cycle, "open_review", ids[:1], 12)
    with statements(lambda s: "audit_event" in s and s.startswith("SELECT")) as seen:
        with session_scope() as session:
            asof = AsOf(session, cycle, bj(2024, 9, 11), trail=True)
            narrow = dict(
                session.execute(
                    select(col(Application.id), asof.status()).where(col(Application.id).in_(ids))
                ).all()
            )
            last = asof.last_events()
            status = func.coalesce(last.c.to_status, "draft")
            wide = dict(
                session.execute(
                    select(col(Application.id), status)
                    .select_from(Application)
                    .join(last, last.c.application_id == col(Application.id), isouter=True)
                    .where(col(Application.cycle_id) == cycle)
                ).all()
            )
            found = plans(session, seen)
    expected = {i: ("submitted" if i in ids[:4] else "draft") for i in ids}
    assert narrow == expected and wide == expected
    reads = [plan for plan in found if "ix_audit_event_trail" in plan]
    assert len(reads) >= 2, found
    assert not any("ix_audit_event_cycle_at" in plan for plan in reads), found


def test_the_forecast_reads_each_status_then_from_the_application_s_own_events(db: str) -> None:
    """The forecast's status of each moved application at the last evaluation: its last
    event up to then, read from ix_audit_event_trail on both backends, and counted right.
    A guard of the statement's shape, not a reproduction: PostgreSQL took the primary key
    backwards through every event of the database for each application only with a large
    trail it had no statistics of yet (100,000 simulated: most of 1,000 s of its CPU,
    benchmarks/README.md); on these few rows both orderings plan well."""
    cycle = stored_cycle()
    ids = drafts(cycle, 6)
    moved(cycle, "submit", ids[:4], 10)
    moved(cycle, "open_review", ids[:2], 12)
    # the four submitted on the 10th left the declaration's waiting state (draft) in (9th, 11th]
    query = _ever_changed(cycle, "declaration", bj(2024, 9, 9), bj(2024, 9, 11))
    with statements(lambda s: "touched_then" in s) as seen:
        with session_scope() as session:
            rows = session.execute(query).all()
            assert seen
            plan = plans(session, seen[:1])[0]
    assert sum(row[-2] for row in rows) == 4 and sum(row[-1] for row in rows) == 0, rows
    assert "ix_audit_event_trail" in plan and "audit_event_pkey" not in plan, plan


def test_the_overdue_filing_probe_reads_the_owing_units_applications(db: str) -> None:
    """Which departments owe a per-department item is asked of the owing units' own
    applications (by unit), not of every recommended application of the cycle: as one
    statement, PostgreSQL walked the cycle's 64,908 recommended applications at every
    instant to find that nobody owed (238 ms, 115 times a simulated 100,000-applicant
    cycle). SQLite, which plans by the statement's shape, must take the unit index."""
    cycle = stored_cycle()
    ids = drafts(cycle, 4)
    with session_scope() as session:
        session.execute(
            update(Application).where(col(Application.id).in_(ids[:1])).values(status="issued")
        )
    with statements(lambda s: "LIMIT" in s and "unit_id" in s) as seen:
        with session_scope() as session:
            owes = _someone_owes(session, cycle, "summary_sheet")
            found = plans(session, seen)
    assert owes
    if db.startswith("sqlite"):
        assert found and all("ix_application_unit_id" in plan for plan in found), found


def test_the_escalation_probe_seeks_each_state_whatever_the_statistics_say(db: str) -> None:
    """Whether anything still waits for escalation is asked at every instant after the first
    threshold, mostly to hear that nothing does. Reproduced on PostgreSQL: statistics taken
    while the cycle's applications waited in the states, then every one moved on (as a live
    year's autovacuum leaves them between its analyses). As one ``status IN (…) LIMIT 1``
    that was a sequential scan expected to stop at once, and it read every row to find
    none (109 ms at 100,000 applications). Each state is now a seek of the (cycle, status)
    index. The statistics are taken inside the test's transaction, rolled back with it."""
    cycle = stored_cycle()
    ids = drafts(cycle, 300)
    moved(cycle, "submit", ids, 10)
    states = ["submitted", "unit_review", "recommended"]
    with Session(engine()) as session:
        assert _anything_pending(session, cycle, states, None)
        if not db.startswith("sqlite"):
            session.execute(text("ANALYZE application"))
        session.execute(
            update(Application).where(col(Application.cycle_id) == cycle).values(status="issued")
        )
        with statements(lambda s: s.startswith("SELECT")) as seen:
            pending = _anything_pending(session, cycle, states, None)
            pending_then = _anything_pending(session, cycle, states, bj(2024, 9, 11))
        found = plans(session, seen)
        session.rollback()
    assert not pending and not pending_then
    index = "ix_application_cycle_status"
    assert len(found) == 2 and all(index in plan for plan in found), found
    assert not any("Seq Scan" in plan or "SCAN application" in plan for plan in found), found


def test_whether_a_reminder_offset_is_written_is_one_seek(db: str) -> None:
    """Before writing an offset's reminders the writer asks whether any is there: a seek of
    uq_message_key on the offset (migration 0026), not a walk through every message of the
    kind — 150,000 declaration reminders read to answer no at 100,000 applicants (226 ms on
    PostgreSQL), before every offset and at every instant while one nobody was pending for
    stays fresh. SQLite's plan names the columns it seeks by; PostgreSQL's names the index's
    columns either way, so there the index is checked, read in its order: asked for one row
    of an offset written to many, it took a sequential scan (33 ms at 100,000)."""
    cycle = stored_cycle()
    drafts(cycle, 3)
    with session_scope() as session:
        spec, plan = stored_plan(session, cycle)
        writer = ReminderWriter(session, cycle, spec, plan, workday_calendar())
        rule = next(r for r in spec.notifications.reminders if r.kind == "declaration_draft")
        window = plan.phase(rule.phase)
        offsets = writer._offsets(rule, window.start, window.end)
        first, second = offsets[0], offsets[1]
        assert writer.write(first.due) == 3
        with statements(lambda s: s.startswith("SELECT") and "message" in s) as seen:
            written = writer._written(rule.kind, first.key, window.end)
            not_yet = writer._written(rule.kind, second.key, window.end)
        found = plans(session, seen)
    assert written and not not_yet
    assert len(found) == 2 and not any("TEMP B-TREE" in plan for plan in found), found
    if db.startswith("sqlite"):
        assert all("offset=?" in plan and "deadline=?" in plan for plan in found), found
    else:
        assert all("uq_message_key" in plan for plan in found), found
