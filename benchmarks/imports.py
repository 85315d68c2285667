"""Declaration import timings: N rows validated, routed and loaded into SQLite, from rows in
memory and from an .xlsx file, as `zhicheng import declarations` does.

    .venv/bin/python benchmarks/imports.py [100000]

Each measurement runs on a fresh SQLite file holding the provincial 2024 cycle (its 65
committees, no Prefect) and a synthetic province of 3,000 units loaded through the
organisations import; the applicants are the simulation's (simulation/applicants.py), so
they route to every kind of committee and a grassroots one sometimes names its choice.
Prints one JSON line per measurement; results are recorded in benchmarks/README.md."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import random
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

CYCLE = "gansu-2024"
UNITS = 3000
SEED = 2024
TARGETS = {"rows": 10.0, "xlsx": 30.0}


def fresh_database() -> str:
    """A migrated SQLite file with the cycle and the province; returns the cycle id."""
    import pendulum

    from calendars.cyclefile import bundled_cycle
    from flows.launch import checked_plan
    from models.db import session_scope
    from models.migrate import upgrade
    from models.settings import settings
    from tasks.store import write_cycle

    home = scratch_dir("zhicheng-bench-imports-")
    os.environ["ZHICHENG_DATABASE_URL"] = f"sqlite:///{home / 'bench.db'}"
    settings.cache_clear()
    upgrade()
    plan = checked_plan(bundled_cycle(CYCLE))
    with session_scope() as session:
        write_cycle(session, plan, now=pendulum.datetime(2024, 9, 1, tz="UTC"), by="基准测试")
    return plan.spec.id


def province_and_rows(cycle_id: str, count: int) -> list[tuple[int, dict[str, str]]]:
    """Loads the province (same seed, same rows each time) and draws ``count`` applicants."""
    from faker import Faker

    from models.db import session_scope
    from simulation.applicants import declarations
    from simulation.province import build_province, committees_by_series

    rng = random.Random(SEED)
    faker = Faker("zh_CN")
    faker.seed_instance(SEED)
    with session_scope() as session:
        committees = committees_by_series(session, cycle_id)
        province = build_province(session, rng, committees, UNITS, tag=f"B{SEED}")
    # A few draws repeat an ID number and drop out: draw a little more, keep ``count``.
    drawn = declarations(rng, faker, province, committees, year=2024, count=count * 101 // 100)
    rows = list(drawn.rows.values())[:count]
    assert len(rows) == count, len(rows)
    return list(enumerate(rows, start=3))


def write_xlsx(path: Path, rows: list[tuple[int, dict[str, str]]]) -> Path:
    """The rows under the template's heading and note rows, as an office's file."""
    from openpyxl import Workbook

    from models.imports.declarations import COLUMNS

    book = Workbook(write_only=True)
    sheet = book.create_sheet("申报人")
    header = [c.header for c in COLUMNS]
    sheet.append(header)
    sheet.append([c.note for c in COLUMNS])
    for _, values in rows:
        sheet.append([values.get(h, "") for h in header])
    book.save(path)
    return path


def load(cycle_id: str, rows: list[tuple[int, dict[str, str]]], header: list[str] | None) -> dict:
    import pendulum

    from models.db import session_scope
    from models.imports.declarations import import_declarations

    with session_scope() as session:
        result = import_declarations(
            session,
            rows,
            cycle_id=cycle_id,
            now=pendulum.datetime(2024, 9, 12, tz="UTC"),
            header=header,
        )
    assert result.ok, result.errors[:5]
    return {"added": result.added, "updated": result.updated, "unchanged": result.unchanged}


def timed(what: str, count: int, call: Callable[[], dict], profile: bool) -> dict:
    # CPU time, not the wall clock: on a shared machine the profile would show waiting
    profiler = cProfile.Profile(time.process_time) if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    outcome = call()
    if profiler:
        profiler.disable()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    line = {
        "measure": what,
        "rows": count,
        "seconds": round(seconds, 2),
        # CPU time of this process: on a shared machine the wall clock includes waiting.
        "cpu_seconds": round(cpu, 2),
        "load_average": round(os.getloadavg()[0], 1),
        # the process's peak so far: the rows drawn, then each import's own holdings
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **outcome,
    }
    if what in TARGETS:
        line["target_seconds"] = TARGETS[what]
    if profiler:
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    return line


def main(count: int, profile: bool = False) -> None:
    from models.imports.readers import read_table

    cycle_id = fresh_database()
    rows = province_and_rows(cycle_id, count)
    print(json.dumps(timed("rows", count, lambda: load(cycle_id, rows, None), profile)))
    print(json.dumps(timed("rows again", count, lambda: load(cycle_id, rows, None), False)))

    cycle_id = fresh_database()
    province_and_rows(cycle_id, 0)
    path = write_xlsx(scratch_dir("zhicheng-bench-xlsx-") / "申报人.xlsx", rows)

    def from_file() -> dict:
        table = read_table(path)
        return load(cycle_id, table.rows, table.header)

    line = timed("xlsx", count, from_file, profile)
    line["megabytes"] = round(path.stat().st_size / 2**20, 1)
    print(json.dumps(line))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--profile"]
    main(int(args[0]) if args else 100_000, profile="--profile" in sys.argv)
