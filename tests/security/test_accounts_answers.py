"""Finding 5 (accounts): POST /api/accounts answers a caller without the right to create an
account the same way whether or not the username is taken and the organisation exists."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.dashboard.conftest import PASSWORD, World, token


def _create(client: TestClient, headers: dict[str, str], username: str, org: str) -> tuple:
    body = {"username": username, "password": PASSWORD, "role": "operator", "org_code": org}
    answer = client.post("/api/accounts", json=body, headers=headers)
    detail = answer.json()["detail"].replace(username, "?").replace(org, "?")
    return answer.status_code, answer.json().get("code"), detail


def test_a_viewer_learns_nothing_of_usernames(client: TestClient, world: World) -> None:
    viewer = token(client, world.users["viewer_a"])
    taken = _create(client, viewer, world.users["unit_b"], world.unit_a)
    free = _create(client, viewer, "nobody-has-this-name", world.unit_a)
    assert taken == free and taken[0] == 409


def test_a_city_learns_nothing_of_another_citys_organisations_or_usernames(
    client: TestClient, world: World
) -> None:
    city = token(client, world.users["city"])
    answers = {
        "other city's unit, taken name": _create(
            client, city, world.users["lz-unit"], world.lanzhou
        ),
        "other city's unit, free name": _create(client, city, "free-name-x1", world.lanzhou),
        "no such organisation, taken name": _create(
            client, city, world.users["lz-unit"], "no-such-org"
        ),
        "no such organisation, free name": _create(client, city, "free-name-x2", "no-such-org"),
    }
    assert len(set(answers.values())) == 1, answers
    status, code, detail = next(iter(answers.values()))
    assert status == 409 and code == "not_allowed" and "逐级创建" in detail
