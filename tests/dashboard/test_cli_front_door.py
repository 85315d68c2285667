"""`zhicheng account create --role intake | reset | deactivate | activate | token` (issue 13)."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dashboard.app import create_app
from tests.dashboard.conftest import PASSWORD, Clocked, World
from zhicheng.cli import app

runner = CliRunner()


def _sign_in(client: TestClient, username: str, password: str) -> int:
    return client.post(
        "/api/session", json={"username": username, "password": password}
    ).status_code


def test_the_front_ends_account_and_its_token(
    world: World, root_account: str, clock: Clocked
) -> None:
    name = f"cli-front-{uuid.uuid4().hex[:6]}"
    args = ["account", "create", name, "--role", "intake", "--by", root_account]
    without_cycle = runner.invoke(app, args)
    assert without_cycle.exit_code == 2 and "--cycle" in without_cycle.output
    made = runner.invoke(app, [*args, "--cycle", world.cycle_id])
    assert made.exit_code == 0, made.output
    first = made.output.strip().splitlines()[-1]
    by_city = runner.invoke(
        app,
        [
            *args[:2],
            f"{name}-2",
            *args[3:5],
            "--by",
            world.users["city"],
            "--cycle",
            world.cycle_id,
        ],
    )
    assert by_city.exit_code == 2 and "省级系统管理员" in by_city.output
    rotated = runner.invoke(app, ["account", "token", name, "--by", root_account])
    assert rotated.exit_code == 0, rotated.output
    second = rotated.output.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", second) and second != first
    with TestClient(create_app(clock=clock)) as client:
        path = f"/api/cycles/{world.cycle_id}/declarations/620102198503120019"
        assert (
            client.put(path, json={}, headers={"authorization": f"Bearer {first}"}).status_code
            == 401
        )
        assert (
            client.put(path, json={}, headers={"authorization": f"Bearer {second}"}).status_code
            == 422
        )
        revoked = runner.invoke(app, ["account", "token", name, "--by", root_account, "--revoke"])
        assert revoked.exit_code == 0, revoked.output
        assert (
            client.put(path, json={}, headers={"authorization": f"Bearer {second}"}).status_code
            == 401
        )


def test_reset_and_deactivate_one_level_down(
    world: World, root_account: str, clock: Clocked
) -> None:
    target, city = world.users["unit_a"], world.users["city"]
    refused = runner.invoke(app, ["account", "reset", target, "--by", world.users["lz-city"]])
    assert refused.exit_code == 2 and "不由您管理" in refused.output
    reset = runner.invoke(app, ["account", "reset", target, "--by", city])
    assert reset.exit_code == 0, reset.output
    temporary = reset.output.strip().rsplit("：", 1)[-1]
    with TestClient(create_app(clock=clock)) as client:
        assert _sign_in(client, target, PASSWORD) == 401
        assert _sign_in(client, target, temporary) == 200
        off = runner.invoke(app, ["account", "deactivate", target, "--by", city])
        assert off.exit_code == 0, off.output
        assert _sign_in(client, target, temporary) == 401
        on = runner.invoke(app, ["account", "activate", target, "--by", city])
        assert on.exit_code == 0, on.output
        assert _sign_in(client, target, temporary) == 200
