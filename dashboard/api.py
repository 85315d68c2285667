"""The JSON API (OpenAPI at /api/docs): the figures and the actions, scoped to the caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from dashboard import figures
from dashboard.actions import act as act_on
from dashboard.auth import (
    NotSignedIn,
    acting_viewer,
    current_viewer,
    end_session,
    now_of,
    sign_in_request,
)
from dashboard.guard import MAX_ID, RowId
from dashboard.lookup import cycle_or_404, latest_cycles, org_for_page
from dashboard.schemas import ApplicationRow, CommitteeRow, FilingRow, Instant, Overview
from dashboard.scope import Forbidden, Viewer, viewer_of
from models.accounts import ROLE_LABELS, Role
from models.context import Refused
from models.db import read_scope, session_scope
from models.refusals import RefusalCode
from models.services import ACTION_LABELS, DASHBOARD_ACTIONS

router = APIRouter(prefix="/api")
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
# The actions also take the applicants' front end (submit, resubmit; its own cycle only).
ActingDep = Annotated[Viewer, Depends(acting_viewer)]
# The actions' names as the service layer's table lists them; one no account may take here is
# refused as unsupported (403), naming the ones there are.
ActionName = Annotated[
    str,
    Path(
        description="；".join(f"{n}：{ACTION_LABELS[n]}" for n in DASHBOARD_ACTIONS),
        json_schema_extra={"enum": list(DASHBOARD_ACTIONS)},
    ),
]


class SignIn(BaseModel):
    username: str = Field(description="用户名")
    password: str = Field(description="密码")


class AccountOut(BaseModel):
    username: str
    display_name: str
    role: str
    role_label: str
    kind: str
    org_code: str | None
    committee_id: int | None
    cycle_id: str | None = Field(default=None, description="申报接口账号绑定的周期")
    must_change_password: bool = Field(
        default=False, description="须先修改密码（由他人设定的初始密码或重置后的密码）"
    )


class SessionOut(BaseModel):
    token: str = Field(
        description="后续请求放在 Authorization: Bearer 头中；account.must_change_password 为真时"
        "须先 PUT /api/me/password，其他调用一律 403"
    )
    expires_at: Instant
    account: AccountOut


class CycleOut(BaseModel):
    id: str
    title: str
    year: int
    region_name: str


class ActionIn(BaseModel):
    ids: list[RowId] = Field(min_length=1, max_length=5000, description="申报编号")
    reason: str = Field(default="", description="退回的全部修改意见、异议事由")


class OutcomeOut(BaseModel):
    done: list[int] = Field(description="已办理的申报")
    refused: dict[int, str] = Field(description="未受理的申报及原因")
    codes: dict[int, RefusalCode] = Field(
        default_factory=dict, description="未受理的申报及原因代码（供程序判断，不随措辞变化）"
    )
    warnings: list[str] = Field(
        default_factory=list, description="提示，不影响办理（如乡村单位人才比例不足）"
    )


def account_out(viewer: Viewer) -> AccountOut:
    return AccountOut(
        username=viewer.username,
        display_name=viewer.display_name,
        role=viewer.role,
        role_label=ROLE_LABELS[Role(viewer.role)],
        kind=viewer.kind,
        org_code=viewer.org_code,
        committee_id=viewer.committee_id,
        cycle_id=viewer.intake_cycle,
        must_change_password=viewer.must_change_password,
    )


@router.post("/session", response_model=SessionOut, summary="登录，取得会话令牌")
def api_sign_in(body: SignIn, request: Request) -> SessionOut:
    try:
        with session_scope() as session:
            signed = sign_in_request(session, request, body.username, body.password)
            viewer = viewer_of(session, signed.account)
    except Refused as exc:
        raise NotSignedIn(exc.message) from None
    return SessionOut(token=signed.token, expires_at=signed.expires_at, account=account_out(viewer))


@router.delete("/session", status_code=204, summary="退出登录")
def api_sign_out(request: Request) -> Response:
    return end_session(request, Response(status_code=204))


@router.get("/me", response_model=AccountOut, summary="当前账号")
def me(viewer: ViewerDep) -> AccountOut:
    return account_out(viewer)


@router.get("/cycles", response_model=list[CycleOut], summary="评审周期")
def cycles(viewer: ViewerDep) -> list[CycleOut]:
    with read_scope() as session:
        return [
            CycleOut(id=c.id, title=c.title, year=c.year, region_name=c.region_name)
            for c in latest_cycles(session, viewer)
        ]


@router.get(
    "/cycles/{cycle_id}/overview",
    response_model=Overview,
    summary="阶段进度、状态统计、下一截止时间、下级进度、督办与消息",
)
def overview(
    cycle_id: str,
    viewer: ViewerDep,
    request: Request,
    org: Annotated[str | None, Query(description="组织机构编码，默认本账号所属机构")] = None,
) -> Overview:
    with read_scope() as session:
        cycle = cycle_or_404(session, cycle_id, viewer)
        target, committee_id = org_for_page(session, viewer, org)
        return figures.overview(session, cycle, viewer, target, now_of(request), committee_id)


@router.get(
    "/cycles/{cycle_id}/applications",
    response_model=list[ApplicationRow],
    summary="申报列表（身份证号已脱敏）",
)
def applications(
    cycle_id: str,
    request: Request,
    viewer: ViewerDep,
    org: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> list[ApplicationRow]:
    with read_scope() as session:
        cycle_or_404(session, cycle_id, viewer)
        target, committee_id = org_for_page(session, viewer, org)
        where = figures.page_filter(viewer, target, committee_id)
        return figures.applications(
            session,
            cycle_id,
            where,
            status=status,
            limit=limit,
            offset=offset,
            at=now_of(request),
        )


@router.get(
    "/cycles/{cycle_id}/applications/{app_id}",
    response_model=ApplicationRow,
    summary="一件申报",
)
def application(
    cycle_id: str,
    app_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    viewer: ViewerDep,
) -> ApplicationRow:
    with read_scope() as session:
        cycle_or_404(session, cycle_id, viewer)
        rows = figures.applications(
            session,
            cycle_id,
            figures.page_filter(viewer, None),
            ids=[app_id],
            limit=1,
            at=now_of(request),
        )
    if not rows:
        raise Forbidden("无权查看：该申报不在您的管辖范围内，或不存在")
    return rows[0]


@router.get(
    "/cycles/{cycle_id}/committees",
    response_model=list[CommitteeRow],
    summary="评委会：评审时间、会议日期和评审进度",
)
def committees(cycle_id: str, viewer: ViewerDep, request: Request) -> list[CommitteeRow]:
    with read_scope() as session:
        cycle_or_404(session, cycle_id, viewer)
        return figures.committees(session, cycle_id, viewer, now_of(request))


@router.get(
    "/cycles/{cycle_id}/filing",
    response_model=list[FilingRow],
    summary="备案事项：截止日期和状态",
)
def filing(cycle_id: str, viewer: ViewerDep, request: Request) -> list[FilingRow]:
    with read_scope() as session:
        cycle_or_404(session, cycle_id, viewer)
        return figures.filing(session, cycle_id, now_of(request))


@router.post(
    "/cycles/{cycle_id}/actions/{action}",
    response_model=OutcomeOut,
    summary="办理：" + " / ".join(DASHBOARD_ACTIONS),
    responses={
        403: {"description": "无权办理（账号类型、角色或管辖范围）"},
        409: {"description": "全部未受理（截止时间、退回次数等规则），原因逐件列出"},
    },
)
def act(
    cycle_id: str,
    action: ActionName,
    body: ActionIn,
    viewer: ActingDep,
    request: Request,
    response: Response,
) -> OutcomeOut:
    outcome = act_on(
        viewer,
        cycle_id,
        action,
        body.ids,
        now=now_of(request),
        reason=body.reason,
    )
    if outcome.refused and not outcome.done:
        response.status_code = 409
    return OutcomeOut(
        done=outcome.done,
        refused=outcome.refused,
        codes={i: r.code for i, r in outcome.refusals.items()},
        warnings=outcome.warnings,
    )
