"""Shared fixtures: an isolated home, databases on SQLite and PostgreSQL, one Prefect server
and one small simulated cycle per session."""

from __future__ import annotations

import io
import json
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="zhicheng-test-home-"))
os.environ["ZHICHENG_HOME"] = str(_HOME)
os.environ.pop("ZHICHENG_DATABASE_URL", None)
os.environ.pop("ZHICHENG_CALENDAR_OVERRIDES", None)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

PG_ADMIN = os.environ.get(
    "ZHICHENG_TEST_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def _fresh_postgres() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"zhicheng_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the suite must not pass silently without PostgreSQL
        pytest.fail(f"PostgreSQL at {PG_ADMIN} is needed for the database tests: {exc}")
    finally:
        admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def _drop_postgres(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def use_database(url: str) -> None:
    """Point every session_scope() at ``url`` and bring its schema up to date."""
    from models.migrate import upgrade
    from models.settings import settings

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()
    upgrade(url)


@contextmanager
def _fresh_database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new migrated database of ``backend``, pointed at; dropped afterwards (PostgreSQL)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'zhicheng.db'}"
        use_database(url)
        yield url
        return
    url, name = _fresh_postgres()
    use_database(url)
    yield url
    from models.db import engine

    engine(url).dispose()
    _drop_postgres(name)


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database per backend, shared by the session; tests use their own cycle ids."""
    with _fresh_database(request.param, tmp_path_factory) as url:
        yield url


def point_at(url: str) -> None:
    """Re-points the settings at ``url`` (another backend's test may have moved them)."""
    from models.settings import settings

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()


@pytest.fixture
def db(database: str) -> str:
    point_at(database)
    return database


# Server services no test here relies on: nothing reads Prefect's events or has automations,
# the test deployments have no schedules and no worker polls them, nothing pauses. Writing
# every event and evaluating triggers on it was a fifth of the server's CPU in a simulated
# cycle. Kept: the task-run recorder (task runs reach the database through it) and the
# repossessor (the cycles' concurrency-limit leases).
_IDLE_SERVICES = (
    "EVENT_PERSISTER",
    "TRIGGERS",
    "SCHEDULER",
    "LATE_RUNS",
    "FOREMAN",
    "CANCELLATION_CLEANUP",
    "PAUSE_EXPIRATIONS",
)


@pytest.fixture(scope="session")
def prefect_server() -> Iterator[None]:
    """One Prefect server for the whole session (its first start takes seconds)."""
    import prefect.settings
    from prefect.testing.utilities import prefect_test_harness

    off = {
        getattr(prefect.settings, f"PREFECT_SERVER_SERVICES_{name}_ENABLED"): False
        for name in _IDLE_SERVICES
    }
    with (
        prefect.settings.temporary_settings(updates=off),
        prefect_test_harness(server_startup_timeout=180),
    ):
        yield


# --- one small simulated 2024 cycle per backend, shared by every test that reads its data ---


def exported(kind: str, cycle_id: str) -> list[dict]:
    from zhicheng import export

    out = io.StringIO()
    export.write(kind, cycle_id, "json", out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="session")
def simulated(database: str, prefect_server: None) -> dict:
    """Every message goes through apprise to a local HTTP receiver, as with --notify URL."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from simulation.driver import Simulation
    from tests.notifications.receivers import HttpReceiver

    progress: list[tuple[int, str, float]] = []
    with (
        HttpReceiver() as receiver,
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        report = Simulation(
            bundled_cycle("jiayuguan-2024"),
            applicants=400,
            seed=11,
            progress=lambda done, clock, share: progress.append((done, clock, share)),
            notify_url=f"json://127.0.0.1:{receiver.port}/zhicheng",
        ).run()
    return {
        "report": report,
        "progress": progress,
        "received": receiver.received,
        **{
            kind: exported(kind, report.cycle_id)
            for kind in ("applications", "audit", "messages", "escalations")
        },
    }


@pytest.fixture
def sim(simulated: dict, db: str) -> dict:
    return simulated


@dataclass(frozen=True)
class Golden:
    lines: dict[str, list[str]]  # its normalised exports, read before any test could change it
    cycle_id: str
    url: str  # its own database


@pytest.fixture(scope="session")
def golden(
    database: str, prefect_server: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Golden]:
    """The golden cycle (tests/golden), simulated once per backend in a database of its own:
    in the shared one another test's 2024 cycle may hold one of its synthetic people, whom
    the rule of one committee a year then leaves out (a 5,999-applicant golden cycle, seen
    in CI). The deletion test deletes it there."""
    from tests.golden.exports import normalised, simulate

    backend = "sqlite" if database.startswith("sqlite") else "postgresql"
    with _fresh_database(backend, tmp_path_factory) as url:
        cycle_id = simulate()
        found = Golden(normalised(cycle_id), cycle_id, url)
        point_at(database)
        yield found


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With ``-n 2 --dist loadgroup`` each backend's tests run on one worker: one simulated
    cycle and one Prefect server per worker, and the two backends side by side."""
    from tests.grouping import put_in_group

    for item in items:
        spec = getattr(item, "callspec", None)
        backend = spec.params.get("database") if spec is not None else None
        if backend is not None:
            put_in_group(config, item, backend)
