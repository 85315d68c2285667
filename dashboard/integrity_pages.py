"""Integrity records (弄虚作假) for the province's and the cities' HR offices: record who was
found with falsified materials, when and why; list the records (a city its own applicants');
the flags an application carries. The bar is the recording cycle's policy
(``policy.integrity_bar_years``); with no years set the record only flags later declarations
(models.integrity)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from dashboard import figures
from dashboard.auth import current_viewer, now_of
from dashboard.lookup import latest_cycles
from dashboard.pages import FormDep, check_csrf, form_field, render
from dashboard.scope import Forbidden, Viewer
from models.application import Application
from models.context import CycleContext, Refused
from models.db import read_scope, session_scope
from models.integrity import (
    ListedRecord,
    declaration_warnings,
    integrity_of,
    listed_records,
    person_in_city,
    record_falsification,
)
from models.org import OrgKind
from models.refusals import RefusalCode

router = APIRouter()
OUT_OF_REACH = "没有该身份证号的申报人，或其不在您的管辖范围内"


def official(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
    if viewer.kind not in (OrgKind.province, OrgKind.city):
        raise Forbidden("无权访问：诚信记录只对省级和市州人社部门开放")
    return viewer


OfficialDep = Annotated[Viewer, Depends(official)]


def _city(viewer: Viewer) -> str | None:
    """A city's office sees and records its own applicants; the province all."""
    return viewer.org_code if viewer.kind == OrgKind.city else None


class IntegrityIn(BaseModel):
    id_number: str = Field(description="申报人身份证号")
    cycle_id: str = Field(description="登记时所在的周期：其政策定停止申报的年限")
    found_on: dt.date = Field(description="发现日期（北京时间）")
    reason: str = Field(description="弄虚作假的具体情形", max_length=500)


class IntegrityOut(BaseModel):
    id: int
    person: str = Field(description="身份证号（打码）")
    found_on: str | None
    reason: str
    cycle_id: str | None
    bar_years: int | None = Field(description="政策规定的停止申报年限；空：未规定，只提示")
    barred_until: str | None = Field(description="停止申报至（含当日）；空：不自动拦截")
    recorded_by: str
    recorded_at: str


class ApplicationIntegrity(BaseModel):
    barred_until: str | None = Field(description="有效的停止申报期限（至当日）")
    warnings: list[str] = Field(description="无停止申报期限的记录：提示办理人员重点审核")


def record(viewer: Viewer, body: IntegrityIn, now: dt.datetime) -> ListedRecord:
    if not viewer.may_act:
        raise Forbidden("只读账号不能登记")
    id_number = body.id_number.strip().upper()
    with session_scope() as session:
        city = _city(viewer)
        if city is not None and not person_in_city(session, id_number, city):
            raise Refused(OUT_OF_REACH, RefusalCode.no_person)
        if body.cycle_id not in {c.id for c in latest_cycles(session, viewer)}:
            raise Refused(f"没有编号为 {body.cycle_id} 的评审周期", RefusalCode.no_cycle)
        ctx = CycleContext.load(session, body.cycle_id)
        made = record_falsification(
            session,
            ctx,
            id_number,
            found_on=body.found_on,
            reason=body.reason,
            by=f"{viewer.display_name}（{viewer.username}）",
            now=now,
        )
        made_id = made.id
        rows = listed_records(session, id_number)
    return next(r for r in rows if r["id"] == made_id)


def _page(request: Request, viewer: Viewer, status_code: int = 200, **context: Any) -> HTMLResponse:
    with read_scope() as session:
        cycles = latest_cycles(session, viewer)
        rows = listed_records(session, city_code=_city(viewer))
    context.setdefault("error", None)
    context.setdefault("made", None)
    context.setdefault("chosen", {"cycle": cycles[0].id if cycles else ""})
    return render(
        request,
        "integrity.html",
        status_code=status_code,
        viewer=viewer,
        cycles=cycles,
        records=rows,
        **context,
    )


@router.get("/integrity", include_in_schema=False)
def integrity_page(request: Request, viewer: OfficialDep) -> HTMLResponse:
    return _page(request, viewer)


@router.post("/integrity", include_in_schema=False)
def integrity_form(request: Request, viewer: OfficialDep, form: FormDep) -> HTMLResponse:
    check_csrf(request, form)
    chosen = {"cycle": form_field(form, "cycle")}
    try:
        body = IntegrityIn(
            id_number=form_field(form, "id_number"),
            cycle_id=chosen["cycle"],
            found_on=dt.date.fromisoformat(form_field(form, "found_on")),
            reason=form_field(form, "reason"),
        )
        made = record(viewer, body, now_of(request))
    except ValueError:
        return _page(request, viewer, 400, error="发现日期应写作如 2024-11-05", chosen=chosen)
    except Refused as exc:
        return _page(request, viewer, 409, error=exc.message, chosen=chosen)
    return _page(request, viewer, made=made, chosen=chosen)


@router.get(
    "/api/integrity",
    response_model=list[IntegrityOut],
    summary="弄虚作假记录（省级看全部，市州看本市申报人的；身份证号打码）",
)
def integrity_list(viewer: OfficialDep, id_number: str | None = None) -> list[ListedRecord]:
    with read_scope() as session:
        return listed_records(
            session, id_number.strip().upper() if id_number else None, city_code=_city(viewer)
        )


@router.post(
    "/api/integrity",
    response_model=IntegrityOut,
    status_code=201,
    summary="登记弄虚作假（按所选周期政策停止申报；政策未规定年限的只提示、不拦截）",
)
def integrity_create(body: IntegrityIn, viewer: OfficialDep, request: Request) -> ListedRecord:
    return record(viewer, body, now_of(request))


@router.get(
    "/api/cycles/{cycle_id}/applications/{app_id}/integrity",
    response_model=ApplicationIntegrity,
    summary="一件申报的诚信记录：停止申报期限和须提示的记录",
)
def application_integrity(
    cycle_id: str,
    app_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    viewer: Annotated[Viewer, Depends(current_viewer)],
) -> ApplicationIntegrity:
    """Anyone who may see the application (its unit, department, city, the province)."""
    with read_scope() as session:
        seen = figures.applications(
            session, cycle_id, figures.page_filter(viewer, None), ids=[app_id], limit=1
        )
        application = session.get(Application, app_id) if seen else None
        if application is None or application.cycle_id != cycle_id:
            raise Forbidden("无权查看：该申报不在您的管辖范围内，或不存在")
        found = integrity_of(session, [application.person_id]).get(application.person_id)
        warnings = declaration_warnings(session, cycle_id, [app_id])
    until = found.barred_until if found else None
    return ApplicationIntegrity(
        barred_until=until.isoformat() if until else None, warnings=warnings
    )
