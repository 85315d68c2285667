"""Finding 10: integers past 64 bits in ids (path, query, form, JSON) and form bodies that
are not UTF-8 — even unsigned, on /login — answer 4xx in Chinese, never 500."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from dashboard.app import create_app
from tests.dashboard.conftest import Clocked, World, new_address, token

HUGE = 2**63
FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def plain(db: str, clock: Clocked) -> Iterator[TestClient]:
    """A client that shows a server error as the 500 a browser would get."""
    with TestClient(
        create_app(clock=clock), raise_server_exceptions=False, client=(new_address(), 50000)
    ) as c:
        yield c


def _refused_in_chinese(response: Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert re.search(r"[\u4e00-\u9fff]", response.text), response.text[:300]
    assert "Traceback" not in response.text


def test_huge_ids_are_refused_in_chinese(plain: TestClient, world: World) -> None:
    unit = token(plain, world.users["unit_a"])
    api = f"/api/cycles/{world.cycle_id}"
    for huge in (HUGE, -HUGE - 1, 10**30):
        _refused_in_chinese(plain.get(f"{api}/applications/{huge}", headers=unit))
        _refused_in_chinese(plain.get(f"{api}/applications?offset={huge}", headers=unit))
        _refused_in_chinese(
            plain.post(f"{api}/actions/recommend", json={"ids": [huge]}, headers=unit)
        )
    page = plain.get(f"/cycles/{world.cycle_id}/org/{world.unit_a}", headers=unit).text
    csrf = re.search(r'name="csrf" value="(\w+)"', page)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "action": "recommend", "id": str(HUGE)}
    _refused_in_chinese(plain.post(f"/cycles/{world.cycle_id}/act", data=form, headers=unit))
    accounts = plain.get("/accounts", headers=unit).text
    csrf = re.search(r'name="csrf" value="(\w+)"', accounts)
    assert csrf is not None
    made = {"csrf": csrf.group(1), "username": "x-huge", "password": "Quartz-meadow-83x"}
    made["target"] = f"c:{HUGE}"
    _refused_in_chinese(plain.post("/accounts", data=made, headers=unit))


def test_form_bodies_that_are_not_utf8_are_refused_in_chinese(
    plain: TestClient, world: World
) -> None:
    body = b"username=\xff\xfe\xfa&password=\xc3\x28"
    _refused_in_chinese(plain.post("/login", content=body, headers=FORM))
    unit = token(plain, world.users["unit_a"])
    for path in (f"/cycles/{world.cycle_id}/act", "/accounts", "/accounts/manage"):
        _refused_in_chinese(plain.post(path, content=body, headers={**FORM, **unit}))
