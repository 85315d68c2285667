"""The pages are not in the OpenAPI document, so schemathesis never reaches them: here every
page route and form, and the API's free-text parameters, take a grid of odd values (empty,
5,000 characters, broken percent-escapes, dot-dot, emoji, SQL, markup, a 70-bit number, a
bidi override), unsigned and signed in. No answer is 5xx, and every 4xx says why in Chinese.
(Some of these requests are valid and do act: the database is not compared here.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.dashboard.conftest import (
    ROOT,
    World,
    client,
    clock,
    root_account,
    token,
    unraised,
    world,
)

FIXTURES = (client, clock, root_account, world)  # the dashboard's world, taken by name below
CHINESE = re.compile(r"[\u4e00-\u9fff]")
ODD = [
    "",
    "x" * 5000,
    "%ff",
    "%C0%AF",
    "%E4%B8",
    "..%2f..",
    "😀",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    str(2**70),
    "-1",
    "a/b",
    "\u202e",
]


@pytest.fixture
def plain(client: TestClient) -> Iterator[TestClient]:
    with unraised(client) as c:
        yield c


def _problem(answer: Response) -> str | None:
    if answer.status_code >= 500:
        return f"{answer.status_code} {answer.text[:120]}"
    if answer.status_code >= 400 and not CHINESE.search(answer.text):
        return f"{answer.status_code} without Chinese: {answer.text[:120]}"
    return None


def test_page_routes_take_odd_values(plain: TestClient, world: World) -> None:
    c = world.cycle_id
    heads = {"city": token(plain, world.users["city"]), "root": token(plain, ROOT), "none": {}}
    problems = []
    for who, headers in heads.items():
        for v in ODD:
            for path in (
                f"/cycles/{v}",
                f"/cycles/{c}/org/{v}",
                f"/cycles/{v}/org/620200",
                f"/cycles/{c}/committees/{v}",
                f"/cycles/{v}/committees",
                f"/cycles/{v}/filing",
                f"/cycles/{c}/org/620200?status={v}",
                f"/verify?code={v}",
                f"/login?next={v}",
                f"/password?next={v}",
                f"/imports/templates/{v}.xlsx",
                f"/static/{v}",
                f"/api/cycles/{c}/applications?status={v}&org={v}",
                f"/api/cycles/{c}/overview?org={v}",
                f"/api/cycles/{v}/committees",
                f"/api/cycles/{v}/filing",
            ):
                found = _problem(plain.get(path, headers=headers))
                if found:
                    problems.append(f"{who} GET {path[:80]}: {found}")
    assert problems == []


def test_forms_take_odd_values(plain: TestClient, world: World) -> None:
    c = world.cycle_id
    app_id = str(world.apps_a[0])
    problems = []
    for who in ("unit_a", "root"):
        headers = token(plain, world.users.get(who, ROOT))
        page = plain.get("/accounts", headers=headers).text
        found = re.search(r'name="csrf" value="(\w+)"', page)
        assert found is not None
        csrf = found.group(1)
        for v in [*ODD, "y" * 300_000]:
            for path, form in (
                (f"/cycles/{c}/act", {"back": v, "action": v, "id": app_id, "reason": v}),
                (f"/cycles/{c}/act", {"back": v, "action": "return", "id": app_id, "reason": v}),
                ("/accounts", {"username": v, "password": v, "role": "viewer", "target": v}),
                ("/accounts", {"username": v, "password": "Quartz-meadow-83q", "role": v}),
                ("/accounts/manage", {"username": v, "do": "reset"}),
                ("/imports/confirm", {"upload": v}),
                ("/login", {"username": v, "password": v, "next": v}),
            ):
                answer = plain.post(path, data={**form, "csrf": csrf}, headers=headers)
                if problem := _problem(answer):
                    problems.append(f"{who} POST {path} {v[:20]!r}: {problem}")
    assert problems == []
