"""Passwords: an account whose password someone else chose changes it before anything else;
a change or a reset ends the account's other sign-ins; an admin resets and deactivates the
accounts one level down, and no others (unknown and not-yours answered alike)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from models.accounts import find_account
from models.db import session_scope
from tests.dashboard.conftest import PASSWORD, World, token

NEW = "Brand-new-9pw"


def _sign_in(client: TestClient, username: str, password: str) -> tuple[int, dict]:
    response = client.post("/api/session", json={"username": username, "password": password})
    return response.status_code, response.json()


def _bearer(body: dict) -> dict[str, str]:
    return {"authorization": f"Bearer {body['token']}"}


def _new_unit_account(client: TestClient, world: World) -> str:
    """Made by the city for unit A, with a password the city chose."""
    name = f"new-{uuid.uuid4().hex[:6]}"
    made = client.post(
        "/api/accounts",
        json={"username": name, "password": PASSWORD, "role": "operator", "org_code": world.unit_a},
        headers=token(client, world.users["city"]),
    )
    assert made.status_code == 201, made.text
    assert made.json()["must_change_password"] is True
    return name


def test_a_new_account_changes_its_password_before_anything_else(
    client: TestClient, world: World
) -> None:
    name = _new_unit_account(client, world)
    status, body = _sign_in(client, name, PASSWORD)
    assert status == 200 and body["account"]["must_change_password"] is True
    headers = _bearer(body)
    for path in ("/api/me", f"/api/cycles/{world.cycle_id}/applications"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403 and refused.json()["code"] == "must_change_password"
    acted = client.post(
        f"/api/cycles/{world.cycle_id}/actions/recommend",
        json={"ids": [world.apps_a[0]]},
        headers=headers,
    )
    assert acted.status_code == 403
    page = client.get("/accounts", headers=headers, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/password")
    wrong = client.put(
        "/api/me/password", json={"old_password": "Wrong-1pw", "new_password": NEW}, headers=headers
    )
    assert wrong.status_code == 409 and wrong.json()["detail"] == "原密码不正确"
    weak = client.put(
        "/api/me/password",
        json={"old_password": PASSWORD, "new_password": "short"},
        headers=headers,
    )
    assert weak.status_code == 409 and "密码" in weak.json()["detail"]
    done = client.put(
        "/api/me/password", json={"old_password": PASSWORD, "new_password": NEW}, headers=headers
    )
    assert done.status_code == 204
    me = client.get("/api/me", headers=headers)
    assert me.status_code == 200 and me.json()["must_change_password"] is False
    assert _sign_in(client, name, PASSWORD)[0] == 401
    assert _sign_in(client, name, NEW)[0] == 200


def test_changing_a_password_ends_the_other_sign_ins(client: TestClient, world: World) -> None:
    name = world.users["unit_b"]
    here, there = token(client, name), token(client, name)
    changed = client.put(
        "/api/me/password", json={"old_password": PASSWORD, "new_password": NEW}, headers=here
    )
    assert changed.status_code == 204
    assert client.get("/api/me", headers=here).status_code == 200
    assert client.get("/api/me", headers=there).status_code == 401
    # Put back for the other tests of this database.
    back = client.put(
        "/api/me/password", json={"old_password": NEW, "new_password": PASSWORD}, headers=here
    )
    assert back.status_code == 204


def test_a_city_resets_a_password_one_level_down(client: TestClient, world: World) -> None:
    name = world.users["unit_a"]
    old_session = token(client, name)
    city = token(client, world.users["city"])
    reset = client.post(f"/api/accounts/{name}/password-reset", headers=city)
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["password"]
    assert temporary != PASSWORD
    assert client.get("/api/me", headers=old_session).status_code == 401
    assert _sign_in(client, name, PASSWORD)[0] == 401
    status, body = _sign_in(client, name, temporary)
    assert status == 200 and body["account"]["must_change_password"] is True
    listed = {a["username"]: a for a in client.get("/api/accounts", headers=city).json()}
    assert listed[name]["must_change_password"] is True and listed[name]["active"] is True
    with session_scope() as session:
        stored = find_account(session, name)
        assert stored is not None and temporary not in stored.password_hash


def test_only_the_level_above_manages_an_account(client: TestClient, world: World) -> None:
    lanzhou = token(client, world.users["lz-city"])
    unit = token(client, world.users["unit_a"])
    target = world.users["unit_b"]
    answers = [
        client.post(f"/api/accounts/{target}/password-reset", headers=lanzhou),
        client.post("/api/accounts/no-such-account/password-reset", headers=lanzhou),
        client.post(f"/api/accounts/{target}/deactivate", headers=lanzhou),
        # A unit's admin is not above its fellow unit; a city's admin not above its province.
        client.post(f"/api/accounts/{target}/password-reset", headers=unit),
        client.post(f"/api/accounts/{world.users['city']}/deactivate", headers=unit),
    ]
    assert [a.status_code for a in answers] == [403] * 5
    assert answers[0].json()["detail"].replace(target, "?") == answers[1].json()["detail"].replace(
        "no-such-account", "?"
    )
    assert _sign_in(client, target, PASSWORD)[0] == 200


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(
    client: TestClient, world: World
) -> None:
    name = world.users["dept"]
    session = token(client, name)
    city = token(client, world.users["city"])
    assert client.post(f"/api/accounts/{name}/deactivate", headers=city).status_code == 204
    assert client.get("/api/me", headers=session).status_code == 401
    status, body = _sign_in(client, name, PASSWORD)
    assert status == 401 and body["detail"] == "用户名或密码错误"
    listed = {a["username"]: a for a in client.get("/api/accounts", headers=city).json()}
    assert listed[name]["active"] is False
    assert client.post(f"/api/accounts/{name}/activate", headers=city).status_code == 204
    assert _sign_in(client, name, PASSWORD)[0] == 200


def test_the_accounts_page_shows_the_flags(client: TestClient, world: World) -> None:
    name = _new_unit_account(client, world)
    city = token(client, world.users["city"])
    page = client.get("/accounts", headers=city)
    assert page.status_code == 200
    assert f'data-account="{name}" data-active="yes" data-must-change="yes"' in page.text
    assert "待修改密码" in page.text
