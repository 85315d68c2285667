"""The API's documentation (the OpenAPI document and its Swagger page, from local assets):
for signed-in accounts only, and switched off altogether by ZHICHENG_API_DOCS=false."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from dashboard.auth import NotSignedIn, signed_in_viewer
from dashboard.lookup import NotFound
from dashboard.pages import templates
from models.settings import settings

router = APIRouter(include_in_schema=False)
SPEC = "/api/openapi.json"
OFF = "接口文档已关闭（ZHICHENG_API_DOCS=false）"


def _docs_on() -> None:
    if not settings().api_docs:
        raise NotFound(OFF)


@router.get(SPEC)
def spec(request: Request) -> JSONResponse:
    _docs_on()
    if signed_in_viewer(request) is None:
        raise NotSignedIn("请先登录再查看接口文档（POST /api/session）")
    return JSONResponse(request.app.openapi())


@router.get("/api/docs")
def page(request: Request) -> Response:
    _docs_on()
    if signed_in_viewer(request) is None:
        return RedirectResponse(f"/login?next={quote('/api/docs')}", status_code=303)
    return templates.TemplateResponse(request, "api_docs.html", {"spec": SPEC})
