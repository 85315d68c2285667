"""`scripts/live.sh start`, `status` and `stop` with their own home, databases and ports: each
service answers, and stop leaves no process behind (and is safe to call twice)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.live.conftest import POOL, base_env, workers_online
from tests.live.processes import ROOT, alive, family, free_port

SCRIPT = ROOT / "scripts" / "live.sh"


def _run(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=600
    )


def _groups(state: Path) -> dict[str, int]:
    return {f.stem: int(f.read_text().split()[0]) for f in state.glob("*.pid")}


def _kill_leftovers(groups: list[int]) -> None:
    """Only when stop failed: the test must not leave its stack running."""
    pids = family(groups)
    for group in groups:
        try:
            os.killpg(group, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for pid in alive(pids):
        os.kill(pid, signal.SIGKILL)


def test_live_sh_starts_reports_and_stops_exactly_its_stack(
    tmp_path: Path, fresh_database: Callable[[str], str]
) -> None:
    home = tmp_path / "home"
    prefect_port, dashboard_port, worker_port = free_port(), free_port(), free_port()
    zhicheng_db, prefect_db = fresh_database("zhicheng_livesh"), fresh_database("prefect_livesh")
    # The databases exist already: the script must find and use them (it creates them only
    # when missing, which a fresh name would not show either way).
    env = {
        **base_env(home),
        "ZHICHENG_LIVE_DB": zhicheng_db,
        "ZHICHENG_LIVE_PREFECT_DB": prefect_db,
        "ZHICHENG_LIVE_PREFECT_PORT": str(prefect_port),
        "ZHICHENG_LIVE_DASHBOARD_PORT": str(dashboard_port),
        "ZHICHENG_LIVE_WORKER_PORT": str(worker_port),
        "ZHICHENG_LIVE_WORKERS": "1",
    }
    state = home / "live"
    began = time.monotonic()
    started = _run("start", env)
    took = time.monotonic() - began
    groups = _groups(state)
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert set(groups) == {"prefect-server", "worker-1", "dashboard"}
        api = f"http://127.0.0.1:{prefect_port}/api"
        assert f"http://127.0.0.1:{dashboard_port}/" in started.stdout and api in started.stdout

        assert httpx.get(f"{api}/health", timeout=5).json() is True
        assert httpx.get(f"http://127.0.0.1:{worker_port}/health", timeout=5).status_code == 200
        assert [name for name in workers_online(api) if name.endswith("-live-1")]
        assert httpx.get(f"http://127.0.0.1:{dashboard_port}/login", timeout=5).status_code == 200
        deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json()
        assert sorted(d["name"] for d in deployments) == [
            "annual-cycle",
            "cycle-phase",
            "daily-sweep",
            "extend-phase",
        ]
        assert {d["work_pool_name"] for d in deployments} == {POOL}
        env_file = (state / "env").read_text()
        assert f"/{zhicheng_db}'" in env_file and f"PREFECT_API_URL='{api}'" in env_file

        status = _run("status", env)
        assert status.returncode == 0, status.stdout + status.stderr
        assert status.stdout.count("运行中") == 3, status.stdout

        processes = family(groups.values())
        assert len(processes) >= 3
        stopped = _run("stop", env)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert not alive(processes), f"left behind: {sorted(alive(processes))}"
        assert not list(state.glob("*.pid"))
        again = _run("stop", env)
        assert again.returncode == 0, again.stdout + again.stderr
        after = _run("status", env)
        assert after.returncode == 1 and "运行中" not in after.stdout
        # The PostgreSQL cluster was up before: it stays up.
        assert subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0
    finally:
        _kill_leftovers(list(groups.values()))
        print(f"live.sh start took {took:.1f} s:\n{started.stdout}")


def test_live_sh_refuses_a_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {
            **base_env(tmp_path / "home"),
            "ZHICHENG_LIVE_PREFECT_PORT": str(port),
            "ZHICHENG_LIVE_DB": f"never_{uuid.uuid4().hex[:6]}",
        }
        refused = _run("start", env)
    assert refused.returncode == 1 and f"端口 {port} 已被占用" in refused.stderr
    assert not list((tmp_path / "home" / "live").glob("*.pid"))


@pytest.mark.parametrize("command", ["", "restart"])
def test_live_sh_names_its_commands(command: str, tmp_path: Path) -> None:
    out = _run(command, base_env(tmp_path / "home"))
    assert out.returncode == 2 and "start|status|stop" in out.stderr
