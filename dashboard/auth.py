"""Who is asking: a session token from the browser's cookie or an API client's bearer header,
turned into a ``Viewer``. The app's clock, which tests and drills fix, times the cycle; sign-ins
follow the real clock (``security_now``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from fastapi import HTTPException, Request, Response
from sqlalchemy import bindparam
from sqlalchemy import select as core_select
from sqlmodel import Session, col

from calendars.beijing import beijing_text
from dashboard.scope import Forbidden, Viewer, make_viewer
from models.accounts import (
    Account,
    AccountSession,
    ClientWaits,
    SignedIn,
    _token_hash,
    note_use,
    sign_in,
    sign_in_live,
    sign_out,
    use_to_note,
)
from models.cycle import Committee
from models.db import read_scope, session_scope
from models.org import Organisation
from models.settings import settings

COOKIE = "zhicheng_session"
# Before signing in: a random value whose hash is the sign-in form's token.
FORM_COOKIE = "zhicheng_form"


class NotSignedIn(Exception):
    """No session, or an expired one: sign in again."""


class AddressWaits(HTTPException):
    """HTTP 429: too many failed sign-ins from the client's address; the detail says how long
    it waits (the API answers it as JSON, the sign-in page on its form)."""


class MustChangePassword(Exception):
    """Signed in with a password someone else chose: nothing but changing it (or signing out)
    until it is changed."""


INTAKE_ONLY = "无权访问：申报接口账号只能办理所绑定周期的申报（写入草稿、提交、重新提交）"


def now_of(request: Request) -> dt.datetime:
    now = request.app.state.clock()
    assert isinstance(now, dt.datetime)
    return now


def security_now(request: Request) -> dt.datetime:
    """The time of sign-ins, their expiry and pauses: the real clock even in a drill, whose
    clock (``--as-of``) would otherwise freeze them or expire them at once."""
    now = request.app.state.security_clock()
    assert isinstance(now, dt.datetime)
    return now


def sign_in_request(session: Session, request: Request, username: str, password: str) -> SignedIn:
    """A sign-in from the page or the API, timed by the real clock and throttled by the
    client's address (behind a reverse proxy, run uvicorn with --proxy-headers so the address
    is the browser's, not the proxy's)."""
    now = security_now(request)
    client = request.client.host if request.client is not None else "unknown"
    try:
        return sign_in(session, username, password, now, client)
    except ClientWaits as exc:
        minutes = max(1, math.ceil((exc.until - now).total_seconds() / 60))
        raise AddressWaits(
            status_code=429,
            detail=f"本地址登录失败次数过多，请 {minutes} 分钟后（{beijing_text(exc.until)}）再试",
            headers={"Retry-After": str(int((exc.until - now).total_seconds()) + 1)},
        ) from None


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE)


# Built once: the sign-in of a token with its account, the account's organisation and its
# committee in one statement (``dashboard.scope.viewer_of`` reads them from an account in two
# or three). Read on every request, never cached: a revoked sign-in (its row deleted), a
# deactivated account or an expired one is refused on its next request.
_SIGNED_IN = (
    core_select(
        col(AccountSession.id),
        col(AccountSession.account_id),
        col(AccountSession.created_at),
        col(AccountSession.expires_at),
        col(AccountSession.last_seen_at),
        col(Account.id),
        col(Account.username),
        col(Account.display_name),
        col(Account.role),
        col(Account.active),
        col(Account.cycle_id),
        col(Account.must_change_password),
        col(Organisation.id),
        col(Organisation.kind),
        col(Organisation.code),
        col(Organisation.path),
        col(Committee.id),
        col(Committee.cycle_id),
    )
    .select_from(AccountSession)
    .join(Account, col(Account.id) == col(AccountSession.account_id))
    .outerjoin(Organisation, col(Organisation.id) == col(Account.organisation_id))
    .outerjoin(Committee, col(Committee.id) == col(Account.committee_id))
    .where(col(AccountSession.token_hash) == bindparam("token_hash"))
)


def live_viewer(
    session: Session, token: str, now: dt.datetime
) -> tuple[Viewer, AccountSession] | None:
    """The viewer behind a live token and its sign-in, in one statement, if the sign-in still
    holds (``models.accounts.sign_in_live``). The sign-in is returned detached, for
    ``use_to_note`` and ``note_use``."""
    row = session.execute(_SIGNED_IN, {"token_hash": _token_hash(token)}).first()
    if row is None:
        return None
    (held_id, account_id, created_at, expires_at, last_seen_at,
     acc_id, username, display_name, role, active, intake_cycle, must_change,
     org_id, org_kind, org_code, org_path, committee_id, committee_cycle) = row  # fmt: skip
    if not sign_in_live(
        expires_at=expires_at,
        last_used=last_seen_at or created_at,
        active=active,
        role=role,
        now=now,
    ):
        return None
    held = AccountSession(
        id=held_id,
        token_hash="",
        account_id=account_id,
        created_at=created_at,
        expires_at=expires_at,
        last_seen_at=last_seen_at,
    )
    viewer = make_viewer(
        account_id=acc_id,
        username=username,
        display_name=display_name,
        role=role,
        account_cycle=intake_cycle,
        must_change_password=must_change,
        org=(org_id, org_kind, org_code, org_path) if org_id is not None else None,
        committee=(committee_id, committee_cycle) if committee_id is not None else None,
    )
    return viewer, held


def signed_in_viewer(request: Request) -> Viewer | None:
    """Who is signed in, if anyone (public pages show the header to them)."""
    token = token_of(request)
    if not token:
        return None
    now = security_now(request)
    with read_scope() as session:
        live = live_viewer(session, token, now)
    if live is None:
        return None
    viewer, held = live
    if use_to_note(held, now):
        with session_scope() as session:
            note_use(session, held, now)
    return viewer


def intake_viewer_in(session: Session, request: Request, cycle_id: str) -> Viewer:
    """``intake_viewer`` inside the request's own transaction (the declarations' door: one
    connection and one commit per request at the last evening's rate)."""
    token = token_of(request)
    if not token:
        raise NotSignedIn()
    now = security_now(request)
    live = live_viewer(session, token, now)
    if live is None:
        raise NotSignedIn()
    viewer, held = live
    _intake_only(viewer, cycle_id)
    if use_to_note(held, now):
        note_use(session, held, now)
    return viewer


