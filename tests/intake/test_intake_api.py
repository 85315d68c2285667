"""The applicants' front end's door on SQLite and PostgreSQL: drafts written idempotently
through the declarations import, only by the intake account of that cycle; submission with
the declaration window's cut-off; a bad ID number refused in Chinese."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from models.application import Application
from models.cycle import Phase
from models.db import session_scope
from rules.idcard import make_id_number
from tests.dashboard.conftest import ROOT, Clocked, World, token
from tests.factories import next_people, stored_cycle
from tests.imports.makers import declaration_rows
from tests.imports.test_declarations import world as import_world

pytestmark = pytest.mark.usefixtures("db")


@dataclass
class Door:
    cycle_id: str
    other_cycle: str
    fields: dict[str, str]  # one applicant's declaration, without the ID number
    intake: dict[str, str]  # the front end's headers
    intake_name: str


def _male_id() -> str:
    """A man's number (a woman's declaration needs her former retirement age to be eligible),
    one no other test of this process used: 500 random numbers met in one session's database."""
    ((birth, sequence),) = next_people(1)  # odd sequence numbers: men
    return make_id_number("620102", birth, sequence)


def _intake_account(client: TestClient, admin: dict[str, str], cycle_id: str) -> tuple[str, str]:
    name = f"front-{uuid.uuid4().hex[:6]}"
    made = client.post(
        "/api/accounts",
        json={"username": name, "role": "intake", "cycle_id": cycle_id},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["role"] == "intake" and body["cycle_id"] == cycle_id and body["token"]
    return name, body["token"]


@pytest.fixture
def door(client: TestClient, root_account: str) -> Door:
    imported = import_world(1)
    (row,) = declaration_rows(imported.units, 1, imported.tag)
    row.pop("身份证号")
    admin = token(client, ROOT)
    name, secret = _intake_account(client, admin, imported.cycle_id)
    return Door(
        imported.cycle_id,
        stored_cycle(),
        row,
        {"authorization": f"Bearer {secret}"},
        name,
    )


def _put(
    client: TestClient, door: Door, id_number: str, headers: dict[str, str], **changes: str
) -> httpx.Response:
    return client.put(
        f"/api/cycles/{door.cycle_id}/declarations/{id_number}",
        json=door.fields | changes,
        headers=headers,
    )


def _applications_of(id_number: str) -> list[tuple[int, str, str | None]]:
    with session_scope() as session:
        found = session.exec(
            select(col(Application.id), col(Application.status), col(Application.series)).where(
                col(Application.person_id) == id_number
            )
        )
        return [(i, status, series) for i, status, series in found]


def _declaration_end(cycle_id: str) -> dt.datetime:
    with session_scope() as session:
        end = session.exec(
            select(col(Phase.end)).where(
                col(Phase.cycle_id) == cycle_id, col(Phase.key) == "declaration"
            )
        ).one()
    assert end is not None
    return end


def test_the_same_declaration_twice_is_one_draft(client: TestClient, door: Door) -> None:
    person = _male_id()
    first = _put(client, door, person, door.intake)
    assert first.status_code == 200, first.text
    assert first.json()["result"] == "created"
    record = first.json()["application"]
    assert record["status"] == "draft" and record["name"] == door.fields["姓名"]
    assert record["id_number"] != person and record["id_number"].count("*") >= 8
    assert first.json()["committee"]  # routed like an imported row
    again = _put(client, door, person, door.intake)
    assert again.status_code == 200 and again.json()["result"] == "unchanged"
    assert again.json()["application"]["id"] == record["id"]
    assert _applications_of(person) == [(record["id"], "draft", door.fields["系列"])]
    changed = _put(client, door, person, door.intake, 专业工作年限="9")
    assert changed.status_code == 200 and changed.json()["result"] == "updated"
    assert [a[0] for a in _applications_of(person)] == [record["id"]]


def test_only_the_intake_account_of_the_cycle_may_put(
    client: TestClient, door: Door, world: World
) -> None:
    person = _male_id()
    province = token(client, ROOT)
    unit = token(client, world.users["unit_a"])
    _, other_secret = _intake_account(client, province, door.other_cycle)
    other_intake = {"authorization": f"Bearer {other_secret}"}
    for headers in (province, unit, other_intake):
        refused = _put(client, door, person, headers)
        assert refused.status_code == 403, refused.text
        assert "申报接口账号" in refused.json()["detail"]
    assert _applications_of(person) == []
    # The front end touches nothing else: not the figures, not another cycle, not other actions.
    for path in ("/api/me", "/api/cycles", f"/api/cycles/{door.cycle_id}/overview", "/accounts"):
        assert client.get(path, headers=door.intake).status_code == 403, path
    written = _put(client, door, person, door.intake).json()["application"]["id"]
    for action, cycle in (("recommend", door.cycle_id), ("submit", door.other_cycle)):
        acted = client.post(
            f"/api/cycles/{cycle}/actions/{action}", json={"ids": [written]}, headers=door.intake
        )
        assert acted.status_code == 403, acted.text
    assert _applications_of(person)[0][1] == "draft"
    # Nor may the unit's own account write its applicants through the door of the front end.
    assert _put(client, door, _male_id(), unit).status_code == 403


def test_submission_closes_with_the_declaration_window(
    client: TestClient, door: Door, clock: Clocked
) -> None:
    early, late = _male_id(), _male_id()
    ids = [_put(client, door, p, door.intake).json()["application"]["id"] for p in (early, late)]
    end = _declaration_end(door.cycle_id)
    clock.now = end - dt.timedelta(seconds=1)
    before = client.post(
        f"/api/cycles/{door.cycle_id}/actions/submit", json={"ids": [ids[0]]}, headers=door.intake
    )
    assert before.status_code == 200, before.text
    assert before.json()["done"] == [ids[0]]
    clock.now = end + dt.timedelta(seconds=1)
    after = client.post(
        f"/api/cycles/{door.cycle_id}/actions/submit", json={"ids": [ids[1]]}, headers=door.intake
    )
    assert after.status_code == 409
    why = after.json()["refused"][str(ids[1])]
    assert "2024年10月20日24:00（北京时间）" in why and "截止" in why
    assert after.json()["codes"][str(ids[1])] == "closed"
    assert [a[1] for a in _applications_of(early)] == ["submitted"]
    assert [a[1] for a in _applications_of(late)] == ["draft"]
    # A submitted declaration is no longer a draft the front end may rewrite.
    clock.now = end - dt.timedelta(seconds=1)
    rewrite = _put(client, door, early, door.intake, 专业工作年限="10")
    assert rewrite.status_code == 422 and "已提交" in rewrite.json()["detail"]


def test_a_bad_id_number_is_refused_in_chinese(client: TestClient, door: Door) -> None:
    good = _male_id()
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")  # the check character spoiled
    refused = _put(client, door, bad, door.intake)
    assert refused.status_code == 422
    body = refused.json()
    assert body["detail"].startswith("申报信息有误，未写入：身份证号：")
    assert [(e["column"], e["value"]) for e in body["errors"]] == [("身份证号", bad)]
    assert "校验" in body["errors"][0]["why"]
    assert _applications_of(bad) == [] and _applications_of(good) == []
    mismatched = _put(client, door, good, door.intake, 身份证号=_male_id())
    assert mismatched.status_code == 422 and "不一致" in mismatched.json()["detail"]


def test_the_token_is_rotated_and_revoked(client: TestClient, door: Door) -> None:
    province = token(client, ROOT)
    old = door.intake
    rotated = client.post(f"/api/accounts/{door.intake_name}/token", headers=province)
    assert rotated.status_code == 200, rotated.text
    new = {"authorization": f"Bearer {rotated.json()['token']}"}
    assert _put(client, door, _male_id(), old).status_code == 401
    assert _put(client, door, _male_id(), new).status_code == 200
    revoked = client.delete(f"/api/accounts/{door.intake_name}/token", headers=province)
    assert revoked.status_code == 204
    assert _put(client, door, _male_id(), new).status_code == 401
    # The front end has no password to sign in with.
    signed = client.post("/api/session", json={"username": door.intake_name, "password": "none"})
    assert signed.status_code == 401


def test_a_city_cannot_make_or_manage_the_front_ends_account(
    client: TestClient, door: Door, world: World
) -> None:
    city = token(client, world.users["city"])
    made = client.post(
        "/api/accounts",
        json={"username": f"x-{uuid.uuid4().hex[:6]}", "role": "intake", "cycle_id": door.cycle_id},
        headers=city,
    )
    assert made.status_code == 409 and "省级系统管理员" in made.json()["detail"]
    rotated = client.post(f"/api/accounts/{door.intake_name}/token", headers=city)
    unknown = client.post("/api/accounts/nobody-at-all/token", headers=city)
    assert rotated.status_code == unknown.status_code == 403
    # The same words, but for the name asked about.
    assert rotated.json()["detail"].replace(door.intake_name, "?") == unknown.json()[
        "detail"
    ].replace("nobody-at-all", "?")
    assert _put(client, door, _male_id(), door.intake).status_code == 200


def test_the_door_is_documented_with_an_example(client: TestClient, door: Door) -> None:
    spec = client.get("/api/openapi.json", headers=door.intake).json()
    put = spec["paths"]["/api/cycles/{cycle_id}/declarations/{id_number}"]["put"]
    assert set(put["responses"]) >= {"200", "403", "409", "422"}
    body = put["requestBody"]["content"]["application/json"]
    example = next(iter(body["examples"].values()))["value"]
    assert {"单位统一社会信用代码", "姓名", "系列", "申报级别"} <= set(example)
