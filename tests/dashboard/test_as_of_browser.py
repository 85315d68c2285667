"""The time control in a real headless Chromium: the province sets the overview to two
instants and reads, for each, the counts by status that the exported audit trail gives."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import exported
from tests.dashboard.conftest import Clocked
from tests.dashboard.test_as_of import AFTER, replay
from tests.dashboard.test_browser import (  # noqa: F401  (fixtures)
    browser,
    csp_watched_tab,
    live_server,
    sign_in,
)
from tests.factories import bj

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server_clock() -> Clocked:
    return Clocked(AFTER)


@pytest.fixture
def page(browser: Any, live_server: str, server_clock: Clocked) -> Iterator[Any]:  # noqa: F811
    server_clock.now = AFTER
    with csp_watched_tab(browser, live_server) as tab:
        yield tab


def _shown(page: Any) -> dict[str, int]:
    out = {}
    for row in page.locator("table.statuses tr[data-status]").all():
        out[str(row.get_attribute("data-status"))] = int(row.locator("td.n").inner_text())
    return out


def test_the_time_control_shows_each_instant_as_the_audit_trail_gives_it(
    page: Any, sim: dict, root_account: str
) -> None:
    assert os.environ.get("ZHICHENG_DATABASE_URL")
    cycle_id = sim["report"].cycle_id
    audit = exported("audit", cycle_id)
    sign_in(page, root_account)
    page.goto(f"/cycles/{cycle_id}/org/620000")
    today = _shown(page)
    assert today == Counter(a["status"] for a in exported("applications", cycle_id))
    seen = []
    for text, at in (
        ("2024-10-20T23:00", bj(2024, 10, 20, 23)),
        ("2024-11-20T12:00", bj(2024, 11, 20, 12)),
    ):
        page.fill("[data-testid=as-of-input]", text)
        page.click("[data-testid=as-of-submit]")
        page.wait_for_load_state()
        assert page.get_attribute("[data-testid=as-of]", "data-as-of") == text
        shown = _shown(page)
        expected = Counter(replay(audit, at).values())
        assert {k: v for k, v in shown.items() if k != "draft"} == {
            k: v for k, v in expected.items() if k != "draft"
        }, text
        seen.append(shown)
    assert seen[0] != seen[1] != today
    page.click("[data-testid=as-of-now]")
    page.wait_for_load_state()
    assert _shown(page) == today and page.locator("[data-testid=as-of]").count() == 0
