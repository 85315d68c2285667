"""Integrity records over HTTP (issue 16 item 2): the province's and cities' offices record
falsified materials (who, when, why) on a page and through the API; a city only its own
applicants'; with 2024's policy (no years) the record is kept and flagged on the application,
not a bar; units cannot reach the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from models.application import Application
from models.db import session_scope
from tests.dashboard.conftest import ROOT, World, token
from tests.dashboard.test_import_page import csrf, signed_in


def person(app_id: int) -> str:
    with session_scope() as session:
        found = session.get(Application, app_id)
        assert found is not None
        return found.person_id


def body(world: World, app_id: int, **extra: str) -> dict[str, str]:
    return {
        "id_number": person(app_id),
        "cycle_id": world.cycle_id,
        "found_on": "2024-09-18",
        "reason": "学历证书系伪造",
        **extra,
    }


def test_a_city_records_its_own_applicant_and_the_application_is_flagged(
    client: TestClient, world: World
) -> None:
    city = token(client, world.users["city"])
    app = world.apps_a[0]
    made = client.post("/api/integrity", json=body(world, app), headers=city)
    assert made.status_code == 201, made.text
    record = made.json()
    assert record["barred_until"] is None and record["bar_years"] is None  # 2024: no years
    assert record["found_on"] == "2024-09-18" and record["reason"] == "学历证书系伪造"
    assert "jyg-city-admin" in record["recorded_by"]
    assert "*" in record["person"] and record["person"] != person(app)  # masked
    listed = client.get("/api/integrity", params={"id_number": person(app)}, headers=city)
    assert [r["id"] for r in listed.json()] == [record["id"]]
    # The unit sees the flag on its application; nothing bars it.
    unit = token(client, world.users["unit_a"])
    flags = client.get(
        f"/api/cycles/{world.cycle_id}/applications/{app}/integrity", headers=unit
    ).json()
    assert flags["barred_until"] is None
    assert len(flags["warnings"]) == 1 and "学历证书系伪造" in flags["warnings"][0]
    other = client.get(
        f"/api/cycles/{world.cycle_id}/applications/{world.apps_a[1]}/integrity", headers=unit
    ).json()
    assert other == {"barred_until": None, "warnings": []}
    # Another unit may not look at it.
    assert (
        client.get(
            f"/api/cycles/{world.cycle_id}/applications/{app}/integrity",
            headers=token(client, world.users["unit_b"]),
        ).status_code
        == 403
    )


def test_another_city_cannot_record_or_see_jiayuguans_applicants(
    client: TestClient, world: World
) -> None:
    lanzhou = token(client, world.users["lz-city"])
    refused = client.post("/api/integrity", json=body(world, world.apps_b[0]), headers=lanzhou)
    assert refused.status_code == 409
    assert "不在您的管辖范围内" in refused.json()["detail"]
    client.post(
        "/api/integrity",
        json=body(world, world.apps_b[0]),
        headers=token(client, ROOT),  # the province may
    ).raise_for_status()
    seen = client.get(
        "/api/integrity", params={"id_number": person(world.apps_b[0])}, headers=lanzhou
    )
    assert seen.json() == []


def test_units_and_departments_cannot_reach_the_records(client: TestClient, world: World) -> None:
    for who in ("unit_a", "dept"):
        headers = token(client, world.users[who])
        assert client.get("/api/integrity", headers=headers).status_code == 403
        assert (
            client.post(
                "/api/integrity", json=body(world, world.apps_a[0]), headers=headers
            ).status_code
            == 403
        )


def test_the_page_records_and_lists(client: TestClient, world: World) -> None:
    signed_in(client, world.users["city"])
    page = client.get("/integrity")
    assert page.status_code == 200 and "诚信记录" in page.text
    app = world.apps_a[2]
    done = client.post(
        "/integrity",
        data={
            "csrf": csrf(page),
            "id_number": person(app),
            "cycle": world.cycle_id,
            "found_on": "2024-09-19",
            "reason": "论文系代写",
        },
    )
    assert done.status_code == 200, done.text
    assert 'data-testid="recorded"' in done.text and "只提示、不拦截" in done.text
    assert re.search(r"<td>论文系代写</td>", done.text)
    stale = client.post(
        "/integrity",
        data={"csrf": "0" * 32, "id_number": person(app), "cycle": world.cycle_id},
    )
    assert stale.status_code == 403
    bad_day = client.post(
        "/integrity",
        data={
            "csrf": csrf(page),
            "id_number": person(app),
            "cycle": world.cycle_id,
            "found_on": "9月19日",
            "reason": "论文系代写",
        },
    )
    assert bad_day.status_code == 400 and "2024-11-05" in bad_day.text
