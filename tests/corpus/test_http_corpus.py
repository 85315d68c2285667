"""Bad HTTP requests: each of the cases below is answered 4xx with a Chinese message — as
JSON on the API, as the error page on pages — none 5xx, no traceback logged, and the
database's contents are the same after all of them as before (a checksum over every table).

The accounts' sessions are opened before the first checksum; no case signs in (a wrong
password is written down, as it should be), so nothing a case does may change a table."""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from tests.corpus.checksums import changed_tables, table_digests
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

# The dashboard's small world and its client, taken by name as fixtures below.
FIXTURES = (client, clock, root_account, world)

CHINESE = re.compile(r"[\u4e00-\u9fff]")
HUGE = 2**63
FORM = "application/x-www-form-urlencoded"
VALID_ID = "620102199001011232"


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    who: str | None = None  # which session's bearer token, or unsigned
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    form: dict[str, str] | None = None  # urlencoded, with the session's CSRF token added
    headers: dict[str, str] | None = None


def _cases(w: World, intake_cycle: str) -> list[Case]:
    c = w.cycle_id
    api = f"/api/cycles/{c}"
    act = f"{api}/actions/recommend"
    mine = w.apps_a[0]
    door = f"/api/cycles/{intake_cycle}/declarations/{VALID_ID}"
    declaration = {
        "单位统一社会信用代码": w.unit_a,
        "姓名": "张三",
        "系列": "工程",
        "申报级别": "副高级",
    }
    return [
        # sign-in, unsigned
        Case(
            "login: form not UTF-8",
            "POST",
            "/login",
            content=b"username=\xff\xfe&password=\xc3(",
            content_type=FORM,
        ),
        Case(
            "login: NUL in the form",
            "POST",
            "/login",
            content=b"username=a%00b&password=x",
            content_type=FORM,
        ),
        Case(
            "session: malformed JSON",
            "POST",
            "/api/session",
            content=b'{"username": ',
            content_type="application/json",
        ),
        Case("session: JSON array", "POST", "/api/session", json=[]),
        Case(
            "session: wrong types", "POST", "/api/session", json={"username": 1, "password": ["x"]}
        ),
        Case("session: missing fields", "POST", "/api/session", json={}),
        Case(
            "session: JSON not UTF-8",
            "POST",
            "/api/session",
            content=b'{"username": "\xff\xfe", "password": "x"}',
            content_type="application/json",
        ),
        Case(
            "session: NUL in JSON",
            "POST",
            "/api/session",
            json={"username": "a\u0000b", "password": "x"},
        ),
        Case(
            "session: 2 MB body",
            "POST",
            "/api/session",
            content=json.dumps({"username": "a" * 2_000_000, "password": "x"}).encode(),
            content_type="application/json",
        ),
        Case("me: no session", "GET", "/api/me"),
        Case(
            "me: a made-up token", "GET", "/api/me", headers={"authorization": "Bearer ' OR 1=1 --"}
        ),
        Case("no such page", "GET", "/no/such/page"),
        Case("no such API path", "GET", "/api/no-such-thing"),
        Case("login: wrong method", "DELETE", "/login"),
        Case("session: wrong method", "PUT", "/api/session", json={}),
        Case("static: dot-dot", "GET", "/static/../../../etc/passwd"),
        Case("static: encoded dot-dot", "GET", "/static/%2e%2e/%2e%2e/etc/passwd"),
        Case("NUL in the path", "GET", "/api/cycles/%00/overview", who="city"),
        Case("NUL in the query", "GET", "/verify?code=abc%00def"),
        Case("foreign host name", "GET", "/login", headers={"host": "evil.example"}),
        # the API, signed in
        Case("application: id 2^63", "GET", f"{api}/applications/{HUGE}", who="unit_a"),
        Case("application: negative id", "GET", f"{api}/applications/-1", who="unit_a"),
        Case("application: id not a number", "GET", f"{api}/applications/abc", who="unit_a"),
        Case("application: unknown id", "GET", f"{api}/applications/987654321", who="unit_a"),
        Case("application: another unit's", "GET", f"{api}/applications/{mine}", who="lz-unit"),
        Case("applications: limit 0", "GET", f"{api}/applications?limit=0", who="city"),
        Case(
            "applications: limit a million", "GET", f"{api}/applications?limit=1000000", who="city"
        ),
        Case("applications: offset 2^64", "GET", f"{api}/applications?offset={2**64}", who="city"),
        Case("applications: offset negative", "GET", f"{api}/applications?offset=-1", who="city"),
        Case(
            "applications: limit not a number", "GET", f"{api}/applications?limit=ten", who="city"
        ),
        Case("overview: unknown cycle", "GET", "/api/cycles/no-such-cycle/overview", who="city"),
        Case(
            "overview: unknown organisation", "GET", f"{api}/overview?org=NO-SUCH-ORG", who="city"
        ),
        Case("overview: another city", "GET", f"{api}/overview?org=620100", who="city"),
        Case("action: ids a string", "POST", act, who="unit_a", json={"ids": "1"}),
        Case("action: no ids", "POST", act, who="unit_a", json={"ids": []}),
        Case("action: id 2^63", "POST", act, who="unit_a", json={"ids": [HUGE]}),
        Case("action: id -2^63-1", "POST", act, who="unit_a", json={"ids": [-HUGE - 1]}),
        Case("action: id a fraction", "POST", act, who="unit_a", json={"ids": [1.5]}),
        Case("action: id null", "POST", act, who="unit_a", json={"ids": [None]}),
        Case("action: 5001 ids", "POST", act, who="unit_a", json={"ids": list(range(1, 5002))}),
        Case(
            "action: reason not text",
            "POST",
            act,
            who="unit_a",
            json={"ids": [mine], "reason": {"a": 1}},
        ),
        Case(
            "action: unknown action",
            "POST",
            f"{api}/actions/destroy",
            who="unit_a",
            json={"ids": [mine]},
        ),
        Case(
            "action: another unit's application", "POST", act, who="lz-unit", json={"ids": [mine]}
        ),
        Case("action: a viewer acts", "POST", act, who="viewer_a", json={"ids": [mine]}),
        Case(
            "action: malformed JSON",
            "POST",
            act,
            who="unit_a",
            content=b'{"ids": [1,',
            content_type="application/json",
        ),
        Case(
            "action: body as plain text",
            "POST",
            act,
            who="unit_a",
            content=b"ids=1",
            content_type="text/plain",
        ),
        Case(
            "action: JSON not UTF-8",
            "POST",
            act,
            who="unit_a",
            content=b'{"ids": [1], "reason": "\xff"}',
            content_type="application/json",
        ),
        Case("action: wrong method", "GET", act, who="unit_a"),
        # the applicants' front end's door
        Case("door: not the intake account", "PUT", door, who="city", json=declaration),
        Case(
            "door: another cycle",
            "PUT",
            f"{api}/declarations/{VALID_ID}",
            who="intake",
            json=declaration,
        ),
        Case(
            "door: a bad date",
            "PUT",
            door,
            who="intake",
            json={**declaration, "参加工作时间": "2012-13-45"},
        ),
        Case(
            "door: a bad ID number",
            "PUT",
            f"/api/cycles/{intake_cycle}/declarations/620102199001011233",
            who="intake",
            json=declaration,
        ),
        Case("door: required fields missing", "PUT", door, who="intake", json={"姓名": "张三"}),
        Case("door: fields a list", "PUT", door, who="intake", json=[["姓名", "张三"]]),
        Case(
            "door: a value not text",
            "PUT",
            door,
            who="intake",
            json={**declaration, "专业工作年限": 12},
        ),
        # pages and their forms, signed in
        Case("page: unknown cycle", "GET", "/cycles/no-such-cycle/org/620200", who="city"),
        Case("page: organisation code 2^63", "GET", f"/cycles/{c}/org/{HUGE}", who="city"),
        Case(
            "page: unknown committee",
            "GET",
            f"/cycles/{c}/committees/no-such-committee",
            who="unit_a",
        ),
        Case("page: path with dot-dot", "GET", f"/cycles/{c}/org/..%2f..%2faccounts", who="city"),
        Case(
            "form: no CSRF token",
            "POST",
            f"/cycles/{c}/act",
            who="unit_a",
            content=f"action=recommend&id={mine}".encode(),
            content_type=FORM,
        ),
        Case(
            "form: id not a number",
            "POST",
            f"/cycles/{c}/act",
            who="unit_a",
            form={"action": "recommend", "id": "abc"},
        ),
        Case(
            "form: id 2^63",
            "POST",
            f"/cycles/{c}/act",
            who="unit_a",
            form={"action": "recommend", "id": str(HUGE)},
        ),
        Case(
            "form: id of 5000 digits",
            "POST",
            f"/cycles/{c}/act",
            who="unit_a",
            form={"action": "recommend", "id": "9" * 5000},
        ),
        Case(
            "form: unknown action",
            "POST",
            f"/cycles/{c}/act",
            who="unit_a",
            form={"action": "destroy", "id": str(mine)},
        ),
        Case(
            "form: not UTF-8",
            "POST",
            f"/cycles/{c}/act",
            who="unit_a",
            content=b"csrf=x&action=\xff",
            content_type=FORM,
        ),
        Case(
            "accounts: unknown role",
            "POST",
            "/accounts",
            who="unit_a",
            form={
                "username": f"r-{w.unit_a}",
                "password": "Quartz-meadow-83r",
                "role": "superuser",
                "target": w.unit_a,
            },
        ),
        Case(
            "accounts: committee id 2^63",
            "POST",
            "/accounts",
            who="city",
            form={
                "username": f"h-{w.unit_a}",
                "password": "Quartz-meadow-83h",
                "role": "viewer",
                "target": f"c:{HUGE}",
            },
        ),
        Case(
            "accounts: unknown operation",
            "POST",
            "/accounts/manage",
            who="unit_a",
            form={"username": w.users["viewer_a"], "do": "explode"},
        ),
        Case(
            "accounts: another's account",
            "POST",
            "/accounts/manage",
            who="unit_b",
            form={"username": w.users["viewer_a"], "do": "deactivate"},
        ),
        Case("imports: not an admin of the province or a city", "GET", "/imports", who="unit_a"),
        Case(
            "imports: not multipart",
            "POST",
            "/imports",
            who="root",
            content=b"kind=orgs",
            content_type=FORM,
        ),
        Case(
            "imports: a path as the upload",
            "POST",
            "/imports/confirm",
            who="root",
            form={"upload": "../../etc/passwd"},
        ),
        Case("imports: unknown template", "GET", "/imports/templates/nope.xlsx", who="root"),
    ]


