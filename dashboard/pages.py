"""Server-rendered pages in Chinese: sign-in, the cycle at a glance with drill-down,
committees, filing, accounts and certificate verification; small forms for the actions."""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Sequence
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode

import pendulum
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlmodel import col, select

from calendars.beijing import BEIJING, beijing, beijing_text
from dashboard import figures
from dashboard.account_api import managed_list
from dashboard.actions import act as act_on
from dashboard.auth import (
    COOKIE,
    FORM_COOKIE,
    AddressWaits,
    csrf_token,
    current_viewer,
    end_session,
    form_cookie_for,
    now_of,
    password_viewer,
    security_now,
    set_cookie,
    sign_in_request,
    signed_in_viewer,
    token_of,
)
from dashboard.guard import BadRequest, row_id
from dashboard.lookup import (
    NO_COMMITTEE,
    committee_by_key,
    cycle_or_404,
    latest_cycles,
    org_for_page,
)
from dashboard.notices import notice_of, with_notice
from dashboard.scope import KIND_LABELS, Forbidden, Viewer, visible_orgs
from dashboard.timeline import timeline
from models import accounts
from models.accounts import ROLE_LABELS, Account, NotManaged, Role, create_account
from models.context import Refused
from models.cycle import Committee
from models.db import read_scope, session_scope
from models.org import Organisation
from models.run_failures import open_run_failures
from models.services import ACTION_LABELS
from models.settings import settings, workday_calendar
from outputs.certificates import verify

router = APIRouter(include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(current_viewer)]
PasswordDep = Annotated[Viewer, Depends(password_viewer)]
# What an organisation's list offers: a committee records its verdicts on its own page, and an
# objection (which needs its grounds) comes in through the API.
# The documents an application carries are recorded where its unit's list is: the reference
# (文号、会议情况) goes in the same text field as a return's reasons.
_ON_ORG_PAGE = frozenset(
    {
        "submit",
        "resubmit",
        "return",
        "collective_review",
        "recommend",
        "publicity_report",
        "commission_letter",
        "forward",
    }
)


def _when(value: dt.datetime | None) -> str:
    return beijing_text(value, short=True) if value is not None else "—"


_env = Environment(loader=PackageLoader("dashboard", "templates"), autoescape=select_autoescape())
_env.filters["when"] = _when
_env.globals.update(KIND_LABELS=KIND_LABELS, ROLE_LABELS=ROLE_LABELS, ACTION_LABELS=ACTION_LABELS)
templates = Jinja2Templates(env=_env)


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("viewer", None)
    context.setdefault("as_of", None)
    context.update(
        request=request,
        drill=request.app.state.drill,
        now=now_of(request),
        csrf=csrf_token(request),
    )
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status_code=status, status=status, message=message)


# --- the time control: a page as of an earlier instant (a GET form, no script) ---

_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?")


def parse_as_of(text: str | None, now: dt.datetime) -> dt.datetime | None:
    """The page's ``as_of`` (Beijing time, as the browser's datetime field sends it): None
    for "now"; a bad or future instant is refused in Chinese."""
    if text is None or not text.strip() or text.strip() == "now":
        return None
    text = text.strip()
    example = "如 2024-10-20T23:00（北京时间）"
    if not _INSTANT.fullmatch(text):
        raise BadRequest(f"查看时点格式错误：“{text[:40]}”，应为日期和时间，{example}")
    try:
        parsed = pendulum.parse(text.replace(" ", "T"), tz=BEIJING)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise BadRequest(f"查看时点不是有效的日期时间：“{text}”，{example}") from None
    if not isinstance(parsed, pendulum.DateTime):  # a bare day: its first instant
        assert isinstance(parsed, dt.date)
        parsed = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=BEIJING)
    if parsed > now:
        raise BadRequest(
            f"查看时点 {beijing_text(parsed, short=True)} 晚于现在（{beijing_text(now, short=True)}）："
            "只能查看已经发生的情况"
        )
    return parsed.in_timezone("UTC")


def as_of_field(value: dt.datetime | None) -> str:
    """The datetime field's value for an instant (Beijing time, to the minute or second)."""
    if value is None:
        return ""
    local = beijing(value)
    return local.format("YYYY-MM-DDTHH:mm" if local.second == 0 else "YYYY-MM-DDTHH:mm:ss")


def as_of_query(value: dt.datetime | None, **more: str | None) -> str:
    """``?as_of=…`` (and more parameters) for links that keep the page's instant."""
    params = {"as_of": as_of_field(value) if value else None, **more}
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


def page_instant(request: Request, as_of: str | None) -> tuple[dt.datetime, dt.datetime | None]:
    """The instant the page's figures are as of, and the chosen earlier instant if any."""
    now = now_of(request)
    chosen = parse_as_of(as_of, now)
    return (chosen or now), chosen


