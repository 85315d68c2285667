"""`zhicheng account create | demo` and `zhicheng dashboard` on the command line."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dashboard.app import create_app
from tests.dashboard.conftest import Clocked, World
from tests.factories import bj
from zhicheng.cli import app

runner = CliRunner()


def test_account_create_follows_the_tree(world: World, root_account: str) -> None:
    name = f"cli-{uuid.uuid4().hex[:6]}"
    made = runner.invoke(
        app,
        [
            "account",
            "create",
            name,
            "--org",
            world.unit_a,
            "--role",
            "operator",
            "--by",
            world.users["city"],
        ],
        env={"ZHICHENG_NEW_PASSWORD": "Cli-pass-2024"},
    )
    assert made.exit_code == 0, made.output
    assert f"已创建账号 {name}" in made.output
    same_level = runner.invoke(
        app,
        [
            "account",
            "create",
            f"{name}-2",
            "--org",
            "620000",
            "--role",
            "admin",
            "--by",
            root_account,
        ],
        env={"ZHICHENG_NEW_PASSWORD": "Cli-pass-2024"},
    )
    assert same_level.exit_code == 2
    assert "本级系统管理员账号由上级创建" in same_level.output
    nobody = runner.invoke(
        app,
        ["account", "create", f"{name}-3", "--org", world.unit_a, "--by", "no-such-admin"],
        env={"ZHICHENG_NEW_PASSWORD": "Cli-pass-2024"},
    )
    assert nobody.exit_code == 2 and "没有用户名为 no-such-admin 的账号" in nobody.output


def test_account_create_on_the_command_line_keeps_the_private_sector_rule(
    world: World, root_account: str
) -> None:
    """A private hospital's accounts come from the health department (003 附件2 二) on the
    command line as over the API: the city that may reach it by the tree is refused."""
    from tests.dashboard.test_private_accounts_api import private_hospital

    tag, code = private_hospital(world)
    refused = runner.invoke(
        app,
        ["account", "create", f"h-{tag}", "--org", code, "--by", world.users["city"]],
        env={"ZHICHENG_NEW_PASSWORD": "Quiet-harbour-58"},
    )
    assert refused.exit_code == 2, refused.output
    assert "卫健" in refused.output and "003 附件2 二" in refused.output


def test_a_committee_account_names_its_committee_by_key(world: World, root_account: str) -> None:
    name = f"cli-pw-{uuid.uuid4().hex[:6]}"
    args = ["account", "create", name, "--cycle", world.cycle_id, "--by", root_account]
    password = {"ZHICHENG_NEW_PASSWORD": "Cli-pass-2024"}
    made = runner.invoke(app, [*args, "--committee", "jyg-ws-gj"], env=password)
    assert made.exit_code == 0, made.output
    assert f"已创建账号 {name}（嘉峪关市卫生系列高级职称评审委员会" in made.output
    unknown = runner.invoke(
        app, [*args[:2], f"{name}-2", *args[3:], "--committee", "no-such"], env=password
    )
    assert unknown.exit_code == 2
    assert f"周期 {world.cycle_id} 没有评委会 no-such" in unknown.output


def test_account_demo_prints_passwords_that_sign_in(sim: dict, root_account: str) -> None:
    cycle_id = sim["report"].cycle_id
    result = runner.invoke(app, ["account", "demo", "--cycle", cycle_id])
    assert result.exit_code == 0, result.output
    found = dict(re.findall(r"│ (\w+)\s+│ (Zc\w+)\s+│", result.output))
    assert set(found) == {"sheng", "shi", "xian", "bumen", "danwei", "pingwei"}
    with TestClient(create_app(clock=Clocked(bj(2025, 1, 10)))) as client:
        for user, password in found.items():
            signed = client.post("/api/session", json={"username": user, "password": password})
            assert signed.status_code == 200, (user, signed.text)
        unit = client.post(
            "/api/session", json={"username": "danwei", "password": found["danwei"]}
        ).json()
        overview = client.get(
            f"/api/cycles/{cycle_id}/overview",
            headers={"authorization": f"Bearer {unit['token']}"},
        ).json()
    assert overview["org_kind"] == "unit" and overview["total"] > 0
    again = runner.invoke(app, ["account", "demo", "--cycle", cycle_id])
    assert again.exit_code == 0, again.output  # a rerun gives fresh passwords


def test_rerunning_account_demo_ends_the_old_sign_ins(sim: dict, root_account: str) -> None:
    cycle_id = sim["report"].cycle_id
    first = runner.invoke(app, ["account", "demo", "--cycle", cycle_id])
    assert first.exit_code == 0, first.output
    found = dict(re.findall(r"│ (\w+)\s+│ (Zc\w+)\s+│", first.output))
    with TestClient(create_app()) as client:
        signed = client.post("/api/session", json={"username": "shi", "password": found["shi"]})
        assert signed.status_code == 200, signed.text
        headers = {"authorization": f"Bearer {signed.json()['token']}"}
        assert client.get("/api/me", headers=headers).status_code == 200
        again = runner.invoke(app, ["account", "demo", "--cycle", cycle_id])
        assert again.exit_code == 0, again.output
        assert client.get("/api/me", headers=headers).status_code == 401


def test_dashboard_command_is_documented() -> None:
    result = runner.invoke(app, ["dashboard", "--help"])
    assert result.exit_code == 0
    assert "--as-of" in result.output and "--port" in result.output
