"""The simulation's setup alone: the synthetic province, the applicants drawn and imported
through the declarations import, the scripted actions put on the event queue.

    .venv/bin/python benchmarks/setup.py [100000] [--trace]

Runs ``Simulation(...).setup()`` once against a fresh SQLite file, with a Prefect server
started first and not timed (the setup launches the cycle through the ``annual_cycle`` flow;
with PREFECT_API_URL set, that server is used). Prints one JSON line: CPU and wall seconds of
the setup, the process's peak resident memory before and after it (``ru_maxrss``: the setup's
own peak when it is the larger) and its resident memory after, the queue's length, and
digests of what the setup leaves behind — the cycle's people and applications, the queue's
events in order and the state of the seeded generators — so that a change can show it
writes and draws exactly what it did. ``--trace``: Python's own allocations by tracemalloc
(current after the setup, and peak), which slows the run down several times."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402
from benchmarks.simulate import load, prefect_server  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def digest(items: Any) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(repr(item).encode())
    return h.hexdigest()[:16]


def queue_digest(sim: Any) -> str:
    """The queue's events in the order they would be popped, payloads as plain values."""
    entries = sorted(sim.queue._heap, key=lambda e: e[:3])

    def plain(payload: Any) -> Any:
        if isinstance(payload, tuple):
            return tuple(plain(p) for p in payload)
        if isinstance(payload, (list, range)) or type(payload).__name__ == "array":
            return [plain(p) for p in payload]
        return payload

    return digest((at.isoformat(), int(kind), plain(payload)) for at, kind, _, payload in entries)


def table_digests(cycle_id: str) -> dict[str, str]:
    from sqlalchemy import text

    from models.db import session_scope

    with session_scope() as session:
        apps = session.execute(
            text("SELECT * FROM application WHERE cycle_id = :c ORDER BY id"), {"c": cycle_id}
        ).all()
        people = session.execute(
            text(
                "SELECT * FROM person WHERE id_number IN"
                " (SELECT person_id FROM application WHERE cycle_id = :c) ORDER BY id_number"
            ),
            {"c": cycle_id},
        ).all()
        orgs = session.execute(text("SELECT * FROM organisation ORDER BY id")).all()
    return {
        "applications": digest(tuple(r) for r in apps),
        "people": digest(tuple(r) for r in people),
        "organisations": digest(tuple(r) for r in orgs),
        "rows": f"{len(apps)}/{len(people)}/{len(orgs)}",
    }


def run(applicants: int, seed: int, trace: bool) -> dict[str, Any]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from models.migrate import upgrade
    from models.settings import settings
    from simulation.driver import Simulation
    from simulation.prefect_sync import RunRecorder, no_tls_setup_for_a_plain_http_server

    home = scratch_dir("zhicheng-bench-setup-")
    os.environ["ZHICHENG_DATABASE_URL"] = f"sqlite:///{home / 'bench.db'}"
    settings.cache_clear()
    upgrade()
    sim = Simulation(bundled_cycle("jiayuguan-2024"), applicants, seed)
    with (
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
        no_tls_setup_for_a_plain_http_server(),
    ):
        recorder = RunRecorder()
        before, peak_before, rss_before = load(), peak_mb(), rss_mb()
        if trace:
            import tracemalloc

            tracemalloc.start()
        started, cpu = time.perf_counter(), time.process_time()
        sim.setup()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        traced: dict[str, Any] = {}
        if trace:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            traced = {
                "traced_current_mb": round(current / 2**20),
                "traced_peak_mb": round(peak / 2**20),
            }
        recorder.close()
    return {
        "applicants": applicants,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_mb_before": round(peak_before),
        "peak_mb_after": round(peak_mb()),
        "rss_mb_before": round(rss_before),
        "rss_mb_after": round(rss_mb()),
        **traced,
        "load_before": before,
        "load_after": load(),
        "queue": len(sim.queue._heap),
        "queue_digest": queue_digest(sim),
        "rng_digest": digest([sim.rng.getstate()]),
        **table_digests(sim.cycle_id),
    }


def main(argv: list[str]) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    trace = "--trace" in argv
    sizes = [int(a) for a in argv if a != "--trace"] or [100_000]
    url, seconds = prefect_server()
    print(json.dumps({"server_start": round(seconds, 1), "api": url, "load": load()}), flush=True)
    with temporary_settings(updates={PREFECT_API_URL: url}):
        for size in sizes:
            print(json.dumps(run(size, 2024, trace), ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