def password_viewer(request: Request) -> Viewer:
    """Anyone signed in with a password, even one who must change it first: for the change."""
    viewer = signed_in_viewer(request)
    if viewer is None:
        raise NotSignedIn()
    if viewer.kind == "intake":
        raise Forbidden(INTAKE_ONLY)
    return viewer


def current_viewer(request: Request) -> Viewer:
    """Every page and call but the password change and the declarations' door."""
    viewer = password_viewer(request)
    if viewer.must_change_password:
        raise MustChangePassword()
    return viewer


def acting_viewer(request: Request) -> Viewer:
    """The actions: any account that may act, the applicants' front end included (its cycle
    and its two actions are checked where the action is taken)."""
    viewer = signed_in_viewer(request)
    if viewer is None:
        raise NotSignedIn()
    if viewer.must_change_password:
        raise MustChangePassword()
    return viewer


def intake_viewer(request: Request, cycle_id: str) -> Viewer:
    """The applicants' front end, and only for its own cycle (any other account is refused
    the same way as a front end bound to another cycle)."""
    viewer = signed_in_viewer(request)
    if viewer is None:
        raise NotSignedIn()
    _intake_only(viewer, cycle_id)
    return viewer


def _intake_only(viewer: Viewer, cycle_id: str) -> None:
    if viewer.kind != "intake" or viewer.intake_cycle != cycle_id:
        raise Forbidden("无权访问：只有绑定本周期的申报接口账号可以写入申报")


def csrf_token(request: Request) -> str:
    """A form token tied to the session, or before signing in to the sign-in page's own
    random cookie: a page from another site can know neither."""
    basis = (
        token_of(request)
        or request.cookies.get(FORM_COOKIE)
        or getattr(request.state, "form_cookie", None)
    )
    if not basis:
        return secrets.token_hex(16)  # matches nothing: no form is accepted without a basis
    return hashlib.sha256(f"zhicheng-form:{basis}".encode()).hexdigest()[:32]


def form_cookie_for(request: Request) -> str | None:
    """A new random value for the sign-in page's form cookie, if the browser has neither a
    sign-in nor one already; the page's token is made from it (``csrf_token``)."""
    if token_of(request) or request.cookies.get(FORM_COOKIE):
        return None
    request.state.form_cookie = secrets.token_urlsafe(32)
    return str(request.state.form_cookie)


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """Our cookies: unreadable to scripts, never sent from another site's page, and marked
    Secure where the office serves the dashboard over TLS (ZHICHENG_COOKIE_SECURE)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=settings().cookie_secure,
    )


def end_session(request: Request, response: Response) -> Response:
    """Signs out whatever session the request carries and clears the browser's cookie."""
    token = token_of(request)
    if token:
        with session_scope() as session:
            sign_out(session, token)
    response.delete_cookie(
        COOKIE, httponly=True, samesite="strict", secure=settings().cookie_secure
    )
    return response