def kept_fields(kept: dict[str, str | None] | None, **more: Any) -> list[tuple[str, str]]:
    """What the time control's form keeps of the page's own parameters (hidden fields, and the
    "back to now" link): e.g. the list's status, the story's phase and scope."""
    params = {**(kept or {}), **more}
    return sorted((k, str(v)) for k, v in params.items() if v)


_env.globals.update(as_of_field=as_of_field, as_of_query=as_of_query, kept_fields=kept_fields)


async def form_of(request: Request) -> dict[str, list[str]]:
    """The posted form (application/x-www-form-urlencoded), without another dependency."""
    try:
        text = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("表单内容不是 UTF-8 编码，无法办理：请刷新页面后重试") from None
    return parse_qs(text, keep_blank_values=True)


FormDep = Annotated[dict[str, list[str]], Depends(form_of)]


def form_field(form: dict[str, list[str]], name: str, default: str = "") -> str:
    return (form.get(name) or [default])[0]


STALE_FORM = "表单已失效，请刷新页面后重试"


def _form_is_ours(request: Request, form: dict[str, list[str]]) -> bool:
    return hmac.compare_digest(form_field(form, "csrf").encode(), csrf_token(request).encode())


def check_csrf(request: Request, form: dict[str, list[str]]) -> None:
    if not _form_is_ours(request, form):
        raise Forbidden(STALE_FORM)


def _login_form(
    request: Request, target: str, status_code: int = 200, error: str | None = None
) -> HTMLResponse:
    """The sign-in page; a browser without a sign-in or a form cookie gets a fresh one, so the
    form carries a token another site cannot know (signing in is protected like any form)."""
    fresh = form_cookie_for(request)
    config = settings()
    response = render(
        request,
        "login.html",
        status_code=status_code,
        next=target,
        error=error,
        max_failures=config.login_max_failures,
        lock_minutes=config.login_lock_minutes,
    )
    if fresh is not None:
        set_cookie(response, FORM_COOKIE, fresh)
    return response


@router.get("/login")
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    return _login_form(request, _local(next))


@router.post("/login")
def login(request: Request, form: FormDep) -> Response:
    target = _local(form_field(form, "next", "/"))
    if not _form_is_ours(request, form):
        return _login_form(request, target, 403, STALE_FORM)
    try:
        with session_scope() as session:
            signed = sign_in_request(
                session, request, form_field(form, "username"), form_field(form, "password")
            )
    except Refused as exc:
        return _login_form(request, target, 401, exc.message)
    except AddressWaits as exc:
        return _login_form(request, target, 429, str(exc.detail))
    if signed.account.must_change_password:
        target = f"/password?next={quote(target)}"
    response = RedirectResponse(target, status_code=303)
    lifetime = int((signed.expires_at - security_now(request)).total_seconds())
    set_cookie(response, COOKIE, signed.token, max_age=lifetime)
    return response


def _local(target: str, default: str = "/") -> str:
    """Only a path of this site (no open redirect through ?next=)."""
    return target if target.startswith("/") and not target.startswith("//") else default


@router.get("/password")
def password_page(request: Request, viewer: PasswordDep, next: str = "/") -> HTMLResponse:
    return render(request, "password.html", viewer=viewer, next=_local(next), error=None)


@router.post("/password")
def password_change(request: Request, viewer: PasswordDep, form: FormDep) -> Response:
    check_csrf(request, form)
    target = _local(form_field(form, "next", "/"))
    new = form_field(form, "new_password")
    try:
        if new != form_field(form, "confirm"):
            raise Refused("两次输入的新密码不一致", "weak_password")
        with session_scope() as session:
            account = session.get(Account, viewer.account_id)
            assert account is not None
            accounts.change_password(
                session,
                account,
                form_field(form, "old_password"),
                new,
                security_now(request),
                token_of(request),
            )
    except Refused as exc:
        return render(
            request, "password.html", status_code=409, viewer=viewer, next=target, error=exc.message
        )
    back = f"{target}{'&' if '?' in target else '?'}notice={quote('密码已修改，其他登录已退出')}"
    return RedirectResponse(back, status_code=303)


@router.post("/logout")
def logout(request: Request, form: FormDep) -> Response:
    """Needs the page's form token: another site cannot sign the user out either."""
    check_csrf(request, form)
    return end_session(request, RedirectResponse("/login", status_code=303))


@router.get("/")
def home(viewer: ViewerDep) -> Response:
    with read_scope() as session:
        found = latest_cycles(session, viewer)
    if not found:
        raise Forbidden("还没有评审周期：请先由省级启动本年度周期（zhicheng launch）")
    return RedirectResponse(f"/cycles/{quote(found[0].id)}", status_code=303)


