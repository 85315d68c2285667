"""Finding 9: the sign-in cookie is marked Secure when the office says the dashboard is served
over TLS; a sign-in unused for the idle time ends, beside the absolute lifetime; signing in and
signing out need the form's token, so another site cannot do either in a user's browser."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pendulum
import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.auth import COOKIE
from models.settings import settings
from tests.dashboard.conftest import PASSWORD, Clocked
from tests.security.signin_support import client_from, fresh_account, new_address


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', page)
    assert found is not None, page[-500:]
    return found.group(1)


def _sign_in_page(client: TestClient, username: str) -> httpx.Response:
    csrf = _form_token(client.get("/login").text)
    form = {"username": username, "password": PASSWORD, "next": "/", "csrf": csrf}
    return client.post("/login", data=form, follow_redirects=False)


def _set_cookie(response: httpx.Response) -> str:
    headers = response.headers.get_list("set-cookie")
    return next(h for h in headers if h.startswith(f"{COOKIE}="))


@pytest.mark.parametrize("secure", [False, True])
def test_the_cookie_is_secure_when_the_setting_says_so(
    db: str, root_account: str, secure: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHICHENG_COOKIE_SECURE", "true" if secure else "false")
    settings.cache_clear()
    try:
        name = fresh_account(root_account)
        # A Secure cookie comes back only over TLS, as behind the office's proxy.
        base = "https://testserver" if secure else "http://testserver"
        with TestClient(create_app(), base_url=base, client=(new_address(), 50000)) as client:
            signed = _sign_in_page(client, name)
            assert signed.status_code == 303
            cookie = _set_cookie(signed).lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        assert ("; secure" in cookie) is secure
    finally:
        monkeypatch.delenv("ZHICHENG_COOKIE_SECURE")
        settings.cache_clear()


def test_a_sign_in_left_idle_ends(db: str, root_account: str) -> None:
    name = fresh_account(root_account)
    clock = Clocked(pendulum.now("UTC"))
    idle = dt.timedelta(minutes=settings().session_idle_minutes)
    with client_from(create_app(security_clock=clock)) as client:
        signed = client.post("/api/session", json={"username": name, "password": PASSWORD})
        headers = {"authorization": f"Bearer {signed.json()['token']}"}
        # Used just within the idle time, again and again: past the idle time in all.
        for _ in range(3):
            clock.now = clock.now + idle - dt.timedelta(minutes=2)
            assert client.get("/api/me", headers=headers).status_code == 200
        clock.now = clock.now + idle
        assert client.get("/api/me", headers=headers).status_code == 401


def test_a_sign_in_in_use_still_ends_after_its_lifetime(db: str, root_account: str) -> None:
    name = fresh_account(root_account)
    clock = Clocked(pendulum.now("UTC"))
    with client_from(create_app(security_clock=clock)) as client:
        signed = client.post("/api/session", json={"username": name, "password": PASSWORD})
        headers = {"authorization": f"Bearer {signed.json()['token']}"}
        end = clock.now + dt.timedelta(hours=settings().session_hours)
        while clock.now + dt.timedelta(minutes=20) < end:
            clock.now = clock.now + dt.timedelta(minutes=20)
            assert client.get("/api/me", headers=headers).status_code == 200
        clock.now = end
        assert client.get("/api/me", headers=headers).status_code == 401


def test_signing_in_needs_the_sign_in_pages_token(db: str, root_account: str) -> None:
    name = fresh_account(root_account)
    with client_from(create_app()) as first, client_from(create_app()) as second:
        assert _form_token(first.get("/login").text) != _form_token(second.get("/login").text)
        # Another site's form: no token, or a token of its own visitor's.
        foreign = _form_token(second.get("/login").text)
        for csrf in ("", foreign):
            form = {"username": name, "password": PASSWORD, "next": "/", "csrf": csrf}
            refused = first.post("/login", data=form, follow_redirects=False)
            assert refused.status_code == 403 and "表单已失效" in refused.text
            assert COOKIE not in refused.headers.get("set-cookie", "")
        assert _sign_in_page(first, name).status_code == 303


def test_signing_out_needs_the_pages_token(db: str, root_account: str) -> None:
    name = fresh_account(root_account)
    with client_from(create_app()) as client:
        assert _sign_in_page(client, name).status_code == 303
        page = client.get("/password")
        assert page.status_code == 200
        csrf = _form_token(page.text)
        refused = client.post("/logout", data={"csrf": ""}, follow_redirects=False)
        assert refused.status_code == 403
        assert client.get("/api/me").status_code == 200  # still signed in
        out = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/api/me").status_code == 401
