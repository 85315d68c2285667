"""The phase flow through real Prefect runs: boundaries in order, idempotent reruns, late
catch-up, progress artifacts, extensions."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from prefect import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowRunFilter,
    FlowRunFilterName,
)
from sqlalchemy import func, select

from flows.cycle import phase_flow
from models import services
from models.application import Application, AuditEvent
from models.context import Refused
from models.cycle import CycleEvent, Phase, PhaseExtension
from models.db import session_scope
from tests.factories import bj, drafts, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db", "prefect_server")


def snapshot(cycle: str) -> tuple:
    with session_scope() as session:
        apps = session.execute(
            select(Application.id, Application.status, Application.updated_at)
            .where(Application.cycle_id == cycle)
            .order_by(Application.id)
        ).all()
        audits = session.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.cycle_id == cycle)
        ).scalar()
        events = (
            session.execute(
                select(CycleEvent.key).where(CycleEvent.cycle_id == cycle).order_by(CycleEvent.key)
            )
            .scalars()
            .all()
        )
    return tuple(map(tuple, apps)), audits, tuple(events)


def test_closing_declaration_expires_drafts_once() -> None:
    cycle = stored_cycle()
    submitted, abandoned = drafts(cycle, 2)
    with session_scope() as session:
        services.submit(session, cycle, [submitted], now=bj(2024, 10, 1), actor="申报人")
    now = bj(2024, 10, 21, 0, 0, 1)
    report = phase_flow(cycle, "declaration-close", now)
    assert report["boundaries"]["declaration.close@20241020T1600Z"] == 1
    assert (status_of(submitted), status_of(abandoned)) == ("submitted", "expired")
    before = snapshot(cycle)
    again = phase_flow(cycle, "declaration-close", now)
    assert again["boundaries"] == {}
    assert snapshot(cycle) == before


def test_a_run_missed_for_days_catches_up_in_order() -> None:
    cycle = stored_cycle()
    draft, waiting = drafts(cycle, 2)
    with session_scope() as session:
        services.submit(session, cycle, [waiting], now=bj(2024, 10, 1), actor="申报人")
    report = phase_flow(cycle, "sweep", bj(2024, 11, 3, 9))
    assert [k.split("@")[0] for k in report["boundaries"]] == [
        "prep.open",
        "prep.close",
        "declaration.open",
        "declaration.close",
        "unit_review.open",
        "unit_review.close",
        "committee_review.open",
    ]
    assert (status_of(draft), status_of(waiting)) == ("expired", "not_recommended")


def test_runs_are_visible_in_prefect_with_progress_artifacts() -> None:
    cycle = stored_cycle()
    drafts(cycle, 3)
    phase_flow(cycle, "declaration-open", bj(2024, 9, 11, 0, 0))
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                name=FlowRunFilterName(any_=[f"{cycle}-declaration-open"])
            )
        )
        assert len(runs) == 1 and runs[0].state.is_completed()
        key = f"{cycle}-declaration-progress"
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
        assert artifacts and artifacts[0].type == "progress" and float(artifacts[0].data) == 0.0
        table = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[f"{cycle}-status-by-city"]))
        )
        assert table and table[0].type == "table"


def test_extension_moves_the_boundary_and_what_is_tied_to_it() -> None:
    from models.extension import extend_phase
    from models.settings import workday_calendar

    cycle = stored_cycle()
    with session_scope() as session:
        moves = extend_phase(
            session,
            cycle,
            "defence",
            dt.date(2024, 12, 12),
            by="市人社局",
            reason="评委会专家因故调整",
            now=bj(2024, 12, 1),
            calendar=workday_calendar(),
        )
    assert {m.phase for m in moves} == {"defence"}
    with session_scope() as session:
        ext = session.execute(
            select(PhaseExtension).where(PhaseExtension.cycle_id == cycle)
        ).scalar_one()
        assert (ext.by, ext.reason) == ("市人社局", "评委会专家因故调整")
        defence = session.execute(
            select(Phase).where(Phase.cycle_id == cycle, Phase.key == "defence")
        ).scalar_one()
        assert defence.end == bj(2024, 12, 13) and defence.revision == 1


def cycle_closing_declaration_on(last_day: dt.date) -> str:
    """The bundled 2024 cycle with an earlier declaration deadline, so an extension has room
    before the unit review opens (the bundled one ends the day before)."""
    from calendars.cyclefile import bundled_cycle, load_cycle
    from calendars.planner import plan_cycle
    from models.settings import workday_calendar
    from tasks.store import write_cycle

    spec = load_cycle(bundled_cycle("jiayuguan-2024"))
    phases = dict(spec.phases)
    phases["declaration"] = phases["declaration"].model_copy(
        update={"last_day": last_day, "end": None, "declared_days": None, "quote": None}
    )
    plan = plan_cycle(spec.model_copy(update={"phases": phases}), workday_calendar())
    cycle_id = f"t-decl-{uuid.uuid4().hex[:8]}"
    with session_scope() as session:
        write_cycle(session, plan, now=bj(2024, 9, 1), by="测试", cycle_id=cycle_id)
    return cycle_id


def test_extending_declaration_moves_its_close_event() -> None:
    from models.extension import extend_phase
    from models.settings import workday_calendar

    cycle = cycle_closing_declaration_on(dt.date(2024, 10, 15))
    (draft,) = drafts(cycle, 1)
    with session_scope() as session:
        moves = extend_phase(
            session,
            cycle,
            "declaration",
            dt.date(2024, 10, 18),
            by="省职改办",
            reason="系统故障",
            now=bj(2024, 10, 15, 21),
            calendar=workday_calendar(),
        )
    assert [(m.phase, m.old_end, m.new_end) for m in moves] == [
        ("declaration", bj(2024, 10, 16), bj(2024, 10, 19))
    ]
    # The run scheduled for the old deadline finds nothing due: the draft may still be submitted.
    at_old_close = phase_flow(cycle, "declaration-close", bj(2024, 10, 16, 0, 0, 1))
    assert not any(k.startswith("declaration.close") for k in at_old_close["boundaries"])
    assert status_of(draft) == "draft"
    at_new_close = phase_flow(cycle, "declaration-close", bj(2024, 10, 19, 0, 0, 1))
    assert at_new_close["boundaries"] == {"declaration.close@20241018T1600Z": 1}
    assert status_of(draft) == "expired"
    with session_scope() as session:
        reason = session.execute(
            select(AuditEvent.reason).where(
                AuditEvent.application_id == draft, AuditEvent.action == "expire"
            )
        ).scalar_one()
    assert "10月18日24:00" in reason


def test_extending_declaration_into_the_unit_review_is_refused() -> None:
    from models.extension import extend_phase
    from models.settings import workday_calendar

    cycle = stored_cycle()
    (draft,) = drafts(cycle, 1)
    with pytest.raises(Refused, match="unit_review|重叠"):
        with session_scope() as session:
            extend_phase(
                session,
                cycle,
                "declaration",
                dt.date(2024, 10, 22),
                by="省职改办",
                reason="系统故障",
                now=bj(2024, 10, 20, 21),
                calendar=workday_calendar(),
            )
    with session_scope() as session:
        declaration = session.execute(
            select(Phase).where(Phase.cycle_id == cycle, Phase.key == "declaration")
        ).scalar_one()
        assert (declaration.end, declaration.revision) == (bj(2024, 10, 21), 0)
        assert (
            session.execute(
                select(func.count())
                .select_from(PhaseExtension)
                .where(PhaseExtension.cycle_id == cycle)
            ).scalar()
            == 0
        )


def test_an_extension_past_the_provincial_date_is_refused() -> None:
    from models.extension import extend_phase
    from models.settings import workday_calendar

    cycle = stored_cycle()
    with pytest.raises(Refused, match="outside_parent_window|上级"):
        with session_scope() as session:
            extend_phase(
                session,
                cycle,
                "committee_review",
                dt.date(2024, 12, 28),
                by="市人社局",
                reason="来不及",
                now=bj(2024, 12, 20),
                calendar=workday_calendar(),
            )


def test_an_extension_after_the_boundary_was_processed_is_refused() -> None:
    from models.extension import extend_phase
    from models.settings import workday_calendar

    cycle = stored_cycle()
    phase_flow(cycle, "sweep", bj(2024, 9, 11, 1))
    with pytest.raises(Refused, match="已处理"):
        with session_scope() as session:
            extend_phase(
                session,
                cycle,
                "prep",
                dt.date(2024, 9, 12),
                by="省职改办",
                reason="补录",
                now=bj(2024, 9, 11, 2),
                calendar=workday_calendar(),
            )