@router.get("/cycles/{cycle_id}")
def cycle_home(cycle_id: str, viewer: ViewerDep, as_of: str | None = None) -> Response:
    kept = "?" + urlencode({"as_of": as_of}) if as_of else ""  # the page checks it
    if viewer.kind == "committee":
        with read_scope() as session:
            committee = session.get(Committee, viewer.committee_id)
            assert committee is not None
        return RedirectResponse(
            f"/cycles/{quote(cycle_id)}/committees/{quote(committee.key)}{kept}", 303
        )
    return RedirectResponse(
        f"/cycles/{quote(cycle_id)}/org/{quote(viewer.org_code or '')}{kept}", 303
    )


def _breadcrumb(session: Any, viewer: Viewer, org: Organisation) -> list[Organisation]:
    """The chain from the top of the viewer's scope down to ``org``."""
    codes = org.path.split("/")
    prefixes = ["/".join(codes[: i + 1]) for i in range(len(codes))]
    found = {
        o.path: o
        for o in session.exec(select(Organisation).where(col(Organisation.path).in_(prefixes)))
    }
    chain = [found[p] for p in prefixes if p in found]
    if org.kind == "unit" and org.department_id and viewer.kind == "department":
        chain = [session.get(Organisation, org.department_id), org]
    visible = visible_orgs(session, viewer, [o.id for o in chain])
    return [o for o in chain if o.id in visible]


@router.get("/cycles/{cycle_id}/org/{code}")
def org_page(
    cycle_id: str,
    code: str,
    request: Request,
    viewer: ViewerDep,
    status: str | None = None,
    as_of: str | None = None,
) -> HTMLResponse:
    now, chosen = page_instant(request, as_of)
    with read_scope() as session:
        cycle = cycle_or_404(session, cycle_id, viewer)
        org, _ = org_for_page(session, viewer, code)
        assert org is not None
        data = figures.overview(session, cycle, viewer, org, now)
        apps = []
        if org.kind in ("unit", "agency"):
            where = figures.page_filter(viewer, org)
            apps = figures.applications(session, cycle_id, where, status=status, at=now)
        chart = timeline(
            list(figures.phases_of(session, cycle_id).values()),
            now,
            workday_calendar(),
            marker="查看时点" if chosen else "现在",
        )
        crumbs = _breadcrumb(session, viewer, org)
        cycles = latest_cycles(session, viewer)
        # the province's office runs the schedule: it sees each failed run until a later run
        # of the same boundary succeeds
        failures = open_run_failures(session, cycle_id) if org.kind == "province" else []
    return render(
        request,
        "org.html",
        viewer=viewer,
        cycle=cycle,
        cycles=cycles,
        org=org,
        data=data,
        chart=chart,
        crumbs=crumbs,
        apps=apps,
        failures=failures,
        status=status,
        as_of=chosen,
        # In the order of the workflow, as the service layer's table lists them; none on a
        # page of an earlier instant (what it shows is no longer so).
        actions=[]
        if chosen
        else [a for a in ACTION_LABELS if a in viewer.allowed_actions() and a in _ON_ORG_PAGE],
        notice=notice_of(request),
    )


@router.get("/cycles/{cycle_id}/committees")
def committees_page(
    cycle_id: str, request: Request, viewer: ViewerDep, as_of: str | None = None
) -> HTMLResponse:
    now, chosen = page_instant(request, as_of)
    with read_scope() as session:
        cycle = cycle_or_404(session, cycle_id, viewer)
        rows = figures.committees(session, cycle_id, viewer, now)
        cycles = latest_cycles(session, viewer)
    return render(
        request,
        "committees.html",
        viewer=viewer,
        cycle=cycle,
        cycles=cycles,
        rows=rows,
        as_of=chosen,
    )


@router.get("/cycles/{cycle_id}/committees/{key}")
def committee_page(
    cycle_id: str, key: str, request: Request, viewer: ViewerDep, as_of: str | None = None
) -> HTMLResponse:
    now, chosen = page_instant(request, as_of)
    with read_scope() as session:
        cycle = cycle_or_404(session, cycle_id, viewer)
        committee = committee_by_key(session, cycle_id, key)
        data = figures.overview(session, cycle, viewer, None, now, committee.id)
        # its own row from the overview's counts (the committees' table counts every visible
        # committee's)
        row = figures.committee_row(session, cycle_id, viewer, now, committee, data.statuses)
        if row is None:
            raise Forbidden(NO_COMMITTEE)
        where = figures.page_filter(viewer, None, committee.id)
        apps = figures.applications(session, cycle_id, where, status="committee_review", at=now)
        cycles = latest_cycles(session, viewer)
    return render(
        request,
        "committee.html",
        viewer=viewer,
        cycle=cycle,
        cycles=cycles,
        committee=row,
        data=data,
        apps=apps,
        as_of=chosen,
        verdicts=[] if chosen else [a for a in ("pass", "fail") if a in viewer.allowed_actions()],
        notice=notice_of(request),
    )


