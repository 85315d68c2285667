"""The story page: a phase's cumulative curve against its deadline, the forecast of who will
miss it while it is open, and afterwards the forecasts set against what happened —
``/cycles/{id}/story?scope=CODE&phase=declaration``, scoped like every other page."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pendulum
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import and_
from sqlmodel import col, select

from calendars.beijing import BEIJING
from dashboard import story
from dashboard.auth import current_viewer, now_of
from dashboard.guard import BadRequest
from dashboard.lookup import NotFound, cycle_or_404, latest_cycles, org_for_page
from dashboard.pages import render
from dashboard.scope import Viewer, application_filter, org_filter
from models.application import Application
from models.cycle import Phase
from models.db import read_scope

router = APIRouter(include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def instant(as_of: str | None, now: dt.datetime) -> dt.datetime:
    """The page's instant: ``as_of`` (Beijing time, ``2024-10-17T10:00`` as a browser's
    datetime field sends it) if given, else now; never after now."""
    if not as_of:
        return now
    try:
        chosen = pendulum.parse(as_of, tz=BEIJING)
    except ValueError:  # pendulum's ParserError is one
        raise BadRequest("查看时点格式有误，应为 2024-10-17T10:00（北京时间）") from None
    if not isinstance(chosen, dt.datetime):
        raise BadRequest("查看时点格式有误，应为 2024-10-17T10:00（北京时间）")
    if chosen > now:
        raise BadRequest("查看时点不能晚于现在")
    return chosen


@router.get("/cycles/{cycle_id}/story")
def story_page(
    cycle_id: str,
    request: Request,
    viewer: ViewerDep,
    scope: str | None = None,
    phase: str = "declaration",
    as_of: str | None = None,
) -> HTMLResponse:
    now = instant(as_of, now_of(request))
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
        as_of_text=as_of or "",
    )