@pytest.fixture
def plain(client: TestClient) -> Iterator[TestClient]:
    """The app without the test client's re-raising: a server error is the 500 it would be."""
    with unraised(client) as c:
        yield c


def _intake(client: TestClient, admin: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The applicants' front end's account for a cycle of its own, and its headers."""
    from tests.factories import stored_cycle

    cycle = stored_cycle()
    made = client.post(
        "/api/accounts",
        json={"username": f"door-{uuid.uuid4().hex[:6]}", "role": "intake", "cycle_id": cycle},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    return cycle, {"authorization": f"Bearer {made.json()['token']}"}


def _send(
    c: TestClient, case: Case, heads: dict[str, dict[str, str]], csrf: Callable[[str], str]
) -> Response:
    headers = dict(heads.get(case.who or "", {}))
    headers.update(case.headers or {})
    content = case.content
    if case.form is not None:
        form = {**case.form, "csrf": csrf(case.who or "")}
        content = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        headers["content-type"] = FORM
    elif case.content_type:
        headers["content-type"] = case.content_type
    if case.json is not None:
        return c.request(case.method, case.path, json=case.json, headers=headers)
    return c.request(case.method, case.path, content=content, headers=headers)


def test_bad_http_requests_are_refused_in_chinese_and_change_nothing(
    plain: TestClient,
    world: World,
    db: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    heads = {
        who: token(plain, world.users[who])
        for who in ("city", "unit_a", "unit_b", "lz-unit", "viewer_a")
    }
    heads["root"] = token(plain, ROOT)
    intake_cycle, heads["intake"] = _intake(plain, heads["root"])
    pages = {
        who: plain.get("/accounts", headers=h).text for who, h in heads.items() if who != "intake"
    }

    def csrf(who: str) -> str:
        found = re.search(r'name="csrf" value="(\w+)"', pages[who])
        assert found is not None
        return found.group(1)

    cases = _cases(world, intake_cycle)
    assert len(cases) >= 40
    before = table_digests(db)
    problems = []
    with caplog.at_level(logging.ERROR):
        for case in cases:
            answer = _send(plain, case, heads, csrf)
            body = answer.text
            if not 400 <= answer.status_code < 500:
                problems.append(f"{case.name}: {answer.status_code} {body[:200]}")
            elif not CHINESE.search(body) or "Traceback" in body:
                problems.append(
                    f"{case.name}: {answer.status_code} without a Chinese message: {body[:200]}"
                )
    after = table_digests(db)
    assert problems == []
    logged = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert logged == [], [r.getMessage() for r in logged]
    assert changed_tables(before, after) == []
