"""What every answer says about itself to the browser: a Content-Security-Policy that runs
only this site's own script and style files (no inline script, no style attributes), no
framing by another site, no content sniffing, no referrer outside the site, and nothing
personal kept in a cache — and only the configured host names are answered at all."""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
ALWAYS = {
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
# Pages and API answers carry names and masked ID numbers: no cache keeps them. The bundled
# assets under /static (style, scripts, the API page's files) hold nothing personal.
NO_STORE = "no-store"
STATIC = "/static/"


def host_name(host: str) -> str:
    """The name of a Host header without its port ("[::1]:8000" -> "[::1]")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def parse_hosts(setting: str) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in setting.split(",") if h.strip())


class SecurityHeaders:
    """ASGI middleware: the headers above on every answer, and a 400 for an unknown host."""

    def __init__(self, app: ASGIApp, allowed_hosts: frozenset[str]) -> None:
        self.app = app
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith(STATIC)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    headers[name] = value
                if not static:
                    headers["cache-control"] = NO_STORE
            await send(message)

        host = host_name(Headers(scope=scope).get("host", ""))
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            refused = PlainTextResponse(
                "主机名不在允许之列（ZHICHENG_ALLOWED_HOSTS）：请使用工作台的正式地址访问",
                status_code=400,
            )
            await refused(scope, receive, with_headers)
            return
        await self.app(scope, receive, with_headers)
