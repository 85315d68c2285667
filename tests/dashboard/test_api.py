"""The JSON API: sign-in and sessions, top-down accounts, scoped figures and the actions
through the service layer — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from models.accounts import Account, find_account
from models.application import Application, AuditEvent
from models.db import session_scope
from models.services import actions_taken_by
from tests.dashboard.conftest import PASSWORD, ROOT, Clocked, World, token
from tests.factories import bj, status_of


def test_sign_in_refuses_a_wrong_password_without_saying_which_part_was_wrong(
    client: TestClient, world: World
) -> None:
    wrong = client.post("/api/session", json={"username": world.users["city"], "password": "x1"})
    unknown = client.post("/api/session", json={"username": "nobody-here", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "用户名或密码错误"


def test_passwords_are_stored_hashed(world: World) -> None:
    with session_scope() as session:
        stored = find_account(session, world.users["unit_a"])
        assert stored is not None
        assert PASSWORD not in stored.password_hash
        assert stored.password_hash.startswith("scrypt$")


def test_a_session_expires(client: TestClient, world: World, clock: Clocked) -> None:
    client.app.state.security_clock = clock  # sign-ins follow their own clock (not a drill's)
    headers = token(client, world.users["unit_a"])
    assert client.get("/api/me", headers=headers).status_code == 200
    clock.now = clock.now + dt.timedelta(hours=8, seconds=1)
    expired = client.get("/api/me", headers=headers)
    assert expired.status_code == 401
    assert "请先登录" in expired.json()["detail"]


def test_no_call_without_a_session(client: TestClient, world: World) -> None:
    response = client.get(f"/api/cycles/{world.cycle_id}/overview")
    assert response.status_code == 401


def _create(
    client: TestClient,
    headers: dict[str, str],
    username: str,
    org: str,
    role: str = "operator",
    password: str = "Another-ledger-31",
) -> Any:
    body = {"username": username, "password": password, "role": role, "org_code": org}
    return client.post("/api/accounts", json=body, headers=headers)


def test_accounts_are_created_top_down(client: TestClient, world: World) -> None:
    city = token(client, world.users["city"])
    made = _create(client, city, f"op-{world.unit_a}", world.unit_a)
    assert made.status_code == 201, made.text
    assert made.json()["org_code"] == world.unit_a
    # Jiayuguan cannot create Lanzhou's accounts, a viewer cannot create anyone, a unit's
    # admin cannot set a weak password.
    other_city = _create(client, city, f"x-{world.lanzhou}", world.lanzhou, role="admin")
    assert other_city.status_code == 409
    assert "逐级创建" in other_city.json()["detail"]
    viewer = token(client, world.users["viewer_a"])
    by_viewer = _create(client, viewer, f"y-{world.unit_a}", world.unit_a, role="viewer")
    assert by_viewer.status_code == 409 and "只有系统管理员" in by_viewer.json()["detail"]
    unit = token(client, world.users["unit_a"])
    weak = _create(client, unit, f"z-{world.unit_a}", world.unit_a, "viewer", password="short")
    assert weak.status_code == 409 and "密码" in weak.json()["detail"]
    with session_scope() as session:
        created = find_account(session, f"op-{world.unit_a}")
        creator = find_account(session, world.users["city"])
        assert created is not None and creator is not None
        assert created.created_by == creator.id
        assert find_account(session, f"x-{world.lanzhou}") is None


def test_a_city_is_refused_another_citys_page(client: TestClient, world: World) -> None:
    city = token(client, world.users["city"])
    own = client.get(f"/api/cycles/{world.cycle_id}/overview", headers=city)
    assert own.status_code == 200 and own.json()["org_code"] == "620200"
    other = client.get(f"/api/cycles/{world.cycle_id}/overview?org=620100", headers=city)
    assert other.status_code == 403
    assert other.json() == {"detail": "无权访问：该内容不在您的管辖范围内"}
    lanzhou_unit = client.get(
        f"/api/cycles/{world.cycle_id}/applications?org={world.lanzhou}", headers=city
    )
    assert lanzhou_unit.status_code == 403


def test_a_unit_sees_its_own_applications_masked_and_is_refused_another_units(
    client: TestClient, world: World
) -> None:
    unit = token(client, world.users["unit_a"])
    mine = client.get(f"/api/cycles/{world.cycle_id}/applications", headers=unit).json()
    assert sorted(a["id"] for a in mine) == sorted(world.apps_a)
    assert all("*" in a["id_number"] and len(a["id_number"]) == 18 for a in mine)
    own = client.get(f"/api/cycles/{world.cycle_id}/applications/{world.apps_a[0]}", headers=unit)
    assert own.status_code == 200 and own.json()["status"] == "submitted"
    other = client.get(f"/api/cycles/{world.cycle_id}/applications/{world.apps_b[0]}", headers=unit)
    assert other.status_code == 403
    assert "不在您的管辖范围内" in other.json()["detail"]
    assert "name" not in other.json()


def test_a_department_sees_only_the_units_it_supervises(client: TestClient, world: World) -> None:
    dept = token(client, world.users["dept"])
    seen = client.get(f"/api/cycles/{world.cycle_id}/applications", headers=dept).json()
    assert sorted(a["id"] for a in seen) == sorted(world.apps_a)
    assert (
        client.get(
            f"/api/cycles/{world.cycle_id}/overview?org={world.unit_b}", headers=dept
        ).status_code
        == 403
    )


def test_a_unit_returns_and_the_fourth_return_is_refused(
    client: TestClient, world: World, clock: Clocked
) -> None:
    unit = token(client, world.users["unit_a"])
    url = f"/api/cycles/{world.cycle_id}/actions"
    app_id = world.apps_a[0]
    for n in range(3):
        back = client.post(
            f"{url}/return",
            json={"ids": [app_id], "reason": f"第{n + 1}次：补充业绩材料"},
            headers=unit,
        )
        assert back.status_code == 200 and back.json()["done"] == [app_id], back.text
        again = client.post(f"{url}/resubmit", json={"ids": [app_id]}, headers=unit)
        assert again.json()["done"] == [app_id], again.text
    fourth = client.post(
        f"{url}/return", json={"ids": [app_id], "reason": "再补材料"}, headers=unit
    )
    assert fourth.status_code == 409
    assert "达到上限 3 次" in fourth.json()["refused"][str(app_id)]
    assert fourth.json()["codes"] == {str(app_id): "return_limit"}
    with session_scope() as session:
        row = session.get(Application, app_id)
        assert row is not None and row.locked and row.return_count == 3
        actors = set(
            session.exec(select(AuditEvent.actor).where(AuditEvent.application_id == app_id)).all()
        )
    assert any(world.users["unit_a"] in a for a in actors)


def test_a_return_needs_the_reasons(client: TestClient, world: World) -> None:
    unit = token(client, world.users["unit_a"])
    response = client.post(
        f"/api/cycles/{world.cycle_id}/actions/return", json={"ids": world.apps_a[:1]}, headers=unit
    )
    assert response.status_code == 409
    assert "一次性写明" in response.json()["refused"][str(world.apps_a[0])]
    assert status_of(world.apps_a[0]) == "submitted"


def test_recommending_after_the_cut_off_is_refused_to_the_second(
    client: TestClient, world: World, clock: Clocked
) -> None:
    url = f"/api/cycles/{world.cycle_id}/actions/recommend"
    clock.now = bj(2024, 11, 1, 0, 0, 0)
    unit = token(client, world.users["unit_a"])
    late = client.post(url, json={"ids": world.apps_a[:1]}, headers=unit)
    assert late.status_code == 409
    assert "2024年10月31日24:00（北京时间）" in late.json()["refused"][str(world.apps_a[0])]
    assert late.json()["codes"] == {str(world.apps_a[0]): "closed"}
    clock.now = bj(2024, 10, 31, 23, 59, 59)
    in_time = client.post(url, json={"ids": world.apps_a[:1]}, headers=unit)
    assert in_time.json()["done"] == world.apps_a[:1]
    assert status_of(world.apps_a[0]) == "recommended"


def test_acting_on_another_units_application_is_refused_whole(
    client: TestClient, world: World
) -> None:
    unit = token(client, world.users["unit_a"])
    response = client.post(
        f"/api/cycles/{world.cycle_id}/actions/recommend",
        json={"ids": [world.apps_a[1], world.apps_b[0]]},
        headers=unit,
    )
    assert response.status_code == 403
    assert status_of(world.apps_a[1]) == status_of(world.apps_b[0]) == "submitted"


def test_roles_and_kinds_limit_the_actions(client: TestClient, world: World) -> None:
    url = f"/api/cycles/{world.cycle_id}/actions"
    viewer = token(client, world.users["viewer_a"])
    assert (
        client.post(f"{url}/recommend", json={"ids": world.apps_a[:1]}, headers=viewer).status_code
        == 403
    )
    dept = token(client, world.users["dept"])
    refused = client.post(f"{url}/recommend", json={"ids": world.apps_a[:1]}, headers=dept)
    assert refused.status_code == 403 and "不能审核推荐" in refused.json()["detail"]
    bad = client.post(f"{url}/promote", json={"ids": world.apps_a[:1]}, headers=dept)
    assert bad.status_code == 403 and "不支持的操作" in bad.json()["detail"]
    # The service layer's own name for a verdict; "result" is no action.
    assert client.post(f"{url}/result", json={"ids": [1]}, headers=dept).status_code == 403
    empty = client.post(f"{url}/recommend", json={"ids": []}, headers=dept)
    assert empty.status_code == 422 and "请求内容有误" in empty.json()["detail"]
    assert status_of(world.apps_a[0]) == "submitted"


def test_the_openapi_document_and_its_page_are_served_locally(
    client: TestClient, world: World
) -> None:
    signed = token(client, world.users["viewer_a"])
    spec = client.get("/api/openapi.json", headers=signed).json()
    assert "/api/cycles/{cycle_id}/actions/{action}" in spec["paths"]
    act = spec["paths"]["/api/cycles/{cycle_id}/actions/{action}"]["post"]
    (action,) = [p for p in act["parameters"] if p["name"] == "action"]
    assert action["schema"]["enum"] == [
        "submit",
        "resubmit",
        "return",
        "recommend",
        "collective_review",
        "publicity_report",
        "commission_letter",
        "forward",
        "pass",
        "fail",
        "object",
    ]
    assert "/api/cycles/{cycle_id}/overview" in spec["paths"]
    page = client.get("/api/docs", headers=signed).text
    assert "/static/swagger/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/static/api-docs.js").status_code == 200
    asset = client.get("/static/swagger/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


@pytest.mark.parametrize(
    ("kind", "actions"),
    [
        (
            "unit",
            {"submit", "resubmit", "return", "recommend", "collective_review", "publicity_report"},
        ),
        (
            "agency",
            {"submit", "resubmit", "return", "recommend", "collective_review", "publicity_report"},
        ),
        ("department", {"return", "forward"}),
        ("committee", {"pass", "fail"}),
        ("city", {"object", "commission_letter"}),
        ("province", {"object", "commission_letter"}),
        ("county", set()),
    ],
)
def test_what_each_kind_of_account_may_do(kind: str, actions: set[str]) -> None:
    assert actions_taken_by(kind) == actions


def test_the_root_account_exists_once(world: World) -> None:
    with session_scope() as session:
        roots = session.exec(select(Account).where(col(Account.created_by).is_(None))).all()
    assert [a.username for a in roots] == [ROOT]


def test_repeated_wrong_passwords_pause_the_account(
    client: TestClient, world: World, clock: Clocked
) -> None:
    client.app.state.security_clock = clock  # pauses follow their own clock (not a drill's)
    user = world.users["unit_b"]
    for _ in range(5):
        wrong = client.post("/api/session", json={"username": user, "password": "guess-1234"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "用户名或密码错误"
    paused = client.post("/api/session", json={"username": user, "password": PASSWORD})
    assert paused.status_code == 401
    assert paused.json()["detail"] == "用户名或密码错误"  # paused: told as any wrong input
    clock.now = clock.now + dt.timedelta(minutes=15)
    assert (
        client.post("/api/session", json={"username": user, "password": PASSWORD}).status_code
        == 200
    )
    with session_scope() as session:
        account = find_account(session, user)
        assert account is not None and account.failed_logins == 0 and account.locked_until is None
