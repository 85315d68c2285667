"""A small world for the dashboard: a stored 2024 Jiayuguan cycle, two units of Jiayuguan
with submitted applications, a unit in Lanzhou, and accounts created top-down from the
province's root account."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import pytest
from fastapi.testclient import TestClient

from dashboard.app import create_app
from models import services
from models.accounts import create_account, find_account
from models.db import session_scope
from models.org import Organisation
from tests.factories import bj, drafts, stored_cycle, unit_in_tree

# TestClient calls its server "testserver": a test host among the allowed host names.
os.environ.setdefault("ZHICHENG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

PASSWORD = "Ridge-lantern-47"
ROOT = "root-province"
# Inside the declaration window (unit review runs from its opening, 随报随审).
DURING_REVIEW = bj(2024, 9, 20, 10)


def account(
    username: str,
    *,
    by: str | None,
    org: str | None = None,
    committee: int | None = None,
    role: str = "admin",
    once: bool = False,
) -> str:
    """``once``: an account that already exists (shared by several tests) is kept as it is."""
    with session_scope() as session:
        if once and find_account(session, username) is not None:
            return username
        creator = find_account(session, by) if by else None
        create_account(
            session,
            by=creator,
            username=username,
            password=PASSWORD,
            role=role,
            now=bj(2024, 9, 1),
            org_code=org,
            committee_id=committee,
        )
    return username


@pytest.fixture(scope="session")
def root_account(database: str) -> str:
    """The province's first admin: created once per database, by nobody."""
    from models.settings import settings

    os.environ["ZHICHENG_DATABASE_URL"] = database
    settings.cache_clear()
    with session_scope() as session:
        exists = find_account(session, ROOT) is not None
    if not exists:
        unit_in_tree()  # makes sure the province and Jiayuguan exist
        account(ROOT, by=None, org="620000")
    return ROOT


@dataclass
class World:
    cycle_id: str
    unit_a: str
    unit_b: str
    department: str
    lanzhou: str
    apps_a: list[int]
    apps_b: list[int]
    users: dict[str, str] = field(default_factory=dict)


def _code(unit_id: int) -> tuple[str, str]:
    with session_scope() as session:
        unit = session.get(Organisation, unit_id)
        assert unit is not None
        dept = session.get(Organisation, unit.department_id)
        assert dept is not None
        return unit.code, dept.code


@pytest.fixture
def world(db: str, root_account: str) -> World:
    """Accounts: the city of Jiayuguan (by the province), its department and unit A (by the
    city), unit B, Lanzhou and its unit; unit A's and B's applications submitted."""
    cycle_id = stored_cycle()
    tag = uuid.uuid4().hex[:6]
    a_id, b_id = unit_in_tree(f"a{tag}"), unit_in_tree(f"b{tag}")
    apps_a = drafts(cycle_id, 3, unit_id=a_id)
    apps_b = drafts(cycle_id, 2, unit_id=b_id)
    with session_scope() as session:
        services.submit(session, cycle_id, apps_a + apps_b, now=bj(2024, 9, 15, 9), actor="申报人")
    (unit_a, dept), (unit_b, _) = _code(a_id), _code(b_id)
    lanzhou, _ = _code(unit_in_tree(f"lz{tag}", "620100", "兰州市"))
    w = World(cycle_id, unit_a, unit_b, dept, lanzhou, apps_a, apps_b)
    users = w.users
    users["city"] = _once("jyg-city-admin", by=ROOT, org="620200")
    users["lz-city"] = _once("lz-city-admin", by=ROOT, org="620100")
    users["dept"] = account(f"dept-{tag}", by=users["city"], org=dept)
    users["unit_a"] = account(f"ua-{tag}", by=users["city"], org=unit_a)
    users["unit_b"] = account(f"ub-{tag}", by=users["city"], org=unit_b)
    users["lz-unit"] = account(f"lzu-{tag}", by=users["lz-city"], org=lanzhou)
    users["viewer_a"] = account(f"va-{tag}", by=users["unit_a"], org=unit_a, role="viewer")
    return w


_once = partial(account, once=True)


Clock = Callable[[], dt.datetime]


class Clocked:
    """A fixed "now" the test can move."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clocked:
    return Clocked(DURING_REVIEW)


_ADDRESSES = itertools.count(1)


def new_address() -> str:
    """A client address no other test of the session uses (a private range): the sign-in
    throttle counts failures per address in the session's database, and every TestClient
    otherwise comes from the same one, so one test's wrong passwords would block the next."""
    n = next(_ADDRESSES)
    return f"10.77.{n // 250}.{n % 250 + 1}"


@pytest.fixture
def client(db: str, clock: Clocked) -> Iterator[TestClient]:
    with TestClient(create_app(clock=clock), client=(new_address(), 50000)) as c:
        yield c


def unraised(client: TestClient) -> TestClient:
    """The same app without the test client's re-raising: a server error is the 500 it would
    be (the corpus counts them), from an address of its own."""
    return TestClient(
        create_app(clock=client.app.state.clock),
        raise_server_exceptions=False,
        client=(new_address(), 50000),
    )


def token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['token']}"}
