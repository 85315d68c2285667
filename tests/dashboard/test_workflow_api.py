"""Driving the workflow over HTTP from recommendation to a committee's verdict, and the
pages around it: committees, filing, certificate verification, sign-in redirects."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models.cycle import Committee
from models.db import session_scope
from models.transitions import transition
from tests.dashboard.conftest import ROOT, Clocked, World, _once, token
from tests.factories import bj, status_of


def _through_unit_publicity(cycle_id: str, ids: list[int]) -> None:
    """What the flows' sweeps do after a recommendation (publicity opens and closes)."""
    with session_scope() as session:
        for action in ("start_unit_publicity", "finish_unit_publicity"):
            transition(
                session,
                cycle_id=cycle_id,
                action=action,
                now=bj(2024, 10, 28),
                actor="system",
                ids=ids,
            )


def test_recommend_forward_and_record_results_over_http(
    client: TestClient, world: World, clock: Clocked
) -> None:
    url = f"/api/cycles/{world.cycle_id}/actions"
    unit = token(client, world.users["unit_a"])
    done = client.post(f"{url}/recommend", json={"ids": world.apps_a}, headers=unit).json()
    assert sorted(done["done"]) == sorted(world.apps_a)
    _through_unit_publicity(world.cycle_id, world.apps_a)
    clock.now = bj(2024, 10, 30, 15)
    reported = client.post(  # publicity over without objection: the unit's report (004 三(三))
        f"{url}/publicity_report",
        json={"ids": world.apps_a, "reason": "嘉人社公示〔2024〕12号"},
        headers=token(client, world.users["unit_a"]),
    ).json()
    assert sorted(reported["done"]) == sorted(world.apps_a)
    dept = token(client, world.users["dept"])
    forwarded = client.post(f"{url}/forward", json={"ids": world.apps_a}, headers=dept).json()
    assert sorted(forwarded["done"]) == sorted(world.apps_a)
    with session_scope() as session:
        committee = session.exec(
            select(Committee).where(
                Committee.cycle_id == world.cycle_id, Committee.key == "jyg-gc-zj"
            )
        ).one()
    reviewer = _once(f"pw-{world.cycle_id}", by=ROOT, committee=committee.id, role="operator")
    # Before the committee's window (11/11–12/10) the verdict is refused, with the window named.
    clock.now = bj(2024, 11, 5, 10)
    panel = token(client, reviewer)
    early = client.post(f"{url}/pass", json={"ids": world.apps_a[:1]}, headers=panel)
    assert early.status_code == 409
    assert (
        "嘉峪关市工程系列中级职称评审委员会评审时间尚未开始"
        in early.json()["refused"][str(world.apps_a[0])]
    )
    clock.now = bj(2024, 11, 20, 10)
    panel = token(client, reviewer)
    passed = client.post(f"{url}/pass", json={"ids": world.apps_a[:2]}, headers=panel)
    failed = client.post(f"{url}/fail", json={"ids": world.apps_a[2:]}, headers=panel)
    assert passed.json()["done"] == world.apps_a[:2] and failed.json()["done"] == world.apps_a[2:]
    assert [status_of(i) for i in world.apps_a] == [
        "result_publicity",
        "result_publicity",
        "failed",
    ]
    # Unit B's application is addressed to this committee too, but has not reached it yet.
    not_yet = client.post(f"{url}/pass", json={"ids": world.apps_b[:1]}, headers=panel)
    assert not_yet.status_code == 409
    assert "已提交" in not_yet.json()["refused"][str(world.apps_b[0])]
    rows = client.get(f"/api/cycles/{world.cycle_id}/committees", headers=panel).json()
    assert rows == [
        {
            **rows[0],
            "key": "jyg-gc-zj",
            "state": "评审中",
            "total": 5,
            "waiting": 0,
            "passed": 2,
            "failed": 1,
        }
    ]
    page = client.get(f"/cycles/{world.cycle_id}/committees/jyg-gc-zj", headers=panel)
    assert page.status_code == 200 and "暂无待评审申报" in page.text


def test_filing_lists_every_item_with_its_deadline_and_status(
    client: TestClient, world: World, clock: Clocked
) -> None:
    clock.now = bj(2024, 12, 28, 10)
    city = token(client, world.users["city"])
    items = {
        f["key"]: f for f in client.get(f"/api/cycles/{world.cycle_id}/filing", headers=city).json()
    }
    assert items["work_summary"]["due_last_day"] == "2024-12-31"
    assert items["work_summary"]["status"] == "open"
    assert items["series_notice_filing"]["status"] == "overdue"
    assert items["temporary"]["status"] == "standing"
    page = client.get(f"/cycles/{world.cycle_id}/filing", headers=city).text
    assert "评审工作总结、资格文件（含花名册）报市人社局备案" in page and "已逾期" in page


