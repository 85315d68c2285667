"""The import page over HTTP: only the province's and cities' admins; every bad row shown as
a table; the checked file confirmed from the server's copy; a city kept to its own units."""

from __future__ import annotations

import io
import re
import stat
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import col, select

from models.application import Application
from models.db import session_scope
from models.org import Organisation
from tests.dashboard.conftest import PASSWORD, World
from tests.imports.files import write_xlsx
from tests.imports.makers import declaration_rows, province_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def city_rows(tag: str) -> list[dict[str, str]]:
    """Jiayuguan's two departments and two units (file rows 3 to 6)."""
    return [
        r
        for r in province_rows(2, tag)
        if r["上级机构编码"].startswith("6202")
        or r["机构编码"].endswith("620200-工信局")
        or r["机构编码"].endswith("620200-卫健委")
    ]


def signed_in(client: TestClient, username: str) -> TestClient:
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "next": "/",
            "csrf": csrf(client.get("/login")),  # the sign-in form's own token
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert client.cookies.get("zhicheng_session")
    return client


def csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page.text)
    assert found is not None
    return found.group(1)


def upload(
    client: TestClient, path: Path, kind: str = "orgs", cycle: str = "", token: str | None = None
) -> httpx.Response:
    token = token or csrf(client.get("/imports"))
    with path.open("rb") as handle:
        return client.post(
            "/imports",
            data={"csrf": token, "kind": kind, "cycle": cycle},
            files={"file": (path.name, handle, XLSX)},
        )


def bad_rows(page: httpx.Response) -> list[tuple[str, str, str]]:
    """(row, column, value) of every row of the error table."""
    cells = re.findall(
        r'<tr data-row="(\d+)"><td class="n">[^<]*</td><td>([^<]*)</td><td class="mono">([^<]*)</td>',
        page.text,
    )
    return [(r, c, v) for r, c, v in cells]


