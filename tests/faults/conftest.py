"""Faults injected into a running zhicheng: its own `prefect server start` on a fresh
PostgreSQL database (a server these tests stop and start again), and zhicheng on a fresh
PostgreSQL database of its own. They run in the live tests' xdist group: one worker, one
server, the tests one after another."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prefect.settings import PREFECT_API_URL, temporary_settings

from tests.grouping import group_folder
from tests.live.conftest import base_env, fresh_database, pg_url
from tests.live.processes import BIN, Service, free_port

__all__ = ["fresh_database"]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups, as in tests/conftest.py
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the live tests' group: one worker, the servers' tests one after another."""
    group_folder(config, items, Path(__file__).parent, "live")


class PrefectServer:
    """`prefect server start` on its own database and port, which a test may stop (an outage)
    and start again on the same port and database."""

    def __init__(self, database_url: str, home: Path, logs: Path) -> None:
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.env = {**base_env(home), "PREFECT_SERVER_DATABASE_CONNECTION_URL": database_url}
        self.logs = logs
        self.starts: list[float] = []
        self.service = self.start()

    def start(self) -> Service:
        argv = [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1"]
        self.service = Service(
            "prefect-server", [*argv, "--port", str(self.port)], self.env, self.logs
        )
        self.starts.append(self.service.wait_for_url(f"{self.api_url}/health", "true"))
        return self.service

    def stop(self) -> None:
        self.service.stop()


@pytest.fixture(scope="session")
def prefect_server_process(
    tmp_path_factory: pytest.TempPathFactory, fresh_database
) -> Iterator[PrefectServer]:
    logs = Path(tempfile.mkdtemp(prefix="zhicheng-fault-logs-"))
    server = PrefectServer(
        pg_url(fresh_database("zhicheng_fault_prefect"), "postgresql+asyncpg"),
        tmp_path_factory.mktemp("fault-home"),
        logs,
    )
    try:
        yield server
    finally:
        if server.service.running():
            server.stop()
        print(f"fault server starts (s): {[round(s, 1) for s in server.starts]}; logs: {logs}")


@pytest.fixture(scope="session")
def zhicheng_database(fresh_database) -> str:
    from models.migrate import upgrade

    url = pg_url(fresh_database("zhicheng_fault"), "postgresql+psycopg2")
    upgrade(url)
    return url


@dataclass
class Faulted:
    """Where a fault test's flows run: the server's API and zhicheng's database URL."""

    server: PrefectServer
    database_url: str


@pytest.fixture
def faulted(prefect_server_process: PrefectServer, zhicheng_database: str) -> Iterator[Faulted]:
    """This process's flows against the test's server and zhicheng database; put back after."""
    yield from pointed_at(prefect_server_process, zhicheng_database)


def pointed_at(server: PrefectServer, database_url: str) -> Iterator[Faulted]:
    from models.settings import settings

    before = os.environ.get("ZHICHENG_DATABASE_URL")
    os.environ["ZHICHENG_DATABASE_URL"] = database_url
    settings.cache_clear()
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield Faulted(server, database_url)
    finally:
        if before is None:
            os.environ.pop("ZHICHENG_DATABASE_URL", None)
        else:
            os.environ["ZHICHENG_DATABASE_URL"] = before
        settings.cache_clear()


def elapsed(since: float) -> float:
    return round(time.monotonic() - since, 1)


def plain_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flow function's tasks called as plain functions: a simulated day is tens of runs,
    and what is tested is zhicheng's database, not Prefect's bookkeeping of each task."""
    import flows.cycle

    for name in (
        "sweep",
        "remind_and_escalate",
        "carry_out",
        "deliver_messages",
        "publish_progress",
    ):
        monkeypatch.setattr(flows.cycle, name, getattr(flows.cycle, name).fn)


@pytest.fixture(name="plain_tasks")
def plain_tasks_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    plain_tasks(monkeypatch)