@router.get("/cycles/{cycle_id}/filing")
def filing_page(
    cycle_id: str, request: Request, viewer: ViewerDep, as_of: str | None = None
) -> HTMLResponse:
    now, chosen = page_instant(request, as_of)
    with read_scope() as session:
        cycle = cycle_or_404(session, cycle_id, viewer)
        rows = figures.filing(session, cycle_id, now)
        cycles = latest_cycles(session, viewer)
    return render(
        request, "filing.html", viewer=viewer, cycle=cycle, cycles=cycles, rows=rows, as_of=chosen
    )


def _notice(done: int, refused: dict[int, str], warnings: Sequence[str] = ()) -> str:
    parts = [f"已办理 {done} 件"]
    if refused:
        reasons = sorted(set(refused.values()))
        parts.append(f"未受理 {len(refused)} 件：" + "；".join(reasons[:3]))
    if warnings:  # what the rules flag without refusing (the village quota)
        parts.append("提示：" + "；".join(warnings[:3]))
    return "，".join(parts)


@router.post("/cycles/{cycle_id}/act")
def act(cycle_id: str, request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    check_csrf(request, form)
    back = form_field(form, "back", f"/cycles/{cycle_id}")
    if not back.startswith("/cycles/"):
        back = f"/cycles/{cycle_id}"
    ids = [row_id(v) for v in form.get("id", [])]
    if None in ids:
        raise BadRequest("申报编号无效")
    if not ids:
        return RedirectResponse(with_notice(request, back, "请先勾选申报"), status_code=303)
    outcome = act_on(
        viewer,
        cycle_id,
        form_field(form, "action"),
        [i for i in ids if i is not None],
        now=now_of(request),
        reason=form_field(form, "reason"),
    )
    notice = _notice(len(outcome.done), outcome.refused, outcome.warnings)
    return RedirectResponse(with_notice(request, back, notice), status_code=303)


def _accounts_page(
    request: Request,
    viewer: Viewer,
    *,
    status_code: int = 200,
    error: str | None = None,
    shown: dict[str, str] | None = None,
) -> HTMLResponse:
    with read_scope() as session:
        rows = managed_list(session, viewer)
    return render(
        request,
        "accounts.html",
        status_code=status_code,
        viewer=viewer,
        rows=rows,
        notice=notice_of(request),
        error=error,
        shown=shown,
    )


@router.get("/accounts")
def accounts_page(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return _accounts_page(request, viewer)


@router.post("/accounts")
def accounts_create(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    check_csrf(request, form)
    target = form_field(form, "target").strip()
    committee_id = row_id(target[2:]) if target.startswith("c:") else None
    try:
        with session_scope() as session:
            creator = session.get(Account, viewer.account_id)
            account = create_account(
                session,
                by=creator,
                username=form_field(form, "username"),
                password=form_field(form, "password"),
                role=form_field(form, "role", Role.operator.value),
                now=now_of(request),
                org_code=None if committee_id else target,
                committee_id=committee_id,
                must_change=True,  # the admin chose it: its owner sets their own
            )
            name = account.username
    except Refused as exc:
        return _accounts_page(request, viewer, status_code=409, error=exc.message)
    return RedirectResponse(with_notice(request, "/accounts", f"已创建账号 {name}"), 303)


@router.post("/accounts/manage")
def accounts_manage(request: Request, viewer: ViewerDep, form: FormDep) -> Response:
    """Reset a password (the new one shown once, on this answer only), deactivate, activate."""
    check_csrf(request, form)
    username, what = form_field(form, "username"), form_field(form, "do")
    try:
        with session_scope() as session:
            me = session.get(Account, viewer.account_id)
            assert me is not None
            if what == "reset":
                _, password = accounts.reset_password(session, me, username)
                shown = {"username": username, "password": password}
            elif what in ("deactivate", "activate"):
                accounts.set_active(session, me, username, active=what == "activate")
                shown = None
            else:
                raise Refused("不支持的操作")
    except Refused as exc:
        status = 403 if isinstance(exc, NotManaged) else 409
        return _accounts_page(request, viewer, status_code=status, error=exc.message)
    if shown is not None:
        # Not a redirect: the password must not sit in a URL or the browser's history.
        return _accounts_page(request, viewer, shown=shown)
    done = "已停用" if what == "deactivate" else "已启用"
    return RedirectResponse(with_notice(request, "/accounts", f"{done}账号 {username}"), 303)


@router.get("/verify")
def verify_page(request: Request, code: str | None = None) -> HTMLResponse:
    result = None
    if code:
        with read_scope() as session:
            result = verify(session, code.strip())
    viewer = signed_in_viewer(request)
    return render(request, "verify.html", viewer=viewer, code=code or "", result=result)