def test_pages_send_a_visitor_without_a_session_to_sign_in(
    client: TestClient, world: World
) -> None:
    response = client.get(f"/cycles/{world.cycle_id}/org/620000", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_a_form_without_its_token_is_refused(client: TestClient, world: World) -> None:
    unit = token(client, world.users["unit_a"])
    response = client.post(
        f"/cycles/{world.cycle_id}/act",
        content=f"action=recommend&id={world.apps_a[0]}",
        headers={**unit, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 403 and "表单已失效" in response.text
    assert status_of(world.apps_a[0]) == "submitted"


def test_certificate_verification_needs_no_sign_in(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHICHENG_SIGNING_KEY", "test-key-for-verification")
    from models.settings import settings

    settings.cache_clear()
    try:
        page = client.get("/verify", params={"code": "ZC-not-a-real-code"})
    finally:
        monkeypatch.delenv("ZHICHENG_SIGNING_KEY")
        settings.cache_clear()
    assert page.status_code == 200
    assert 'data-genuine="false"' in page.text


def test_a_committee_records_a_verdict_with_its_pages_buttons(
    client: TestClient, world: World, clock: Clocked
) -> None:
    import re

    from models.application import Application

    with session_scope() as session:
        for app_id in world.apps_a:
            row = session.get(Application, app_id)
            assert row is not None
            row.status = "committee_review"
        committee = session.exec(
            select(Committee).where(
                Committee.cycle_id == world.cycle_id, Committee.key == "jyg-gc-zj"
            )
        ).one()
    reviewer = _once(f"pw-page-{world.cycle_id}", by=ROOT, committee=committee.id)
    clock.now = bj(2024, 11, 20, 10)
    panel = token(client, reviewer)
    url = f"/cycles/{world.cycle_id}/committees/jyg-gc-zj"
    page = client.get(url, headers=panel).text
    buttons = re.findall(
        r'<button type="submit" name="action" value="(\w+)">([^<]+)</button>', page
    )
    assert buttons == [("pass", "评审通过"), ("fail", "评审未通过")]
    csrf = re.search(r'name="csrf" value="(\w+)"', page)
    assert csrf is not None
    posted = client.post(
        f"/cycles/{world.cycle_id}/act",
        data={"csrf": csrf.group(1), "back": url, "action": "fail", "id": str(world.apps_a[0])},
        headers=panel,
        follow_redirects=False,
    )
    assert posted.status_code == 303
    assert status_of(world.apps_a[0]) == "failed"
    assert status_of(world.apps_a[1]) == "committee_review"


def test_a_unit_records_a_collective_review_from_its_page(
    client: TestClient, world: World, clock: Clocked
) -> None:
    """The documents an application carries (004 三(三), 四(一)) are recorded where the unit's
    list is: the button posts the checked applications with the reference as the reason."""
    from models.documents import DocumentKind, with_document

    clock.now = bj(2024, 9, 25, 10)
    unit = token(client, world.users["unit_a"])
    url = f"/cycles/{world.cycle_id}/org/{world.unit_a}"
    page = client.get(url, headers=unit).text
    buttons = dict(
        re.findall(r'<button type="submit" name="action" value="(\w+)">([^<]+)</button>', page)
    )
    assert {"collective_review", "publicity_report", "recommend"} <= set(buttons)
    assert "commission_letter" not in buttons  # a city's or the province's office records it
    csrf = re.search(r'name="csrf" value="(\w+)"', page)
    assert csrf is not None
    posted = client.post(
        f"/cycles/{world.cycle_id}/act",
        data={
            "csrf": csrf.group(1),
            "back": url,
            "action": "collective_review",
            "reason": "2024年9月24日职工大会集体评议，赞成52票",
            "id": str(world.apps_a[0]),
        },
        headers=unit,
        follow_redirects=False,
    )
    assert posted.status_code == 303
    with session_scope() as session:
        kept = with_document(session, world.cycle_id, world.apps_a, DocumentKind.collective_review)
    assert kept == {world.apps_a[0]}


def test_the_api_lists_applications_as_they_stood_at_the_clock(
    client: TestClient, world: World, clock: Clocked
) -> None:
    """A drill's clock (or `zhicheng dashboard --as-of`) shows the list as the audit trail had
    it then, like the pages: a recommendation at 10:00 is not there at 09:00."""
    app_id = world.apps_a[0]
    clock.now = bj(2024, 9, 25, 10)
    unit = token(client, world.users["unit_a"])
    url = f"/api/cycles/{world.cycle_id}"
    done = client.post(f"{url}/actions/recommend", json={"ids": [app_id]}, headers=unit)
    assert done.json()["done"] == [app_id], done.text
    seen = {}
    for hour in (9, 11):
        clock.now = bj(2024, 9, 25, hour)
        one = client.get(f"{url}/applications/{app_id}", headers=unit).json()
        listed = client.get(f"{url}/applications", headers=unit).json()
        seen[hour] = (one["status"], {r["id"]: r["status"] for r in listed}[app_id])
    assert seen == {9: ("submitted", "submitted"), 11: ("recommended", "recommended")}
