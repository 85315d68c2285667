"""Requests no route can take, refused before any route sees them, in Chinese: a body far
larger than any form or call needs, and NUL characters (no text of zhicheng holds one, and
PostgreSQL refuses them mid-query). Form bodies that are not UTF-8 are refused where a form is
read (``BadRequest``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field
from starlette.datastructures import Headers
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Forms and JSON calls are small: 5000 ids or one declaration. Uploads (multipart) have their
# own limit in dashboard.uploads.
MAX_BODY = 1024 * 1024
_TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded")
_NUL = (b"\x00", b"%00", b"\\u0000")
# Row ids are 64-bit columns on both databases: a larger number names no row and would only
# overflow the query.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


class BadRequest(Exception):
    """A request that cannot be read (400); the message says why, in Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def row_id(text: str) -> int | None:
    """A form's id, or None if it is not one (not a number, or past any row's id)."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def _refusal(scope: Scope, status: int, message: str) -> Response:
    if str(scope.get("path", "")).startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return PlainTextResponse(message, status_code=status)


def _has_nul(data: bytes) -> bool:
    return any(n in data for n in _NUL)


class RequestGuard:
    """ASGI middleware: reads a form's or a JSON call's body up to MAX_BODY, refuses NULs in
    the address or such a body, and hands the body on unchanged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        address = scope.get("raw_path", b"") + b"?" + scope.get("query_string", b"")
        if _has_nul(address):
            await _refusal(scope, 400, "请求地址中含有空字符（NUL），无法办理")(
                scope, receive, send
            )
            return
        kind = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
        if kind not in _TEXT_BODIES:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                too_big = f"请求内容过大：表单和接口调用最多 {MAX_BODY // 1024} KB"
                await _refusal(scope, 413, too_big)(scope, receive, send)
                return
        if _has_nul(body):
            await _refusal(scope, 400, "请求内容中含有空字符（NUL），无法办理")(
                scope, receive, send
            )
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
