"""The dashboard application: pages and the JSON API over the same database, every asset
served locally (offices run it on intranets without internet)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import pendulum
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dashboard import (
    account_api,
    api,
    docs,
    import_pages,
    intake,
    integrity_pages,
    pages,
    story_pages,
)
from dashboard.auth import MustChangePassword, NotSignedIn
from dashboard.guard import BadRequest, RequestGuard
from dashboard.headers import SecurityHeaders, parse_hosts
from dashboard.lookup import NotFound
from dashboard.scope import Forbidden
from models.context import Refused
from models.db import POOL_SIZE
from models.settings import settings

Clock = Callable[[], dt.datetime]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


_CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Starlette's own refusals (no such path, a method a path does not take, a body FastAPI cannot
# parse) in Chinese.
_HTTP_MESSAGES = {
    400: "请求内容无法解析（如 JSON 格式有误或编码不是 UTF-8）",
    404: "没有这个页面或接口",
    405: "此地址不接受这种请求方法",
    413: "请求内容过大",
}


def _refusal(request: Request, status: int, message: str, **extra: str) -> Response:
    """A refusal as JSON for the API and as the error page for the pages."""
    if _wants_json(request):
        return JSONResponse({"detail": message, **extra}, status_code=status)
    return pages.error_page(request, status, message)


def _swagger_assets() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


@asynccontextmanager
async def _threads(app: FastAPI) -> AsyncIterator[None]:
    """Requests run in a pool of threads (the routes are synchronous): as many at once as
    the process keeps database connections (models.db.POOL_SIZE), not anyio's default 40.
    More threads than connections only wait for one; and the work is mostly Python, which
    one process runs one thread at a time: at a peak the requests past these queue in the
    event loop, where waiting costs nothing, instead of taking turns at the interpreter."""
    to_thread.current_default_thread_limiter().total_tokens = POOL_SIZE
    yield


def create_app(clock: Clock | None = None, security_clock: Clock | None = None) -> FastAPI:
    """``clock`` fixes "now" for tests and drills (演练); by default it is the real clock.
    Sign-ins expire and pauses end by ``security_clock``, the real clock unless a test sets
    it: a drill moves the cycle, not the security timing."""
    app = FastAPI(
        title="职称评审工作台 API",
        description="职称评审各阶段进度与办理接口。先 POST /api/session 登录，"
        "再以 Authorization: Bearer <令牌> 调用；所有数据按账号管辖范围过滤，身份证号脱敏。"
        "须修改密码的账号（must_change_password）在 PUT /api/me/password 之前其他调用一律 403。"
        "申报前端使用省级创建的申报接口账号（role=intake，绑定一个周期）的令牌，只能调用 "
        "PUT /api/cycles/{cycle_id}/declarations/{id_number} 和该周期的 submit、resubmit 办理接口。",
        version="1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # served by dashboard.docs, behind sign-in
        lifespan=_threads,
    )
    app.add_middleware(RequestGuard)  # inside the headers: its refusals carry them too
    app.add_middleware(SecurityHeaders, allowed_hosts=parse_hosts(settings().allowed_hosts))
    app.state.clock = clock or (lambda: pendulum.now("UTC"))
    app.state.drill = clock is not None
    app.state.security_clock = security_clock or (lambda: pendulum.now("UTC"))
    assets = _swagger_assets()
    if assets is not None:  # mounted first: "/static" would otherwise claim its paths
        app.mount("/static/swagger", StaticFiles(directory=str(assets)), name="swagger")
    app.mount("/static", StaticFiles(directory=str(files("dashboard") / "static")), name="static")

    @app.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _wants_json(request):
            detail = str(exc) or "请先登录（会话不存在或已过期）"
            return JSONResponse({"detail": detail}, status_code=401)
        back = quote(str(request.url.path))
        return RedirectResponse(f"/login?next={back}", status_code=303)

    @app.exception_handler(MustChangePassword)
    def must_change(request: Request, exc: MustChangePassword) -> Response:
        if _wants_json(request):
            return JSONResponse(
                {
                    "detail": "须先修改密码（初始密码或重置后的密码）：PUT /api/me/password",
                    "code": "must_change_password",
                },
                status_code=403,
            )
        back = quote(str(request.url.path))
        return RedirectResponse(f"/password?next={back}", status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        return _refusal(request, 403, exc.message)

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        return _refusal(request, 404, exc.message)

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        return _refusal(request, 409, exc.message, code=exc.code)

    @app.exception_handler(BadRequest)
    def bad_request(request: Request, exc: BadRequest) -> Response:
        return _refusal(request, 400, exc.message)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = str(exc.detail)
        if not _CHINESE.search(detail):
            detail = _HTTP_MESSAGES.get(exc.status_code, "请求无法办理")
        answer = _refusal(request, exc.status_code, detail)
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    def out_of_range(request: Request, exc: Exception) -> Response:
        # The database refused a value as given (a number past 64 bits, a text longer than
        # its column): the request's fault, told as such.
        return _refusal(request, 422, "请求内容超出允许范围（数值过大或文字过长），未办理")

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "；".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}：{e.get('msg', '')}"
            for e in exc.errors()
        )
        return _refusal(request, 422, f"请求内容有误：{problems}")

    app.include_router(docs.router)
    app.include_router(api.router)
    app.include_router(account_api.router)
    app.include_router(intake.router)
    app.include_router(pages.router)
    app.include_router(import_pages.router)
    app.include_router(integrity_pages.router)
    app.include_router(story_pages.router)
    return app
