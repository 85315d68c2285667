"""The deadline forecast against the naive baseline (late = still waiting now), by days
before the deadline, over seeded simulated cycles.

    .venv/bin/python benchmarks/forecast.py [APPLICANTS] [SEED] [PREVIOUS_SEED]

Simulates jiayuguan-2024 twice in a fresh SQLite file: PREVIOUS_SEED stands for the same
region's previous cycle (its curve by fraction of the window), SEED for the cycle being
forecast. At every reminder instant of the one schedule during the declaration and unit review
(the instants the sweep evaluates at), it projects each unit's misses from the audit trail as
it stood then — from the current curve alone, and with the previous cycle's curve — and sets
them against what the phase's close marked missed. Errors are mean absolute errors over the
units with an application in the phase (and over cities), and the error of the total. Prints
one JSON line per instant and a Markdown table; results are recorded in benchmarks/README.md."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def simulate(applicants: int, seed: int) -> str:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from simulation.driver import Simulation

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return Simulation(bundled_cycle("jiayuguan-2024"), applicants, seed).run().cycle_id


def _by_city(values: dict[tuple[int, str], float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for (_, city), v in values.items():
        out[city] = out.get(city, 0.0) + v
    return out


def evaluate(cycle_id: str, previous_id: str) -> list[dict]:
    from models.db import session_scope
    from models.forecast import (
        WINDOW,
        elapsed_fraction,
        mean_absolute_error,
        missed,
        pace,
        previous_survival,
        project,
        window_of,
    )
    from models.plans import stored_plan
    from tasks.sweeps import reminder_instants

    rows = []
    with session_scope() as session:
        _, plan = stored_plan(session, cycle_id)
        instants = reminder_instants(plan)
        for phase in ("declaration", "unit_review"):
            start, deadline = window_of(session, cycle_id, phase)
            actual = missed(session, cycle_id, phase)
            for at in instants[phase]:
                units = pace(session, cycle_id, phase, at, WINDOW)
                keys = {(u.unit_id, u.city_code) for u in units if u.total} | set(actual)
                survival = previous_survival(
                    session, previous_id, phase, elapsed_fraction(at, start, deadline)
                )
                current = project(at, start, deadline, units, window=WINDOW)
                with_previous = project(
                    at, start, deadline, units, window=WINDOW, previous=survival
                )
                predictions = {
                    "naive": {(u.unit_id, u.city_code): float(u.waiting) for u in units},
                    "current_curve": {(u.unit_id, u.city_code): u.projected for u in current.units},
                    "previous_cycle": {
                        (u.unit_id, u.city_code): u.projected for u in with_previous.units
                    },
                }
                actual_cities = _by_city({k: float(v) for k, v in actual.items()})
                city_keys = set(actual_cities) | {c for _, c in keys}
                row = {
                    "phase": phase,
                    "at": at.isoformat(),
                    "days_before": round((deadline - at).total_seconds() / 86400, 2),
                    "units": len(keys),
                    "actual": sum(actual.values()),
                }
                for name, predicted in predictions.items():
                    row[f"{name}_total"] = round(sum(predicted.values()), 1)
                    row[f"{name}_unit_mae"] = round(mean_absolute_error(predicted, actual, keys), 4)
                    row[f"{name}_city_mae"] = round(
                        mean_absolute_error(_by_city(predicted), actual_cities, city_keys), 3
                    )
                rows.append(row)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| phase | days before | actual | naive: total / unit MAE | current curve: total / unit MAE"
        " | with previous cycle: total / unit MAE |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['phase']} | {r['days_before']:.2f} | {r['actual']} "
            f"| {r['naive_total']:.0f} / {r['naive_unit_mae']:.3f} "
            f"| {r['current_curve_total']:.1f} / {r['current_curve_unit_mae']:.3f} "
            f"| {r['previous_cycle_total']:.1f} / {r['previous_cycle_unit_mae']:.3f} |"
        )
    return "\n".join(lines)


def main(applicants: int, seed: int, previous_seed: int) -> None:
    from models.migrate import upgrade
    from models.settings import settings

    home = scratch_dir("zhicheng-forecast-")
    os.environ["ZHICHENG_DATABASE_URL"] = f"sqlite:///{home / 'bench.db'}"
    settings.cache_clear()
    upgrade()
    started = time.perf_counter()
    previous_id = simulate(applicants, previous_seed)
    cycle_id = simulate(applicants, seed)
    simulated = time.perf_counter() - started
    rows = evaluate(cycle_id, previous_id)
    for row in rows:
        print(json.dumps(row, ensure_ascii=False), flush=True)
    print(table(rows))
    for name in ("naive", "current_curve", "previous_cycle"):
        mean = sum(r[f"{name}_unit_mae"] for r in rows) / len(rows)
        print(f"mean unit MAE over the {len(rows)} instants, {name}: {mean:.4f}")
    print(
        f"simulated in {simulated:.0f} s; evaluated in {time.perf_counter() - started - simulated:.1f} s"
    )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(*(args + [2000, 17, 16][len(args) :]))
