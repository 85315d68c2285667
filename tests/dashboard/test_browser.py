"""The dashboard in a real headless Chromium (Debian's, driven by Playwright): sign in as the
province, a city and a unit; the timeline and progress; drill down; a unit returns an
application through the form; refusals of another city's page and another unit's data."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
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
    with csp_watched_tab(browser, live_server) as tab:
        yield tab


@contextmanager
def csp_watched_tab(browser: Any, base_url: str) -> Iterator[Any]:
    """A tab in a new context; on leaving, nothing may have been blocked by the pages'
    Content-Security-Policy (Chromium reports it on the console)."""
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    tab = context.new_page()
    blocked: list[str] = []
    tab.on(
        "console",
        lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None,
    )
    yield tab
    context.close()
    assert blocked == []


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
    # The progress bar is drawn without a style attribute (the policy allows none).
    width = declaration.locator("svg.bar rect").get_attribute("width")
    assert width is not None and 0 <= float(width) <= 100
    assert declaration.locator("svg.bar rect").bounding_box()["height"] > 0
    # Drill down: province → Jiayuguan → unit A, each page with its own figures.
    page.click("table.children >> text=嘉峪关市")
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=org-name]") == "嘉峪关市"
    page.click(f"table.children tr[data-code='{world.unit_a}'] a")
    page.wait_for_load_state()
    assert page.inner_text("[data-testid=total]") == "3"
    assert page.locator("table.apps tr[data-app]").count() == 3
    assert "嘉峪关市" in page.inner_text("nav.crumbs")


def test_the_api_page_runs_under_the_content_security_policy(page: Any, world: World) -> None:
    sign_in(page, world.users["viewer_a"], "/api/docs")
    # Swagger UI's script ran (it builds this element) and fetched the document with the
    # session's cookie; the bundled 4.15 cannot draw OpenAPI 3.1, which it says in its box.
    page.wait_for_selector("#swagger-ui .swagger-ui", timeout=20_000)
    page.wait_for_selector("text=/职称评审工作台 API|valid version field/", timeout=20_000)
    assert "Failed to load" not in page.inner_text("#swagger-ui")


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


# --- the front door: imports from the browser, passwords ---------------------------------


def test_a_city_fixes_two_bad_rows_and_confirms_the_import(
    page: Any, world: World, tmp_path: Any
) -> None:
    import uuid

    from sqlmodel import select

    from models.db import session_scope
    from models.org import Organisation
    from tests.dashboard.test_import_page import city_rows
    from tests.imports.files import write_xlsx

    rows = city_rows(uuid.uuid4().hex[:6])
    good_code, good_name = rows[2]["机构编码"], rows[3]["机构名称"]
    rows[2]["机构编码"] = good_code[:-1] + ("0" if good_code[-1] != "0" else "1")
    rows[3]["机构名称"] = ""
    sign_in(page, world.users["city"])
    page.click("header.top >> text=导入")
    page.wait_for_load_state()
    page.select_option("select[name=kind]", "orgs")
    page.set_input_files("input[name=file]", str(write_xlsx(tmp_path / "机构.xlsx", rows)))
    page.click("form.upload button[type=submit]")
    page.wait_for_load_state()
    shown = page.locator("table.import-errors tbody tr")
    assert shown.count() == 2
    assert [shown.nth(i).get_attribute("data-row") for i in range(2)] == ["5", "6"]
    assert "机构编码" in shown.nth(0).inner_text() and "机构名称" in shown.nth(1).inner_text()
    assert page.locator("form.confirm").count() == 0
    rows[2]["机构编码"], rows[3]["机构名称"] = good_code, good_name
    page.set_input_files("input[name=file]", str(write_xlsx(tmp_path / "机构-改.xlsx", rows)))
    page.click("form.upload button[type=submit]")
    page.wait_for_load_state()
    assert "检查通过" in page.inner_text("[data-testid=checked]")
    with session_scope() as session:
        assert (
            session.exec(select(Organisation).where(Organisation.code == good_code)).first() is None
        )
    page.click("form.confirm button[type=submit]")
    page.wait_for_load_state()
    assert "已导入：新增 4" in page.inner_text("[data-testid=written]")
    with session_scope() as session:
        added = session.exec(select(Organisation).where(Organisation.code == good_code)).one()
        assert added.name == rows[2]["机构名称"]


def _fill_password_form(page: Any, old: str, new: str) -> None:
    page.fill("input[name=old_password]", old)
    page.fill("input[name=new_password]", new)
    page.fill("input[name=confirm]", new)
    page.click("form[action='/password'] button[type=submit]")
    page.wait_for_load_state()


def test_a_new_account_changes_its_password_first(page: Any, world: World) -> None:
    import uuid

    name = f"br-{uuid.uuid4().hex[:6]}"
    sign_in(page, world.users["city"], "/accounts")
    page.fill("form.account input[name=target]", world.unit_a)
    page.fill("form.account input[name=username]", name)
    page.fill("form.account input[name=password]", PASSWORD)
    page.select_option("form.account select[name=role]", "operator")
    page.click("form.account button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(f"tr[data-account='{name}'][data-must-change=yes]").count() == 1
    page.click("header.top >> text=退出")
    page.wait_for_load_state()
    sign_in(page, name, f"/cycles/{world.cycle_id}")
    assert page.url.split("?")[0].endswith("/password")
    assert page.locator("[data-testid=must-change]").count() == 1
    # Anything else leads back to the change.
    page.goto(f"/cycles/{world.cycle_id}")
    assert page.url.split("?")[0].endswith("/password")
    _fill_password_form(page, PASSWORD, "Own-choice-42")
    assert page.inner_text("[data-testid=org-name]")  # the page it was going to
    page.goto(f"/cycles/{world.cycle_id}")
    assert not page.url.split("?")[0].endswith("/password")


def test_after_a_reset_the_old_password_and_the_old_sign_in_fail(
    page: Any, world: World, browser: Any, live_server: str
) -> None:
    owner = world.users["unit_a"]
    sign_in(page, owner, f"/cycles/{world.cycle_id}")
    assert page.locator("[data-testid=org-name]").count() == 1
    admin = browser.new_context(base_url=live_server, locale="zh-CN").new_page()
    try:
        sign_in(admin, world.users["city"], "/accounts")
        admin.click(f"tr[data-account='{owner}'] button[value=reset]")
        admin.wait_for_load_state()
        temporary = admin.inner_text("[data-testid=new-password] code")
        assert temporary and temporary != PASSWORD
        assert admin.locator(f"tr[data-account='{owner}'][data-must-change=yes]").count() == 1
    finally:
        admin.context.close()
    # The owner's open sign-in is over…
    page.goto(f"/cycles/{world.cycle_id}")
    assert "/login" in page.url
    # …the old password no longer opens it…
    sign_in(page, owner)
    assert "用户名或密码错误" in page.inner_text("[role=alert]")
    # …and the new one must be changed first.
    page.fill("input[name=username]", owner)
    page.fill("input[name=password]", temporary)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert page.url.split("?")[0].endswith("/password")
    _fill_password_form(page, temporary, "After-reset-7")
    assert page.inner_text("[data-testid=org-name]")
