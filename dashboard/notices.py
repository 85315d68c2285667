"""The notices of the status box after an action ("已办理 3 件", "已创建账号 …"): only text the
server chose. A notice rides in the redirect's address, so the server signs it with a key
only the viewer's session holds; a link someone else made shows nothing. A few fixed notices
need no signature: their text is the server's whoever puts it in a link."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from fastapi import Request

from dashboard.auth import token_of

FIXED = frozenset({"请先勾选申报", "密码已修改，其他登录已退出"})


def _signature(request: Request, text: str) -> str:
    key = (token_of(request) or "").encode()
    return hmac.new(key, f"zhicheng-notice:{text}".encode(), hashlib.sha256).hexdigest()[:32]


def with_notice(request: Request, path: str, text: str) -> str:
    """``path`` with the notice added, signed for this viewer's session."""
    joined = f"{path}{'&' if '?' in path else '?'}notice={quote(text)}"
    return joined if text in FIXED else f"{joined}&sig={_signature(request, text)}"


def notice_of(request: Request) -> str | None:
    """The request's notice if the server chose it, else none."""
    text = request.query_params.get("notice")
    if not text:
        return None
    if text in FIXED:
        return text
    signed = request.query_params.get("sig", "")
    return text if hmac.compare_digest(signed, _signature(request, text)) else None
