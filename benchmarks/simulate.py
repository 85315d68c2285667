"""Simulation timings: how long a whole 2024 cycle takes at 1,000 / 10,000 / 100,000 applicants.

    .venv/bin/python benchmarks/simulate.py 1000 10000 [100000]

Each size runs in a fresh SQLite file with Prefect's local server (the embedded default) and
prints one JSON line: applicants, seconds, flow runs, and the final counts. Results are
recorded in benchmarks/README.md."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def run(applicants: int, seed: int = 2024) -> dict:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from models.migrate import upgrade
    from models.settings import settings
    from simulation.driver import Simulation

    home = Path(tempfile.mkdtemp(prefix="zhicheng-bench-"))
    os.environ["ZHICHENG_DATABASE_URL"] = f"sqlite:///{home / 'bench.db'}"
    settings.cache_clear()
    upgrade()
    started = time.perf_counter()
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        report = Simulation(bundled_cycle("jiayuguan-2024"), applicants, seed).run()
    return {
        "applicants": applicants,
        "seconds": round(time.perf_counter() - started, 1),
        "flow_runs": len(report.flow_runs),
        "not_final": report.not_final,
        "final_status": report.final_status,
    }


if __name__ == "__main__":
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 10000]
    for size in sizes:
        print(json.dumps(run(size), ensure_ascii=False), flush=True)
