"""A failed boundary run stays on the province's page until a later run of it succeeds."""

from __future__ import annotations

from fastapi.testclient import TestClient

from models.db import session_scope
from models.run_failures import record_failure, resolve_failures
from tests.dashboard.conftest import ROOT, World, token
from tests.factories import bj


def test_the_province_sees_a_failed_run_until_it_succeeds(client: TestClient, world: World) -> None:
    province = token(client, ROOT)
    city = token(client, world.users["city"])
    page = f"/cycles/{world.cycle_id}/org/620000"
    with session_scope() as session:
        stored = record_failure(
            session,
            world.cycle_id,
            "declaration-close",
            f"run-{world.cycle_id}",
            "CRASHED",
            "工作进程被终止",
            bj(2024, 10, 21),
        )
    assert stored
    shown = client.get(page, headers=province).text
    assert 'data-testid="run-failures"' in shown
    assert "declaration-close" in shown and "异常中断" in shown and "工作进程被终止" in shown
    city_page = client.get(f"/cycles/{world.cycle_id}/org/620200", headers=city).text
    assert 'data-testid="run-failures"' not in city_page  # the province's office runs the schedule
    with session_scope() as session:
        assert resolve_failures(
            session, world.cycle_id, "declaration-close", bj(2024, 10, 21, 0, 5)
        )
    assert 'data-testid="run-failures"' not in client.get(page, headers=province).text
