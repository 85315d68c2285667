"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): sign in as the
province, a city and a unit; the timeline and progress; drill down; a unit returns an
application through the form; refusals of another city's page and another unit's data."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from dashboard.app import create_app
from tests.dashboard.conftest import PASSWORD, Clocked, World
from tests.factories import status_of

CHROMIUM = os.environ.get("ZHICHENG_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server_clock() -> Clocked:
    from tests.dashboard.conftest import DURING_REVIEW

    return Clocked(DURING_REVIEW)


@pytest.fixture(scope="module")
def live_server(server_clock: Clocked) -> Iterator[str]:
    """uvicorn in a thread of its own; each request reads the database the test points at."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(clock=server_clock), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("工作台服务未能启动")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"需要 Chromium（{CHROMIUM}）：apt-get install -y chromium fonts-noto-cjk")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str, server_clock: Clocked, world: World) -> Iterator[Any]:
    from tests.dashboard.conftest import DURING_REVIEW

    server_clock.now = DURING_REVIEW
    context = browser.new_context(base_url=live_server, locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page: Any, username: str, then: str | None = None) -> None:
    page.goto("/login" + (f"?next={then}" if then else ""))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_province_sees_the_timeline_and_progress_and_drills_down(
    page: Any, world: World
) -> None:
    sign_in(page, "root-province")
    page.goto(f"/cycles/{world.cycle_id}/org/620000")
    assert page.inner_text("[data-testid=org-name]") == "甘肃省人力资源和社会保障厅"
    # The timeline: a bar per phase, holidays shaded, the "now" marker on 2024-09-20.
    assert page.locator("svg.gantt rect.bar").count() >= 5
    assert page.locator("svg.gantt rect.holiday").count() >= 7  # 中秋 3 days + 国庆 7 days
    assert page.locator("[data-testid=now-marker]").count() == 1
    assert page.text_content("svg.gantt text.now") == "现在 9月20日 10:00"
    assert page.locator("svg.gantt rect.bar.open[data-phase=declaration]").count() == 1
    declaration = page.locator(".card[data-phase=declaration]")
    assert "进行中" in declaration.inner_text()
    # Drill down: province → Jiayuguan → unit A, each page with its own figures.
    page.click("table.children >> text=嘉峪关市")
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=org-name]") == "嘉峪关市"
    page.click(f"table.children tr[data-code='{world.unit_a}'] a")
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=total]") == "3"
    assert page.locator("table.apps tr[data-app]").count() == 3
    assert "嘉峪关市" in page.inner_text("nav.crumbs")


def test_a_city_is_refused_another_citys_page(page: Any, world: World) -> None:
    sign_in(page, world.users["city"], f"/cycles/{world.cycle_id}")
    assert page.inner_text("[data-testid=org-name]") == "嘉峪关市"
    response = page.goto(f"/cycles/{world.cycle_id}/org/620100")
    assert response.status == 403
    assert "无权访问" in page.inner_text("main")
    assert "兰州" not in page.inner_text("main")


def test_a_unit_returns_an_application_with_the_form(page: Any, world: World) -> None:
    sign_in(page, world.users["unit_a"], f"/cycles/{world.cycle_id}")
    assert page.locator("table.apps tr[data-app]").count() == 3
    assert page.locator("table.apps td.mono").first.inner_text().count("*") >= 8
    target = world.apps_a[0]
    page.check(f"input[name=id][value='{target}']")
    page.fill("textarea[name=reason]", "请补充近五年业绩证明材料和继续教育学时证明")
    page.click("button[value=return]")
    page.wait_for_load_state()
    assert "已办理 1 件" in page.inner_text("[role=status]")
    row = page.locator(f"table.apps tr[data-app='{target}']")
    assert row.get_attribute("data-status") == "returned"
    assert "退回修改" in row.inner_text() and "继续教育学时证明" in row.inner_text()
    assert status_of(target) == "returned"
    assert status_of(world.apps_a[1]) == "submitted"


def test_a_unit_is_refused_another_units_application_through_the_api(
    page: Any, world: World
) -> None:
    sign_in(page, world.users["unit_a"])
    own = page.request.get(f"/api/cycles/{world.cycle_id}/applications/{world.apps_a[0]}")
    assert own.status == 200 and own.json()["id"] == world.apps_a[0]
    other = page.request.get(f"/api/cycles/{world.cycle_id}/applications/{world.apps_b[0]}")
    assert other.status == 403
    assert "不在您的管辖范围内" in other.json()["detail"]
    acted = page.request.post(
        f"/api/cycles/{world.cycle_id}/actions/recommend", data={"ids": [world.apps_b[0]]}
    )
    assert acted.status == 403
    assert status_of(world.apps_b[0]) == "submitted"


def test_a_form_after_the_cut_off_shows_the_refusal(
    page: Any, world: World, server_clock: Clocked
) -> None:
    from tests.factories import bj

    server_clock.now = bj(2024, 11, 1, 9)
    sign_in(page, world.users["unit_a"], f"/cycles/{world.cycle_id}")
    page.check(f"input[name=id][value='{world.apps_a[1]}']")
    page.click("button[value=recommend]")
    page.wait_for_load_state()
    notice = page.inner_text("[role=status]")
    assert "已办理 0 件" in notice and "2024年10月31日24:00（北京时间）" in notice
    assert status_of(world.apps_a[1]) == "submitted"
