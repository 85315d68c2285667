"""The figures on the dashboard agree with the exported data of the same simulated cycle,
at every level, on the page and through the API. Exported afresh in each test: other tests
act on the shared cycle (a revocation, say)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from dashboard.app import create_app
from models.cycle import Committee
from models.db import session_scope
from models.org import Organisation
from tests.conftest import exported
from tests.dashboard.conftest import Clocked, _once, token
from tests.factories import bj

AFTER = bj(2025, 1, 10, 10)


@pytest.fixture
def sim_client(sim: dict, root_account: str) -> Iterator[TestClient]:
    with TestClient(create_app(clock=Clocked(AFTER))) as c:
        yield c


def _province(client: TestClient, root: str) -> dict[str, str]:
    return token(client, _once("sim-province-viewer", by=root, org="620000", role="viewer"))


def _org_code(name: str) -> str:
    with session_scope() as session:
        org = session.exec(select(Organisation).where(Organisation.name == name)).first()
        assert org is not None
        return org.code


def test_province_figures_agree_with_the_export(
    sim: dict, sim_client: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    headers = _province(sim_client, root_account)
    data = sim_client.get(f"/api/cycles/{cycle_id}/overview", headers=headers).json()
    apps = exported("applications", sim["report"].cycle_id)
    assert data["total"] == len(apps)
    assert {s["status"]: s["count"] for s in data["statuses"]} == Counter(a["status"] for a in apps)
    assert {c["name"]: c["total"] for c in data["children"]} == Counter(a["city"] for a in apps)
    assert sum(c["escalations"] for c in data["children"]) == len(exported("escalations", cycle_id))
    issued = Counter(a["city"] for a in apps if a["status"] == "issued")
    assert {c["name"]: c["issued"] for c in data["children"] if c["issued"]} == issued
    assert data["messages"] == Counter(m["status"] for m in exported("messages", cycle_id))
    declaration = next(p for p in data["phases"] if p["key"] == "declaration")
    assert declaration["late"] == sum(a["status"] == "expired" for a in apps)


def test_the_page_shows_the_same_counts(
    sim: dict, sim_client: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    sim_client.cookies.clear()
    headers = _province(sim_client, root_account)
    page = sim_client.get(f"/cycles/{cycle_id}/org/620000", headers=headers)
    assert page.status_code == 200
    shown = dict(
        re.findall(r'<tr data-status="(\w+)"><td>[^<]+</td><td class="n">(\d+)</td>', page.text)
    )
    assert {k: int(v) for k, v in shown.items()} == Counter(
        a["status"] for a in exported("applications", sim["report"].cycle_id)
    )
    assert 'data-testid="now-marker"' not in page.text  # 2025-01-10 is past the cycle's end


def test_each_level_down_agrees_with_the_export(
    sim: dict, sim_client: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    headers = _province(sim_client, root_account)
    apps = exported("applications", sim["report"].cycle_id)
    city_name = Counter(a["city"] for a in apps).most_common(1)[0][0]
    city = sim_client.get(
        f"/api/cycles/{cycle_id}/overview?org={_org_code(city_name)}", headers=headers
    ).json()
    in_city = [a for a in apps if a["city"] == city_name]
    assert city["total"] == len(in_city)
    assert sum(c["total"] for c in city["children"]) == len(in_city)
    assert sum(d["total"] for d in city["departments"]) == len(in_city)
    unit_code = Counter(a["unit_code"] for a in in_city).most_common(1)[0][0]
    listed = sim_client.get(
        f"/api/cycles/{cycle_id}/applications?org={unit_code}&limit=1000", headers=headers
    ).json()
    expected = {a["id"]: a["id_number"] for a in apps if a["unit_code"] == unit_code}
    assert {a["id"]: a["id_number"] for a in listed} == expected


def test_a_committee_sees_exactly_the_applications_submitted_to_it(
    sim: dict, sim_client: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    apps = exported("applications", sim["report"].cycle_id)
    name = Counter(a["committee"] for a in apps).most_common(1)[0][0]
    with session_scope() as session:
        committee = session.exec(
            select(Committee).where(Committee.cycle_id == cycle_id, Committee.name == name)
        ).one()
    user = _once(f"pw-{cycle_id[-12:]}", by=root_account, committee=committee.id, role="operator")
    headers = token(sim_client, user)
    seen = sim_client.get(f"/api/cycles/{cycle_id}/applications?limit=1000", headers=headers).json()
    assert sorted(a["id"] for a in seen) == sorted(a["id"] for a in apps if a["committee"] == name)
    overview = sim_client.get(f"/api/cycles/{cycle_id}/overview", headers=headers).json()
    assert overview["total"] == len(seen) and overview["escalations"] == []
    rows = sim_client.get(f"/api/cycles/{cycle_id}/committees", headers=headers).json()
    assert [r["key"] for r in rows] == [committee.key]
    assert rows[0]["total"] == len(seen)
    # The simulation records each meeting plan, inside the committee's window.
    assert rows[0]["window_start"] <= rows[0]["meeting"] <= rows[0]["window_last_day"]
    assert (
        sim_client.get(f"/api/cycles/{cycle_id}/overview?org=620000", headers=headers).status_code
        == 403
    )


def _child_of(path: str, below: str) -> str:
    """The child of the organisation at ``below`` on the way to ``path`` (its next segment)."""
    depth = len(below.split("/"))
    return "/".join(path.split("/")[: depth + 1])


def test_each_child_row_counts_the_units_beneath_it(
    sim: dict, sim_client: TestClient, root_account: str
) -> None:
    """A city's and a county's rows below them, and the city's departments: each row's
    applications and escalations are those of the units in its subtree (by their paths)."""
    cycle_id = sim["report"].cycle_id
    headers = _province(sim_client, root_account)
    apps = exported("applications", cycle_id)
    escalated = Counter(e["unit"] for e in exported("escalations", cycle_id))
    with session_scope() as session:
        orgs = session.exec(select(Organisation)).all()
        by_code = {o.code: o for o in orgs}
        by_path = {o.path: o for o in orgs}
    units = Counter(a["unit_code"] for a in apps)

    def children_with_applications(org: Organisation) -> int:
        return len(
            {
                _child_of(by_code[u].path, org.path)
                for u in units
                if by_code[u].path.startswith(org.path + "/")
            }
        )

    city = max((o for o in orgs if o.kind == "city"), key=children_with_applications)
    county = max((o for o in orgs if o.kind == "county"), key=children_with_applications)
    for org in (city, county):
        data = sim_client.get(
            f"/api/cycles/{cycle_id}/overview?org={org.code}", headers=headers
        ).json()
        totals: Counter[str] = Counter()
        escalations: Counter[str] = Counter()
        for code, n in units.items():
            if by_code[code].path.startswith(org.path + "/"):
                child = by_path[_child_of(by_code[code].path, org.path)].code
                totals[child] += n
                escalations[child] += escalated[code]
        assert len(totals) > 1
        assert {c["code"]: c["total"] for c in data["children"]} == totals
        assert {c["code"]: c["escalations"] for c in data["children"]} == {
            code: escalations[code] for code in totals
        }
        if org is city:
            by_department: Counter[str] = Counter()
            for code, n in units.items():
                unit = by_code[code]
                if unit.path.startswith(city.path + "/") and unit.department_id is not None:
                    department = next(o for o in orgs if o.id == unit.department_id)
                    by_department[department.code] += n
            assert {d["code"]: d["total"] for d in data["departments"]} == by_department
