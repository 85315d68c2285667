"""Bad input that needs a process of its own: a file that could hang the loader (run with a
timeout), a simulation too large to start, and a simulation stopped by a signal half-way."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from models.application import Application
from models.cycle import Cycle
from models.db import session_scope
from simulation.driver import simulation_id
from tests.corpus.checksums import changed_tables, table_digests
from tests.factories import stored_cycle

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZHICHENG = [sys.executable, "-m", "zhicheng.cli"]


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Prefect home for the module: its database is migrated on the first start only."""
    return tmp_path_factory.mktemp("prefect")


def _env(database: str, prefect_home: Path) -> dict[str, str]:
    """The test's database; Prefect's own temporary server, as an office's first run has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env |= {
        "ZHICHENG_DATABASE_URL": database,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # its first start migrates a fresh database: slow on a shared, loaded machine
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "150",
    }
    return env


def _refused(args: list[str], env: dict[str, str], timeout: float) -> str:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*ZHICHENG, *args], env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(args)} still running after {timeout} s")
    shown = done.stdout + done.stderr
    assert done.returncode not in (0, None), shown
    assert "Traceback" not in shown, shown
    assert CHINESE.search(shown), shown
    return f"{time.monotonic() - started:.1f} s"


def billion_laughs(path: Path) -> Path:
    """About 4.8 KB: nine levels of nine aliases each (9^9 strings when walked) as a cycle's
    title, padded with comments as a file passed around might be."""
    lines = [
        "id: " + path.stem,
        'l0: &l0 ["哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈", "哈哈"]',
    ]
    for level in range(1, 10):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    lines.append("title: *l9")
    text = "\n".join(lines) + "\n"
    padding = "# " + "填充" * 40 + "\n"
    while len(text.encode()) < 4800:
        text += padding
    path.write_text(text, encoding="utf-8")
    return path


def test_a_yaml_bomb_is_refused_at_once(tmp_path: Path, prefect_home: Path) -> None:
    bomb = billion_laughs(tmp_path / "laughs-2024.yaml")
    assert 4700 < bomb.stat().st_size < 5100
    env = _env(f"sqlite:///{tmp_path / 'z.db'}", prefect_home)
    _refused(["plan", str(bomb)], env, timeout=30)


def test_a_simulation_too_large_is_refused_before_it_starts(db: str, prefect_home: Path) -> None:
    before = table_digests(db)
    _refused(["simulate", "--applicants", "100000000"], _env(db, prefect_home), timeout=60)
    assert changed_tables(before, table_digests(db)) == []


# What the database holds does not change what Prefect prints: one backend is enough.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_refused_extension_prints_no_traceback(
    db: str, prefect_server: None, prefect_home: Path
) -> None:
    """Prefect logs a failed flow run's traceback to the real stderr: only a process of its
    own shows what an office sees."""
    from prefect.settings import PREFECT_API_URL

    cycle = stored_cycle()
    env = _env(db, prefect_home) | {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    overlapping = ["--phase", "declaration", "--until", "2024-10-25"]
    before = table_digests(db)
    _refused(
        ["extend", "--cycle", cycle, *overlapping, "--by", "省职改办", "--reason", "系统故障"],
        env,
        timeout=120,
    )
    assert changed_tables(before, table_digests(db)) == []


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc: no dependency for this alone)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cycle_rows(cycle_id: str) -> tuple[int, int]:
    with session_scope() as session:
        cycles = session.execute(select(func.count()).where(col(Cycle.id) == cycle_id)).scalar_one()
        applications = session.execute(
            select(func.count()).where(col(Application.cycle_id) == cycle_id)
        ).scalar_one()
    return cycles, applications


# The deletion itself is models.purge's, tested on both backends; the signal and the server
# are the same whichever database the run writes to, and a run takes half a minute.
@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_a_simulation_stopped_by_sigterm_leaves_no_cycle_and_no_server(
    db: str, prefect_home: Path
) -> None:
    seed, applicants = uuid.uuid4().int % 10**6, 30
    cycle_id = simulation_id("jiayuguan-2024", seed, applicants)
    args = ["simulate", "--applicants", str(applicants), "--seed", str(seed), "--json"]
    run = subprocess.Popen(
        [*ZHICHENG, *args],
        env=_env(db, prefect_home),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 240
        servers: set[int] = set()
        # Mid-run: the cycle and its applicants written, Prefect's server started.
        while time.monotonic() < deadline and run.poll() is None:
            servers = _children(run.pid)
            if servers and _cycle_rows(cycle_id)[1] == applicants:
                break
            time.sleep(0.2)
        assert run.poll() is None, run.communicate()
        assert servers and _cycle_rows(cycle_id)[1] == applicants, "never got mid-run"
        run.send_signal(signal.SIGTERM)
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 130, out + err
    assert "已中止" in err and "Traceback" not in out + err, out + err
    assert _cycle_rows(cycle_id) == (0, 0)
    time.sleep(0.5)  # the server was told to stop and waited for; give /proc a moment
    assert not [pid for pid in servers if _alive(pid)]
