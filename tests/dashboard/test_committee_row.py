"""A committee's row counts its verdicts: an application under objection still waits on its
outcome (it used to count as passed)."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from dashboard.lookup import NO_COMMITTEE
from models.application import Application
from models.cycle import Committee
from models.db import session_scope
from tests.dashboard.conftest import Clocked, account, token
from tests.factories import bj, drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")

# One application in each state a committee's row tells apart (and one it does not count).
STATES = [
    "department_review",
    "committee_review",
    "objection",
    "result_publicity",
    "issued",
    "revoked",
    "failed",
    "withdrawn",
]


def test_an_objection_waits_and_is_not_counted_as_passed(
    client: TestClient, root_account: str
) -> None:
    cycle_id = stored_cycle()
    apps = drafts(cycle_id, len(STATES), committee_key="jyg-gc-zj")
    with session_scope() as session:
        for app_id, state in zip(apps, STATES, strict=True):
            row = session.get(Application, app_id)
            assert row is not None
            row.status = state
        committee = session.exec(
            select(Committee).where(Committee.cycle_id == cycle_id, Committee.key == "jyg-gc-zj")
        ).one()
    user = account(
        f"pw-{uuid.uuid4().hex[:8]}", by=root_account, committee=committee.id, role="viewer"
    )
    rows = client.get(f"/api/cycles/{cycle_id}/committees", headers=token(client, user)).json()
    counts = {k: rows[0][k] for k in ("total", "waiting", "passed", "failed")}
    # Waiting: with the department, before the committee, under objection. Passed: in result
    # publicity, issued, or revoked after the pass.
    assert counts == {"total": 8, "waiting": 3, "passed": 3, "failed": 1}


def senior_committee_with(
    count: int, status: str, village: int
) -> tuple[str, list[int], Committee]:
    """``count`` applications at Jiayuguan's senior health committee in ``status``, the first
    ``village`` of them from village units."""
    cycle_id = stored_cycle()
    apps = drafts(cycle_id, count, committee_key="jyg-ws-gj")
    with session_scope() as session:
        for i, app_id in enumerate(apps):
            row = session.get(Application, app_id)
            assert row is not None
            row.status = status
            row.facts = {"village_unit": i < village}
        committee = session.exec(
            select(Committee).where(Committee.cycle_id == cycle_id, Committee.key == "jyg-ws-gj")
        ).one()
    return cycle_id, apps, committee


@pytest.mark.parametrize(("village", "flagged"), [(29, True), (30, False)])
def test_a_senior_committee_below_the_village_quota_is_flagged(
    client: TestClient, root_account: str, village: int, flagged: bool
) -> None:
    """001 三(二): of 100 recommended to a senior committee, 29 from village units fall short
    of 30 %; 30 do not. The row and the committee's page say so; nothing is refused."""
    cycle_id, apps, committee = senior_committee_with(100, "recommended", village)
    user = account(
        f"vq-{uuid.uuid4().hex[:8]}", by=root_account, committee=committee.id, role="viewer"
    )
    signed = token(client, user)
    (row,) = client.get(f"/api/cycles/{cycle_id}/committees", headers=signed).json()
    assert bool(row["village_quota"]) is flagged
    page = client.get(f"/cycles/{cycle_id}/committees/jyg-ws-gj", headers=signed).text
    assert ('data-flag="village_quota"' in page) is flagged
    if flagged:
        assert f"{village}/100" in row["village_quota"][0]


def test_passing_over_http_answers_with_the_village_quota_warning(
    client: TestClient, root_account: str, clock: Clocked
) -> None:
    """The warning reaches whoever records the result: the passes are done and the answer
    says 29 of 100 titles went to village-unit talent."""
    cycle_id, apps, committee = senior_committee_with(100, "committee_review", 29)
    user = account(
        f"vq-{uuid.uuid4().hex[:8]}", by=root_account, committee=committee.id, role="operator"
    )
    clock.now = bj(2024, 11, 20, 10)
    answer = client.post(
        f"/api/cycles/{cycle_id}/actions/pass", json={"ids": apps}, headers=token(client, user)
    ).json()
    assert sorted(answer["done"]) == apps
    (warning,) = answer["warnings"]
    assert "嘉峪关市卫生系列高级职称评审委员会" in warning and "29/100" in warning


def test_a_committee_page_opens_for_its_reach_and_refuses_alike_otherwise(
    client: TestClient, root_account: str
) -> None:
    """The page shows its committee's row to the committee and the province; another
    committee's account is refused in the same words as a key no committee has — a key must
    not tell which committees there are."""
    cycle_id, _, committee = senior_committee_with(3, "committee_review", 0)
    tag = uuid.uuid4().hex[:8]
    own = account(f"cp-own-{tag}", by=root_account, committee=committee.id, role="viewer")
    with session_scope() as session:
        other = session.exec(
            select(Committee).where(Committee.cycle_id == cycle_id, Committee.key == "jyg-gc-zj")
        ).one()
    stranger = account(f"cp-other-{tag}", by=root_account, committee=other.id, role="viewer")
    province = account(f"cp-prov-{tag}", by=root_account, org="620000", role="viewer")
    url = f"/cycles/{cycle_id}/committees/jyg-ws-gj"
    for user in (own, province):
        page = client.get(url, headers=token(client, user))
        assert page.status_code == 200 and committee.name in page.text
    refused = client.get(url, headers=token(client, stranger))
    missing = client.get(f"/cycles/{cycle_id}/committees/no-such", headers=token(client, own))
    assert refused.status_code == missing.status_code == 403
    for answer in (refused, missing):
        assert NO_COMMITTEE in answer.text and committee.name not in answer.text
