"""A real Prefect server on a fresh PostgreSQL database, a real process worker on the work
pool of prefect.yaml, the deployments registered by `prefect deploy --all`, and zhicheng on its
own fresh PostgreSQL database — no prefect_test_harness. Everything is torn down by process
group, and checked gone."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PG_ADMIN
from tests.grouping import group_folder
from tests.live.processes import BIN, ROOT, Service, free_port

POOL = "zhicheng"  # the work pool prefect.yaml names
# How far ahead a test schedules its run: a worker's flow run is a fresh Python process that
# needs seconds to import Prefect and the flows (3 s of CPU, but 26-34 s measured on a 2-core
# machine at load 12-14); the worker starts it early (prefetch), the server holds it until its
# instant.
LEAD = dt.timedelta(seconds=30)
ON_TIME = dt.timedelta(seconds=10)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups, as in tests/conftest.py
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The live tests start their own servers: one xdist group of their own, beside the two
    backends' groups."""
    group_folder(config, items, Path(__file__).parent, "live")


def _admin(sql: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(sql))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_database() -> Iterator[Callable[[str], str]]:
    """Makes fresh PostgreSQL databases by name; drops them all at the end."""
    names: list[str] = []

    def make(prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        _admin(f'CREATE DATABASE "{name}"')
        names.append(name)
        return name

    yield make
    for name in names:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_url(name: str, driver: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql+psycopg2", driver) + f"/{name}"


def base_env(home: Path) -> dict[str, str]:
    """What every live process sees: no developer profile, no telemetry, no proxy."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PREFECT_", "ZHICHENG_")) and "proxy" not in k.lower()
    }
    env.update(
        ZHICHENG_HOME=str(home),
        PREFECT_HOME=str(home / "prefect"),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_LOGGING_LEVEL="INFO",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


@dataclass
class Live:
    """A running server and the zhicheng database its flows use."""

    api_url: str
    env: dict[str, str]  # for a process working against this server and database
    logs: Path
    timings: dict[str, float]


@pytest.fixture(scope="session")
def live(
    tmp_path_factory: pytest.TempPathFactory, fresh_database: Callable[[str], str]
) -> Iterator[Live]:
    """`prefect server start` on its own PostgreSQL database and a free port."""
    from models.migrate import upgrade

    home = tmp_path_factory.mktemp("live-home")
    # Outside pytest's temporary directories, which other runs rotate away: the logs are
    # what a failure of these tests is diagnosed from.
    logs = Path(tempfile.mkdtemp(prefix="zhicheng-live-logs-"))
    port = free_port()
    env = base_env(home)
    server_env = {
        **env,
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": pg_url(
            fresh_database("zhicheng_live_prefect"), "postgresql+asyncpg"
        ),
    }
    server = Service(
        "prefect-server",
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        server_env,
        logs,
    )
    timings: dict[str, float] = {}
    try:
        zhicheng_db = pg_url(fresh_database("zhicheng_live"), "postgresql+psycopg2")
        began = time.monotonic()
        upgrade(zhicheng_db)
        timings["zhicheng database migrated"] = time.monotonic() - began
        timings["server start"] = server.wait_for_url(f"http://127.0.0.1:{port}/api/health", "true")
        api = f"http://127.0.0.1:{port}/api"
        yield Live(
            api_url=api,
            env={**env, "PREFECT_API_URL": api, "ZHICHENG_DATABASE_URL": zhicheng_db},
            logs=logs,
            timings=timings,
        )
    finally:
        server.stop()
        print(f"live timings (s): { {k: round(v, 1) for k, v in timings.items()} }; logs: {logs}")


def workers_online(api_url: str, after: float = 0.0) -> set[str]:
    """Workers listed online whose last heartbeat came after ``after`` (a UNIX time)."""
    response = httpx.post(f"{api_url}/work_pools/{POOL}/workers/filter", json={}, timeout=5)
    if response.status_code != 200:
        return set()
    return {
        w["name"]
        for w in response.json()
        if w["status"] == "ONLINE"
        and dt.datetime.fromisoformat(w["last_heartbeat_time"]).timestamp() > after
    }


class Workers:
    """The process worker of the live tests, which a test may kill and replace (the drill):
    ``current`` is the one running now, and the fixture stops whichever that is. It is started
    as live operation starts one, by `zhicheng worker` under a fixed name, so a replacement
    takes back what its killed predecessor left."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.name = f"live-test-{uuid.uuid4().hex[:6]}"
        self.started = 0
        self.current = self.start()

    @property
    def log(self) -> Path:
        return self.current.log

    def start(self) -> Service:
        self.started += 1
        proc = Service(
            f"worker-{self.name}-{self.started}",
            [str(BIN / "zhicheng"), "worker", "--pool", POOL, "--name", self.name],
            {
                **self.live.env,
                # The worker starts a run's process this long before its instant: a fresh
                # process needs 5 s to import Prefect and the flows on a quiet machine and
                # 20-35 s on this 2-core one under load; the server holds it until its instant.
                "PREFECT_WORKER_PREFETCH_SECONDS": "60",
                "PREFECT_WORKER_QUERY_SECONDS": "1",
            },
            self.live.logs,
        )
        self.live.timings[f"worker start ({self.name} #{self.started})"] = proc.wait_until(
            lambda: self._online_since(proc), "worker online in the pool"
        )
        return proc

    def _online_since(self, proc: Service) -> bool:
        """Online, and its heartbeat is this process's (a killed one stays listed online)."""
        return proc.running() and self.name in workers_online(
            self.live.api_url, after=proc.started_at
        )

    def replace(self) -> Service:
        """A new worker of the same name after the current one died (its log stays beside
        the new one's)."""
        self.current = self.start()
        return self.current


@pytest.fixture(scope="session")
def workers(live: Live) -> Iterator[Workers]:
    """A process worker on the pool (it creates the pool with the process job template) and
    the deployments of prefect.yaml, registered as in live operation; one for the session."""
    workers = Workers(live)
    try:
        began = time.monotonic()
        deployed = subprocess.run(
            [str(BIN / "prefect"), "--no-prompt", "deploy", "--all"],
            cwd=ROOT,
            env={**live.env, "ZHICHENG_CHECKOUT": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
        live.timings["prefect deploy --all"] = time.monotonic() - began
        yield workers
    finally:
        workers.current.stop()


@pytest.fixture
def worker(workers: Workers) -> Workers:
    """The session's worker, running: a test that killed it and failed before replacing it
    (the drill) leaves the next test a new one, not a dead one and a run that stays Late."""
    if not workers.current.running():
        workers.replace()
    return workers