def upload_id(page: httpx.Response) -> str:
    found = re.search(r'name="upload" value="([A-Za-z0-9_-]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


def test_only_the_province_and_cities_admins_import(client: TestClient, world: World) -> None:
    signed_in(client, world.users["unit_a"])
    assert client.get("/imports").status_code == 403
    client.cookies.clear()
    signed_in(client, world.users["city"])
    page = client.get("/imports")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    assert "<script" not in page.text
    template = client.get("/imports/templates/orgs.xlsx")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None and sheet["A1"].value == "机构编码"


def test_a_city_sees_every_bad_row_then_confirms_the_fixed_file(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    rows = city_rows(tag)
    good_code = rows[2]["机构编码"]
    rows[2]["机构编码"] = good_code[:-1] + ("0" if good_code[-1] != "0" else "1")
    rows[3]["联系手机"] = "123"
    signed_in(client, world.users["city"])
    checked = upload(client, write_xlsx(tmp_path / "机构.xlsx", rows))
    assert checked.status_code == 422
    found = bad_rows(checked)
    assert [(r, c) for r, c, _ in found] == [("5", "机构编码"), ("6", "联系手机")]
    assert found[1][2] == "123"
    assert "共 2 处错误" in checked.text and 'name="upload"' not in checked.text
    rows[2]["机构编码"], rows[3]["联系手机"] = good_code, "13909371234"
    fixed = upload(client, write_xlsx(tmp_path / "机构-改.xlsx", rows))
    assert fixed.status_code == 200 and "将新增 4" in fixed.text
    with session_scope() as session:
        assert (
            session.exec(select(Organisation).where(Organisation.code == good_code)).first() is None
        )
    confirmed = client.post(
        "/imports/confirm", data={"csrf": csrf(fixed), "upload": upload_id(fixed)}
    )
    assert confirmed.status_code == 200 and "已导入：新增 4" in confirmed.text
    with session_scope() as session:
        unit = session.exec(select(Organisation).where(Organisation.code == good_code)).one()
        assert unit.path.startswith("620000/620200/")
    # The kept copy is gone once written: the same confirmation cannot write twice.
    again = client.post("/imports/confirm", data={"csrf": csrf(fixed), "upload": upload_id(fixed)})
    assert again.status_code == 400 and "请重新上传" in again.text


def test_a_city_imports_within_its_own_scope(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:6]
    lanzhou = [r for r in province_rows(1, tag) if r["上级机构编码"].startswith("6201")]
    signed_in(client, world.users["city"])
    refused = upload(client, write_xlsx(tmp_path / "兰州.xlsx", lanzhou))
    assert refused.status_code == 422
    assert {r for r, _, _ in bad_rows(refused)} == {str(n) for n in range(3, 3 + len(lanzhou))}
    assert "管辖范围" in refused.text


def test_a_city_imports_applicants_of_its_own_units_only(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    from tests.imports.test_declarations import world as import_world

    imported = import_world(1)
    own = [u for u in imported.units if u["上级机构编码"].startswith("6202")]
    other = [u for u in imported.units if u["上级机构编码"].startswith("6201")]
    rows = declaration_rows(own + other, 2, imported.tag)
    signed_in(client, world.users["city"])
    mixed = upload(
        client, write_xlsx(tmp_path / "申报人.xlsx", rows), "declarations", imported.cycle_id
    )
    assert mixed.status_code == 422
    assert [(r, c) for r, c, _ in bad_rows(mixed)] == [("4", "单位统一社会信用代码")]
    ours = upload(
        client,
        write_xlsx(tmp_path / "申报人-本市.xlsx", rows[:1]),
        "declarations",
        imported.cycle_id,
    )
    assert ours.status_code == 200, ours.text
    done = client.post("/imports/confirm", data={"csrf": csrf(ours), "upload": upload_id(ours)})
    assert done.status_code == 200 and "已导入：新增 1" in done.text
    with session_scope() as session:
        count = len(
            session.exec(
                select(Application.id).where(col(Application.cycle_id) == imported.cycle_id)
            ).all()
        )
    assert count == 1


def test_an_upload_needs_the_form_token_and_stays_its_uploaders(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    rows = city_rows(uuid.uuid4().hex[:6])
    signed_in(client, world.users["city"])
    forged = upload(client, write_xlsx(tmp_path / "a.xlsx", rows), token="0" * 32)
    assert forged.status_code == 403
    checked = upload(client, write_xlsx(tmp_path / "b.xlsx", rows))
    assert checked.status_code == 200
    client.cookies.clear()
    signed_in(client, "root-province")
    page = client.get("/imports")
    stolen = client.post(
        "/imports/confirm", data={"csrf": csrf(page), "upload": upload_id(checked)}
    )
    assert stolen.status_code == 400 and "请重新上传" in stolen.text
    wrong_type = tmp_path / "c.xls"
    wrong_type.write_bytes(b"not a workbook")
    refused = upload(client, wrong_type)
    assert refused.status_code == 400 and ".xlsx 或 .csv" in refused.text


def test_an_upload_is_kept_owner_only_and_held_to_the_row_limit(
    client: TestClient, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kept copy holds the office's people: 0600 from the start. A file over
    ZHICHENG_IMPORT_MAX_ROWS is refused as the command line refuses it."""
    from dashboard.uploads import kept
    from models.settings import settings

    rows = city_rows(uuid.uuid4().hex[:6])
    signed_in(client, world.users["city"])
    checked = upload(client, write_xlsx(tmp_path / "机构.xlsx", rows))
    assert checked.status_code == 200, checked.text
    account = find_account_id(world.users["city"])
    assert stat.S_IMODE(kept(upload_id(checked), account).path.stat().st_mode) == 0o600
    # the reader allows a title, a heading and a notes row above the data rows
    monkeypatch.setenv("ZHICHENG_IMPORT_MAX_ROWS", "1")
    settings.cache_clear()
    try:
        refused = upload(client, write_xlsx(tmp_path / "机构-多.xlsx", rows))
    finally:
        monkeypatch.delenv("ZHICHENG_IMPORT_MAX_ROWS")
        settings.cache_clear()
    assert refused.status_code == 400 and "超过 1 行" in refused.text


def find_account_id(username: str) -> int:
    from models.accounts import find_account

    with session_scope() as session:
        found = find_account(session, username)
        assert found is not None and found.id is not None
        return found.id
