"""The dashboard application: pages and the JSON API over the same database, every asset
served locally (offices run it on intranets without internet)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

import pendulum
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from dashboard import account_api, api, docs, import_pages, intake, pages
from dashboard.auth import MustChangePassword, NotSignedIn
from dashboard.headers import SecurityHeaders, parse_hosts
from dashboard.lookup import NotFound
from dashboard.scope import Forbidden
from models.context import Refused
from models.settings import settings

Clock = Callable[[], dt.datetime]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _swagger_assets() -> Path | None:
    try:
        import swagger_ui_bundle
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def create_app(clock: Clock | None = None) -> FastAPI:
    """``clock`` fixes "now" for tests and drills (演练); by default it is the real clock."""
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
    )
    app.add_middleware(SecurityHeaders, allowed_hosts=parse_hosts(settings().allowed_hosts))
    app.state.clock = clock or (lambda: pendulum.now("UTC"))
    app.state.drill = clock is not None
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
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=403)
        return pages.error_page(request, 403, exc.message)

    @app.exception_handler(NotFound)
    def not_found(request: Request, exc: NotFound) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.message}, status_code=404)
        return pages.error_page(request, 404, exc.message)

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": exc.message, "code": exc.code}, status_code=409)
        return pages.error_page(request, 409, exc.message)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "；".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body')}：{e.get('msg', '')}"
            for e in exc.errors()
        )
        return JSONResponse({"detail": f"请求内容有误：{problems}"}, status_code=422)

    app.include_router(docs.router)
    app.include_router(api.router)
    app.include_router(account_api.router)
    app.include_router(intake.router)
    app.include_router(pages.router)
    app.include_router(import_pages.router)
    return app
