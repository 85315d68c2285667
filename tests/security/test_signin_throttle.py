"""Finding 6: more than the allowed failed sign-ins from one client address within the
window, over any usernames, make that address wait (HTTP 429) for the block; counted in the
database, so every dashboard process refuses it; other addresses are not held up."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pendulum
import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from models.settings import settings
from tests.dashboard.conftest import PASSWORD, Clocked
from tests.security.signin_support import client_from, fresh_account, new_address


def _form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]*)"', client.get("/login").text)
    assert found is not None
    return found.group(1)


def _wrong(client: TestClient, n: int) -> int:
    body = {"username": f"guess-{uuid.uuid4().hex[:6]}", "password": f"Guess-{n}-pw"}
    return client.post("/api/session", json=body).status_code


def test_many_failures_from_one_address_make_it_wait(db: str, root_account: str) -> None:
    config = settings()
    name = fresh_account(root_account)
    clock = Clocked(pendulum.now("UTC"))
    address = new_address()
    with client_from(create_app(security_clock=clock), address) as guesser:
        answers = [_wrong(guesser, n) for n in range(config.login_client_max_failures)]
        assert answers == [401] * config.login_client_max_failures
        assert _wrong(guesser, 0) in (401, 429)  # the one past the limit
        waiting = guesser.post("/api/session", json={"username": name, "password": PASSWORD})
        assert waiting.status_code == 429
        assert "登录" in waiting.json()["detail"] and "分钟" in waiting.json()["detail"]
        form = {"username": name, "password": PASSWORD, "csrf": _form_token(guesser)}
        page = guesser.post("/login", data=form)
        assert page.status_code == 429 and "分钟" in page.text
        # Another dashboard process on the same database refuses the address too…
        with client_from(create_app(security_clock=clock), address) as elsewhere:
            assert (
                elsewhere.post(
                    "/api/session", json={"username": name, "password": PASSWORD}
                ).status_code
                == 429
            )
        # …another address signs in…
        with client_from(create_app(security_clock=clock)) as other:
            assert (
                other.post(
                    "/api/session", json={"username": name, "password": PASSWORD}
                ).status_code
                == 200
            )
        # …and once the block is over, the address may sign in again.
        clock.now = clock.now + dt.timedelta(minutes=config.login_client_block_minutes)
        again = guesser.post("/api/session", json={"username": name, "password": PASSWORD})
        assert again.status_code == 200, again.text


def test_failures_older_than_the_window_do_not_count(db: str, root_account: str) -> None:
    config = settings()
    clock = Clocked(pendulum.now("UTC"))
    with client_from(create_app(security_clock=clock)) as client:
        for n in range(config.login_client_max_failures):
            assert _wrong(client, n) == 401
        clock.now = clock.now + dt.timedelta(minutes=config.login_client_window_minutes)
        for n in range(config.login_client_max_failures):
            assert _wrong(client, n) == 401


def test_a_blocked_address_does_not_reach_the_password_check(
    db: str, root_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models import accounts

    config = settings()
    with client_from(create_app()) as client:
        for n in range(config.login_client_max_failures + 1):
            _wrong(client, n)
        checks: list[str] = []
        monkeypatch.setattr(accounts, "password_matches", lambda p, _s: checks.append(p) or False)
        assert _wrong(client, 0) == 429
        assert checks == []


def test_the_limits_are_settings(
    db: str, root_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHICHENG_LOGIN_CLIENT_MAX_FAILURES", "2")
    settings.cache_clear()
    try:
        with client_from(create_app()) as client:
            assert [_wrong(client, n) for n in range(2)] == [401, 401]
            _wrong(client, 2)
            assert _wrong(client, 3) == 429
        with client_from(create_app(), new_address()) as fresh:
            assert _wrong(fresh, 0) == 401
    finally:
        monkeypatch.delenv("ZHICHENG_LOGIN_CLIENT_MAX_FAILURES")
        settings.cache_clear()
