"""zhicheng beside its peers, in one run (issue 14):

    .venv/bin/python benchmarks/compare.py [SIZES …] [--naive N] [--floor N]

1. zhicheng: the simulated 2024 Jiayuguan cycle at each size (default 1,000 / 10,000 /
   100,000), each in its own process (``benchmarks/simulate.py``) on a fresh SQLite file,
   against one Prefect server started first — its start is timed apart.
2. The naive Prefect design: one task run per transition, six transitions per application
   (submit … forward), each task one UPDATE and its audit row, for N applications (default
   1,000) inside one flow run on the same server; extrapolated to 100,000 × 6.
3. The floor: the six transitions as six set-based UPDATEs with their audit rows
   (INSERT … SELECT) over N rows (default 100,000) in a fresh SQLite file — what the
   database work alone costs.

Prints one JSON line per measurement, then the ratios, and exits 1 when the 100,000 run took
more than 60 s (the issue's line; its goal is 15 s). The machine's load is printed with each
figure: on a shared machine compare ratios, not seconds. The server's own output goes to a log
beside the databases, not to the terminal: the naive design's events overflow its queue, and
each event it drops is a warning line (7,000 of them at 1,000 applications, then the
tracebacks of the writes still queued when it is stopped). What it dropped and how many errors
it logged are figures of the naive line (``server_events_dropped``, ``server_errors``)."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# A shared machine under load starts the local server slowly (the default gives up at 20 s).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from benchmarks.scratch import scratch_dir  # noqa: E402
from benchmarks.server_log import server_log_counts  # noqa: E402

LIMIT = 60.0  # seconds at 100,000 above which issue 14 stays open
GOAL = 15.0
# The six transitions of the floor and the naive design: (from, to).
SIX = (
    ("draft", "submitted"),
    ("submitted", "unit_review"),
    ("unit_review", "recommended"),
    ("recommended", "unit_publicity"),
    ("unit_publicity", "department_review"),
    ("department_review", "committee_review"),
)
SCHEMA = """
CREATE TABLE application (id INTEGER PRIMARY KEY, cycle_id TEXT NOT NULL, status TEXT NOT NULL,
                          updated_at TEXT NOT NULL);
CREATE INDEX ix_application_cycle_status ON application (cycle_id, status);
CREATE TABLE audit (id INTEGER PRIMARY KEY, cycle_id TEXT NOT NULL, application_id INTEGER NOT NULL,
                    at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                    from_status TEXT NOT NULL, to_status TEXT NOT NULL);
