"""Creating a private organisation's accounts over the API: only the office its sector names
(003 附件2 二, rules/data/accounts.yaml) — a private hospital's, the health department."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlmodel import select

from models.db import session_scope
from models.org import Organisation
from tests.dashboard.conftest import World, token
from tests.rules.test_private_accounts import _org


def private_hospital(world: World) -> tuple[str, str]:
    """A private hospital (by its name, 003 附件2 二) under the world's 工信局: (tag, its code)."""
    tag = uuid.uuid4().hex[:6]
    with session_scope() as session:
        dept = session.exec(select(Organisation).where(Organisation.code == world.department)).one()
        hospital = _org(
            session,
            code=f"H-{tag}",
            name=f"康宁医院{tag}",
            kind="unit",
            parent_id=dept.parent_id,
            department_id=dept.id,
            city_code="620200",
            unit_type="social_org",
            path=f"{dept.path}/H-{tag}",
        )
        return tag, hospital.code


def test_the_api_refuses_a_private_hospital_to_any_but_the_health_department(
    client: TestClient, world: World
) -> None:
    tag, code = private_hospital(world)
    account = {"username": f"h-{tag}", "password": "Quiet-harbour-58", "role": "admin"}
    for who in ("dept", "city"):  # 工信局 is not the health department; the city is not either
        refused = client.post(
            "/api/accounts",
            json={**account, "org_code": code},
            headers=token(client, world.users[who]),
        )
        assert refused.status_code == 409, refused.text
        assert "卫健" in refused.json()["detail"] and "003 附件2 二" in refused.json()["detail"]
