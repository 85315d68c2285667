"""Finding 7: a drill's clock (``--as-of``, create_app(clock=…)) moves the cycle, not
security: sign-ins expire and lockouts end by the real clock."""

from __future__ import annotations

import datetime as dt

import pendulum
import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from models.accounts import find_account
from models.db import session_scope
from models.settings import settings
from tests.dashboard.conftest import PASSWORD, Clocked
from tests.factories import bj
from tests.security.signin_support import fresh_account, new_address


@pytest.mark.parametrize("as_of", [bj(2024, 9, 20, 10), bj(2031, 3, 1, 9)], ids=["past", "future"])
def test_a_sign_in_expires_by_the_real_clock(
    db: str, root_account: str, as_of: dt.datetime
) -> None:
    name = fresh_account(root_account)
    with TestClient(create_app(clock=Clocked(as_of)), client=(new_address(), 50000)) as client:
        before = pendulum.now("UTC")
        signed = client.post("/api/session", json={"username": name, "password": PASSWORD})
        assert signed.status_code == 200, signed.text
        expires = pendulum.parse(signed.json()["expires_at"])
        lifetime = dt.timedelta(hours=settings().session_hours)
        assert before + lifetime <= expires <= pendulum.now("UTC") + lifetime


def test_a_pause_ends_by_the_real_clock(db: str, root_account: str) -> None:
    name = fresh_account(root_account)
    frozen = Clocked(bj(2024, 9, 20, 10))
    with TestClient(create_app(clock=frozen), client=(new_address(), 50000)) as client:
        before = pendulum.now("UTC")
        for n in range(settings().login_max_failures):
            wrong = client.post("/api/session", json={"username": name, "password": f"No-{n}"})
            assert wrong.status_code == 401
    with session_scope() as session:
        account = find_account(session, name)
        assert account is not None and account.locked_until is not None
        pause = dt.timedelta(minutes=settings().login_lock_minutes)
        assert before + pause <= account.locked_until <= pendulum.now("UTC") + pause