"""


def load() -> float:
    path = Path("/proc/loadavg")
    return float(path.read_text().split()[0]) if path.exists() else 0.0


def machine() -> dict[str, Any]:
    cpu = "?"
    info = Path("/proc/cpuinfo")
    if info.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in info.read_text().splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    memory = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        memory = int(meminfo.read_text().split()[1]) // 1024 // 1024
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": memory,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }


def fresh_database(directory: Path, rows: int) -> sqlite3.Connection:
    db = sqlite3.connect(directory / "bench.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO application (cycle_id, status, updated_at) VALUES ('c', 'draft', '2024-09-01')",
        ([] for _ in range(rows)),
    )
    db.execute("COMMIT")
    return db


def floor(rows: int) -> dict[str, Any]:
    """Six set-based transitions with their audit rows, each in its own transaction."""
    with tempfile.TemporaryDirectory(prefix="zhicheng-floor-") as home:
        db = fresh_database(Path(home), rows)
        before = load()
        started = time.perf_counter()
        for n, (source, target) in enumerate(SIX):
            at = f"2024-10-{n + 1:02d}T09:00:00"
            db.execute("BEGIN")
            db.execute(
                "INSERT INTO audit (cycle_id, application_id, at, actor, action, from_status,"
                " to_status) SELECT cycle_id, id, ?, 'system', ?, status, ? FROM application"
                " WHERE cycle_id = 'c' AND status = ?",
                (at, f"{source}->{target}", target, source),
            )
            db.execute(
                "UPDATE application SET status = ?, updated_at = ? WHERE cycle_id = 'c' AND status = ?",
                (target, at, source),
            )
            db.execute("COMMIT")
        seconds = time.perf_counter() - started
        audited = db.execute("SELECT count(*) FROM audit").fetchone()[0]
        db.close()
    assert audited == rows * len(SIX)
    return {
        "what": "floor",
        "rows": rows,
        "seconds": round(seconds, 2),
        "load_before": before,
        "load_after": load(),
    }


def naive(applications: int) -> dict[str, Any]:
    """One Prefect task run per transition per application, in one flow run."""
    from prefect import flow, task
    from prefect.cache_policies import NO_CACHE

    home = scratch_dir("zhicheng-naive-")
    fresh_database(home, applications).close()
    path = home / "bench.db"

    @task(cache_policy=NO_CACHE, name="transition-one")
    def move(app_id: int, source: str, target: str, at: str) -> int:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("BEGIN")
            changed = db.execute(
                "UPDATE application SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                (target, at, app_id, source),
            ).rowcount
            if changed:
                db.execute(
                    "INSERT INTO audit (cycle_id, application_id, at, actor, action, from_status,"
                    " to_status) VALUES ('c', ?, ?, 'system', ?, ?, ?)",
                    (app_id, at, f"{source}->{target}", source, target),
                )
            db.execute("COMMIT")
            return changed
        finally:
            db.close()

    @flow(name="naive-one-task-per-transition")
    def every_transition(ids: list[int]) -> int:
        moved = 0
        for n, (source, target) in enumerate(SIX):
            at = f"2024-10-{n + 1:02d}T09:00:00"
            for app_id in ids:
                moved += move(app_id, source, target, at)
        return moved

    before = load()
    started = time.perf_counter()
    moved = every_transition(list(range(1, applications + 1)))
    seconds = time.perf_counter() - started
    assert moved == applications * len(SIX), moved
    rate = moved / seconds
    return {
        "what": "naive",
        "applications": applications,
        "task_runs": moved,
        "seconds": round(seconds, 1),
        "task_runs_per_second": round(rate, 1),
        "extrapolated_100000_seconds": round(100_000 * len(SIX) / rate),
        "load_before": before,
        "load_after": load(),
    }


def zhicheng(size: int, api: str) -> dict[str, Any]:
    """One size in its own process (its own peak memory), against the running server."""
    env = dict(os.environ, PREFECT_API_URL=api)
    out = subprocess.run(  # its errors go to this process's stderr
        [sys.executable, str(HERE / "simulate.py"), str(size)],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    lines = [json.loads(text) for text in out.strip().splitlines()]
    # the first line says how fast the machine was at the time (simulate.python_loop_seconds)
    return {
        "what": "zhicheng",
        **lines[-1],
        "python_loop_seconds": lines[0].get("python_loop_seconds"),
    }


def main(argv: list[str]) -> int:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from benchmarks.simulate import prefect_server

    def option(name: str, default: int) -> int:
        nonlocal argv
        if name not in argv:
            return default
        at = argv.index(name)
        value = int(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
        return value

    naive_n = option("--naive", 1000)
    floor_n = option("--floor", 100_000)
    sizes = [int(a) for a in argv] or [1000, 10_000, 100_000]
    print(json.dumps({"machine": machine(), "load": load()}, ensure_ascii=False), flush=True)
    # Made before the server starts, so it is removed after the server is stopped (both at
    # exit, the later registered first).
    server_log = scratch_dir("zhicheng-compare-") / "prefect-server.log"
    api, server_seconds = prefect_server(log=server_log)
    print(
        json.dumps({"what": "prefect_server_start", "seconds": round(server_seconds, 1)}),
        flush=True,
    )

    # The floor first (seconds), zhicheng from the smallest size up, the naive design last:
    # its thousands of task runs leave the server writing their events for minutes, and a
    # simulation started meanwhile meets a busy server.
    base = floor(floor_n)
    print(json.dumps(base), flush=True)
    results: dict[int, dict[str, Any]] = {}
    for size in sorted(sizes):
        results[size] = zhicheng(size, api)
        print(json.dumps(results[size], ensure_ascii=False), flush=True)
    with temporary_settings(updates={PREFECT_API_URL: api}):
        peer = naive(naive_n)
    peer |= server_log_counts(server_log)
    print(json.dumps(peer), flush=True)

    largest = max(sizes)
    ours = results[largest]["seconds"]
    floor_at_size = base["seconds"] * largest / floor_n
    naive_at_size = peer["extrapolated_100000_seconds"] * largest / 100_000
    ratios = {
        f"naive / zhicheng at {largest}": round(naive_at_size / ours, 1),
        f"zhicheng / floor at {largest}": round(ours / floor_at_size, 1),
    }
    ordered = sorted(results)
    for small, big in zip(ordered, ordered[1:], strict=False):
        ratios[f"seconds {big} / {small}"] = round(
            results[big]["seconds"] / results[small]["seconds"], 2
        )
    print(json.dumps({"ratios": ratios}, ensure_ascii=False), flush=True)
    at_100k = results.get(100_000)
    if at_100k is not None and at_100k["seconds"] > LIMIT:
        print(
            f"100,000 applicants took {at_100k['seconds']} s: above {LIMIT:.0f} s (goal {GOAL:.0f} s)"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
