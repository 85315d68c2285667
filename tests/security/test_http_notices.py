"""Finding 12: the status box shows only what the server chose to say — a notice put in a
link by someone else is not shown; the server's own notices (with counts and names) are."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi.testclient import TestClient

from tests.dashboard.conftest import World, token

FORGED = "省人社厅通知：请将账号密码发送至 fake@example.com 核验"


def _status_box(page: str) -> list[str]:
    return re.findall(r'<div class="notice" role="status">(.*?)</div>', page, re.S)


def test_a_notice_in_a_link_is_not_shown(client: TestClient, world: World) -> None:
    city = token(client, world.users["city"])
    for path in (f"/cycles/{world.cycle_id}/org/620200", "/accounts"):
        page = client.get(f"{path}?notice={quote(FORGED)}", headers=city).text
        assert FORGED not in page and _status_box(page) == [], path


def test_the_servers_own_notices_are_shown(client: TestClient, world: World) -> None:
    unit = token(client, world.users["unit_a"])
    url = f"/cycles/{world.cycle_id}/org/{world.unit_a}"
    csrf = re.search(r'name="csrf" value="(\w+)"', client.get(url, headers=unit).text)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "back": url, "action": "recommend"}
    done = client.post(
        f"/cycles/{world.cycle_id}/act", data={**form, "id": str(world.apps_a[0])}, headers=unit
    )
    assert _status_box(done.text) == ["已办理 1 件"]
    none = client.post(f"/cycles/{world.cycle_id}/act", data=form, headers=unit)
    assert _status_box(none.text) == ["请先勾选申报"]
    made = client.post(
        "/accounts",
        data={
            "csrf": csrf.group(1),
            "username": f"n-{world.cycle_id[-6:]}-{world.unit_a[-4:]}",
            "password": "Quartz-meadow-83n",
            "role": "viewer",
            "target": world.unit_a,
        },
        headers=unit,
    )
    assert made.status_code == 200
    assert [b for b in _status_box(made.text) if b.startswith("已创建账号 n-")], made.text[-800:]
