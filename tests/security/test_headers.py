"""Finding 8: security headers on every answer — a Content-Security-Policy without inline
script or style, no framing, no sniffing, no referrer outside the site, nothing personal kept
in caches; only the configured host names answered; the API's documentation behind sign-in
or switched off."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from dashboard.app import create_app
from models.settings import settings
from tests.dashboard.conftest import Clocked, World, token


def _policy(response: Response) -> dict[str, str]:
    header = response.headers.get("content-security-policy", "")
    parts = (p.strip().split(None, 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def _answers(client: TestClient, world: World) -> dict[str, Response]:
    city = token(client, world.users["city"])
    cycle = world.cycle_id
    return {
        "login page": client.get("/login"),
        "org page": client.get(f"/cycles/{cycle}/org/620200", headers=city),
        "committees page": client.get(f"/cycles/{cycle}/committees", headers=city),
        "accounts page": client.get("/accounts", headers=city),
        "refused page": client.get(f"/cycles/{cycle}/org/{world.lanzhou}", headers=city),
        "redirect": client.get("/", headers=city, follow_redirects=False),
        "verify page": client.get("/verify?code=nothing"),
        "api me": client.get("/api/me", headers=city),
        "api applications": client.get(f"/api/cycles/{cycle}/applications", headers=city),
        "api unsigned": client.get("/api/me"),
        "api bad input": client.post("/api/session", content=b"{"),
        "no such path": client.get("/no/such/path"),
    }


def test_every_answer_carries_the_security_headers(client: TestClient, world: World) -> None:
    for what, response in _answers(client, world).items():
        headers = response.headers
        policy = _policy(response)
        assert policy.get("frame-ancestors") == "'none'", what
        assert policy.get("default-src") == "'self'", what
        for directive in ("script-src", "style-src"):
            assert "unsafe-inline" not in policy.get(directive, "'self'"), what
        assert policy.get("object-src") == "'none'", what
        assert headers.get("x-content-type-options") == "nosniff", what
        assert headers.get("referrer-policy") == "same-origin", what
        assert "no-store" in headers.get("cache-control", ""), what


def test_no_page_has_inline_script_style_or_event_handlers(
    client: TestClient, world: World
) -> None:
    pages = {k: v for k, v in _answers(client, world).items() if "api" not in k}
    unit = token(client, world.users["unit_a"])
    pages["unit page"] = client.get(f"/cycles/{world.cycle_id}/org/{world.unit_a}", headers=unit)
    pages["docs"] = client.get("/api/docs", headers=unit)
    for what, response in pages.items():
        text = response.text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), what
        assert not re.search(r"<style\b|\sstyle=", text), what
        assert not re.search(r"\son[a-z]+=", text), what


@pytest.fixture
def default_hosts(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ZHICHENG_ALLOWED_HOSTS", raising=False)
    settings.cache_clear()
    yield
    monkeypatch.undo()
    settings.cache_clear()


def test_only_the_allowed_host_names_are_answered(
    world: World, clock: Clocked, default_hosts: None
) -> None:
    with TestClient(create_app(clock=clock), base_url="http://127.0.0.1:8000") as local:
        assert local.get("/login").status_code == 200
        assert local.get("/login", headers={"host": "localhost:8000"}).status_code == 200
        for host in ("evil.example", "127.0.0.1.evil.example", "testserver"):
            refused = local.get("/login", headers={"host": host})
            assert refused.status_code == 400, host
            assert "主机名" in refused.text, host
            assert refused.headers.get("x-content-type-options") == "nosniff"


def test_the_api_documentation_needs_a_sign_in(client: TestClient, world: World) -> None:
    unsigned = client.get("/api/openapi.json")
    assert unsigned.status_code == 401 and "登录" in unsigned.json()["detail"]
    page = client.get("/api/docs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    viewer = token(client, world.users["viewer_a"])
    assert (
        "/api/cycles/{cycle_id}/overview"
        in client.get("/api/openapi.json", headers=viewer).json()["paths"]
    )
    assert client.get("/api/docs", headers=viewer).status_code == 200


def test_the_api_documentation_can_be_switched_off(
    world: World, clock: Clocked, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHICHENG_API_DOCS", "false")
    settings.cache_clear()
    try:
        with TestClient(create_app(clock=clock)) as off:
            viewer = token(off, world.users["viewer_a"])
            for path in ("/api/openapi.json", "/api/docs"):
                answer = off.get(path, headers=viewer)
                assert answer.status_code == 404, path
                assert "接口文档" in answer.text, path
    finally:
        monkeypatch.undo()
        settings.cache_clear()
