"""Finding 13: a password equal to the username, or one zxcvbn guesses easily (score < 3), is
refused with a reason in Chinese, when an account is made and when a password is changed; a
password set again ends the account's sign-ins."""

from __future__ import annotations

import re
import uuid

import pendulum
import pytest
from fastapi.testclient import TestClient

from models.accounts import create_account, find_account, reset_password
from models.context import Refused
from models.db import session_scope
from tests.dashboard.conftest import PASSWORD, token
from tests.security.signin_support import fresh_account

# Each passes the old rule (8 characters, letters and digits) and is guessed at once.
WEAK = ["Password1", "qwerty123", "Abcd1234", "Gansu123"]
CHINESE_ONLY = re.compile(r"^[^A-Za-z]*[\u4e00-\u9fff][^A-Za-z]*$")


def _create(root: str, username: str, password: str) -> None:
    with session_scope() as session:
        create_account(
            session,
            by=find_account(session, root),
            username=username,
            password=password,
            role="operator",
            now=pendulum.now("UTC"),
            org_code="620000",
        )


def test_a_password_equal_to_the_username_is_refused(db: str, root_account: str) -> None:
    name = f"Zhang{uuid.uuid4().hex[:6]}x7q"
    with pytest.raises(Refused) as refused:
        _create(root_account, name, name)
    assert refused.value.code == "weak_password"
    assert "用户名" in refused.value.message
    with pytest.raises(Refused):
        _create(root_account, name, name.upper())
    with session_scope() as session:
        assert find_account(session, name) is None


@pytest.mark.parametrize("weak", WEAK)
def test_an_easily_guessed_password_is_refused_in_chinese(
    db: str, root_account: str, weak: str
) -> None:
    name = f"sec-{uuid.uuid4().hex[:8]}"
    with pytest.raises(Refused) as refused:
        _create(root_account, name, weak)
    assert refused.value.code == "weak_password"
    assert CHINESE_ONLY.match(refused.value.message.replace(weak, "")), refused.value.message


def test_a_weak_new_password_is_refused_on_change(client: TestClient, root_account: str) -> None:
    name = fresh_account(root_account)
    headers = token(client, name)
    for weak in [*WEAK, name]:
        changed = client.put(
            "/api/me/password",
            json={"old_password": PASSWORD, "new_password": weak},
            headers=headers,
        )
        assert changed.status_code == 409 and changed.json()["code"] == "weak_password", weak
        assert CHINESE_ONLY.match(changed.json()["detail"].replace(name, "")), weak


def test_a_reset_ends_the_sign_ins(client: TestClient, root_account: str) -> None:
    name = fresh_account(root_account)
    headers = token(client, name)
    with session_scope() as session:
        root = find_account(session, root_account)
        assert root is not None
        reset_password(session, root, name)
    assert client.get("/api/me", headers=headers).status_code == 401
