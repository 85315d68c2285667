"""Accounts over the API: one's own password; the accounts an admin manages one level down
(created, listed with their flags, reset, deactivated); the front end's service account and
its token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from dashboard.api import AccountOut, ViewerDep, account_out
from dashboard.auth import password_viewer, security_now, token_of
from dashboard.schemas import Instant
from dashboard.scope import Forbidden, Viewer, viewer_of
from models import accounts
from models.accounts import ROLE_LABELS, Account, NotManaged, Role
from models.context import Refused
from models.cycle import Committee
from models.db import read_scope, session_scope
from models.org import Organisation

router = APIRouter(prefix="/api")
PasswordDep = Annotated[Viewer, Depends(password_viewer)]
NOT_MANAGED: dict[int | str, dict[str, Any]] = {
    403: {"description": "没有此账号，或不由您管理（两种情况回答相同）"}
}


class AccountIn(BaseModel):
    username: str
    password: str | None = Field(
        default=None,
        description="初始密码，至少 8 位，含字母和数字，不能是用户名或易猜的密码（申报接口账号不填）",
    )
    role: Role
    org_code: str | None = Field(default=None, description="组织机构编码（与评委会二选一）")
    committee_id: int | None = Field(default=None, description="评委会编号")
    cycle_id: str | None = Field(default=None, description="申报接口账号（role=intake）绑定的周期")
    display_name: str | None = None


class CreatedOut(AccountOut):
    token: str | None = Field(
        default=None, description="申报接口账号的令牌：只显示这一次，请交给申报前端妥善保存"
    )


class ListedAccount(BaseModel):
    username: str
    display_name: str
    role: str
    role_label: str
    where: str = Field(description="所属机构或评委会")
    cycle_id: str | None
    active: bool = Field(description="是否启用；停用的账号不能登录")
    must_change_password: bool = Field(description="下次登录须先修改密码")
    created_at: Instant


class PasswordIn(BaseModel):
    old_password: str = Field(description="当前密码")
    new_password: str = Field(
        description="新密码：至少 8 位，含字母和数字，不能是用户名、易猜的密码或当前密码"
    )


class ResetOut(BaseModel):
    username: str
    password: str = Field(description="新的临时密码：只显示这一次；对方登录后须先修改")


class TokenOut(BaseModel):
    username: str
    token: str = Field(description="新令牌：只显示这一次；旧令牌已失效")
    expires_at: Instant


@contextmanager
def _managing() -> Iterator[Session]:
    """A write that names another account: "not yours" and "no such account" are one 403."""
    try:
        with session_scope() as session:
            yield session
    except NotManaged as exc:
        raise Forbidden(exc.message) from None


def _me(session: Session, viewer: Viewer) -> Account:
    account = session.get(Account, viewer.account_id)
    assert account is not None
    return account


def managed_list(session: Session, viewer: Viewer) -> list[ListedAccount]:
    """The accounts this admin created (those it manages), oldest first."""
    found = session.exec(
        select(Account).where(Account.created_by == viewer.account_id).order_by(col(Account.id))
    ).all()
    out = []
    for a in found:
        org = session.get(Organisation, a.organisation_id) if a.organisation_id else None
        committee = session.get(Committee, a.committee_id) if a.committee_id else None
        out.append(
            ListedAccount(
                username=a.username,
                display_name=a.display_name,
                role=a.role,
                role_label=ROLE_LABELS[Role(a.role)],
                where=org.name if org else committee.name if committee else "",
                cycle_id=a.cycle_id,
                active=a.active,
                must_change_password=a.must_change_password,
                created_at=a.created_at,
            )
        )
    return out


@router.put(
    "/me/password",
    status_code=204,
    summary="修改本人密码（其他登录随即失效）",
    responses={409: {"description": "原密码不正确、新密码太弱或与原密码相同"}},
)
def change_password(body: PasswordIn, viewer: PasswordDep, request: Request) -> Response:
    with session_scope() as session:
        accounts.change_password(
            session,
            _me(session, viewer),
            body.old_password,
            body.new_password,
            security_now(request),
            token_of(request),
        )
    return Response(status_code=204)


@router.get("/accounts", response_model=list[ListedAccount], summary="我创建（管理）的账号")
def list_accounts(viewer: ViewerDep) -> list[ListedAccount]:
    with read_scope() as session:
        return managed_list(session, viewer)


@router.post(
    "/accounts",
    response_model=CreatedOut,
    status_code=201,
    summary="创建下级账号（role=intake 为申报接口账号，须给出 cycle_id）",
)
def new_account(body: AccountIn, viewer: ViewerDep, request: Request) -> CreatedOut:
    with session_scope() as session:
        creator = _me(session, viewer)
        token = None
        if body.role == Role.intake:
            if not body.cycle_id:
                raise Refused("申报接口账号须给出绑定的周期（cycle_id）", "bad_scope")
            signed = accounts.create_intake_account(
                session,
                by=creator,
                username=body.username,
                cycle_id=body.cycle_id,
                now=security_now(request),
                display_name=body.display_name,
            )
            account, token = signed.account, signed.token
        else:
            account = accounts.create_account(
                session,
                by=creator,
                username=body.username,
                password=body.password or "",
                role=body.role.value,
                now=security_now(request),
                org_code=body.org_code,
                committee_id=body.committee_id,
                display_name=body.display_name,
                must_change=True,
            )
        made = account_out(viewer_of(session, account))
    return CreatedOut(**made.model_dump(), token=token)


@router.post(
    "/accounts/{username}/password-reset",
    response_model=ResetOut,
    summary="重置下级账号的密码（生成临时密码；该账号的登录随即失效）",
    responses=NOT_MANAGED,
)
def reset_password(username: str, viewer: ViewerDep) -> ResetOut:
    with _managing() as session:
        account, password = accounts.reset_password(session, _me(session, viewer), username)
        return ResetOut(username=account.username, password=password)


@router.post(
    "/accounts/{username}/deactivate",
    status_code=204,
    summary="停用下级账号（不能再登录，已有登录随即失效）",
    responses=NOT_MANAGED,
)
def deactivate(username: str, viewer: ViewerDep) -> Response:
    with _managing() as session:
        accounts.set_active(session, _me(session, viewer), username, active=False)
    return Response(status_code=204)


@router.post(
    "/accounts/{username}/activate",
    status_code=204,
    summary="重新启用下级账号",
    responses=NOT_MANAGED,
)
def activate(username: str, viewer: ViewerDep) -> Response:
    with _managing() as session:
        accounts.set_active(session, _me(session, viewer), username, active=True)
    return Response(status_code=204)


@router.post(
    "/accounts/{username}/token",
    response_model=TokenOut,
    summary="更换申报接口账号的令牌（旧令牌随即失效）",
    responses=NOT_MANAGED,
)
def rotate_token(username: str, viewer: ViewerDep, request: Request) -> TokenOut:
    with _managing() as session:
        signed = accounts.rotate_token(
            session, _me(session, viewer), username, security_now(request)
        )
        return TokenOut(
            username=signed.account.username, token=signed.token, expires_at=signed.expires_at
        )


@router.delete(
    "/accounts/{username}/token",
    status_code=204,
    summary="吊销申报接口账号的全部令牌",
    responses=NOT_MANAGED,
)
def revoke_token(username: str, viewer: ViewerDep) -> Response:
    with _managing() as session:
        accounts.revoke_tokens(session, _me(session, viewer), username)
    return Response(status_code=204)
