"""The story page: a phase's cumulative curve against its deadline, the forecast of who will
miss it while it is open, and afterwards the forecasts set against what happened —
``/cycles/{id}/story?scope=CODE&phase=declaration``, scoped like every other page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_
from sqlmodel import col, select

from dashboard import story
from dashboard.auth import current_viewer
from dashboard.lookup import NotFound, cycle_or_404, latest_cycles, org_for_page
from dashboard.pages import as_of_field, page_instant, render
from dashboard.scope import Viewer, application_filter, org_filter
from models.application import Application
from models.cycle import Phase
from models.db import read_scope

router = APIRouter(include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(current_viewer)]


@router.get("/cycles/{cycle_id}/story")
def story_page(
    cycle_id: str,
    request: Request,
    viewer: ViewerDep,
    scope: str | None = None,
    phase: str = "declaration",
    as_of: str | None = None,
) -> HTMLResponse:
    now, chosen = page_instant(request, as_of)  # the pages' time control (base.html)
    if phase not in story.STORY:
        raise NotFound("没有这个阶段的进度曲线（可选：个人申报、单位审核推荐、评委会评审）")
    with read_scope() as session:
        cycle = cycle_or_404(session, cycle_id, viewer)
        org, committee_id = org_for_page(session, viewer, scope)
        if org is not None:
            units = org_filter(org.kind, org.id, org.path)
            where = and_(application_filter(viewer), units)
        else:  # a committee's account: the applications submitted to it, no unit forecast
            units = None
            where = and_(application_filter(viewer), col(Application.committee_id) == committee_id)
        row = session.exec(
            select(Phase).where(Phase.cycle_id == cycle_id, Phase.key == phase)
        ).first()
        if row is None or row.start is None or row.end is None:
            raise NotFound("本周期没有该阶段或其起止时间")
        data = story.story_page(session, cycle_id, row, now, where, units)
        cycles = latest_cycles(session, viewer)
    return render(
        request,
        "story.html",
        viewer=viewer,
        cycle=cycle,
        cycles=cycles,
        org=org,
        scope=org.code if org is not None else None,
        data=data,
        stories=story.STORIES,
        as_of=chosen,
        as_of_text=as_of_field(chosen) if chosen else "",
        # the time control keeps the phase and the scope (hidden fields: no script)
        as_of_kept={"phase": phase, "scope": scope},
    )
