"""The last evening's unit of work, a declaration written and submitted, measured by the CPU
it costs rather than the wall clock (the machine may be shared): the dashboard's processes and
PostgreSQL's backends, per pair, and the SQL statements each pair runs.

    .venv/bin/python benchmarks/load/run.py --database h3_load --parts none --keep --out DIR
    .venv/bin/python benchmarks/load/pairs.py --database h3_load --out DIR --pairs 300
    .venv/bin/python benchmarks/load/pairs.py ... --in-process [--profile 30]

Against a running dashboard (``--workers``, default 1, started here on a free port) one client
sends the pairs one after another over one keep-alive connection, so the figures are the
server's cost of one pair, not of queueing. ``--in-process`` calls the application through
Starlette's test client in this process instead, counting statements (and with
``--profile N``, printing the N costliest functions by cumulative time). Each run takes the
next applicants of the evening pool of ``run.py`` (``DIR/evening.jsonl``; the position is kept
in ``DIR/evening.next``, shared with ``run.py --reuse``), so every PUT writes a new draft, as on the evening."""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import pstats
import signal
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (benchmarks/load/run.py: the database, the dashboard, the clock)


def calibration() -> float:
    """CPU ms of a fixed piece of Python (12 ms on an idle core of the machine of
    benchmarks/README.md): how much a shared machine inflates the CPU figures."""
    best = float("inf")
    for _ in range(5):
        started = time.process_time()
        sum(range(10**6))
        best = min(best, time.process_time() - started)
    return round(best * 1000, 1)


def applicants(out: Path, count: int) -> list[dict[str, str]]:
    start = run.evening_start(out, taken=count)
    with (out / "evening.jsonl").open() as f:
        rows = [json.loads(line) for i, line in enumerate(f) if start <= i < start + count]
    if len(rows) < count:
        raise SystemExit("the evening pool is used up: seed again (run.py --parts none --keep)")
    return rows


class Client:
    """One keep-alive HTTP connection, or the test client of the application itself."""

    def __init__(self, base: str | None, token: str, app: Any = None) -> None:
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        if app is not None:
            from starlette.testclient import TestClient

            self.test = TestClient(app, base_url="http://127.0.0.1:8000")
        else:
            assert base is not None
            host, port = base.removeprefix("http://").split(":")
            self.conn = http.client.HTTPConnection(host, int(port), timeout=120)

    def call(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        data = json.dumps(body, ensure_ascii=False).encode()
        if hasattr(self, "test"):
            answer = self.test.request(method, path, content=data, headers=self.headers)
            return answer.status_code, answer.json()
        self.conn.request(method, path, body=data, headers=self.headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read())


def pairs(client: Client, cycle: str, rows: list[dict[str, str]]) -> dict[str, int]:
    counts = {"submitted": 0, "refused_by_rule": 0, "errors": 0}
    for fields in rows:
        status, answer = client.call(
            "PUT", f"/api/cycles/{cycle}/declarations/{quote(fields['身份证号'])}", fields
        )
        if status != 200:
            counts["errors"] += 1
            print("PUT", status, answer, file=sys.stderr)
            continue
        app_id = answer["application"]["id"]
        status, answer = client.call(
            "POST", f"/api/cycles/{cycle}/actions/submit", {"ids": [app_id]}
        )
        if status == 200 and answer.get("done") == [app_id]:
            counts["submitted"] += 1
        elif status == 409 and answer.get("codes", {}).get(str(app_id)):
            counts["refused_by_rule"] += 1
        else:
            counts["errors"] += 1
            print("submit", status, answer, file=sys.stderr)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="zhicheng_load")
    parser.add_argument("--out", type=Path, required=True, help="the --out of a --keep run.py")
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--warm", type=int, default=20, help="pairs before measuring")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--in-process", action="store_true")
    parser.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args()
    url = run.PG_ADMIN.rsplit("/", 1)[0] + f"/{args.database}"
    run.use(url)
    state = json.loads((args.out / "state.json").read_text())
    cycle = state["cycle_id"]
    warm, rows = applicants(args.out, args.warm), applicants(args.out, args.pairs)
    statements = [0]
    timings: dict[str, list[Any]] = {}
    dashboard = None
    if args.in_process:
        import pendulum
        from sqlalchemy import event

        from dashboard.app import create_app
        from models.db import engine

        evening = pendulum.parse(run.EVENING, tz="Asia/Shanghai")
        app = create_app(clock=lambda: evening)

        def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            statements[0] += 1
            conn.info["zhicheng_started"] = time.perf_counter()

        def timed(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            spent = time.perf_counter() - conn.info.pop("zhicheng_started", time.perf_counter())
            key = " ".join(statement.split())[:150]
            seen = timings.setdefault(key, [0, 0.0])
            seen[0] += 1
            seen[1] += spent

        event.listen(engine(), "before_cursor_execute", count)
        event.listen(engine(), "after_cursor_execute", timed)
        client = Client(None, state["intake_token"], app)
        pid = os.getpid()
    else:
        dashboard, base = run.start_dashboard(url, args.out, workers=args.workers)
        client = Client(base, state["intake_token"])
        pid = dashboard.pid
    try:
        pairs(client, cycle, warm)
        statements[0] = 0
        timings.clear()
        profile = cProfile.Profile() if args.profile and args.in_process else None
        spy = None
        if args.profile and not args.in_process:
            spy = run.profiled(pid, args.out, "pairs", 3600)
            time.sleep(2)  # py-spy attaching
        db_cpu, cpu, wall = run.backends_cpu(url), run.tree_cpu(pid), time.perf_counter()
        if profile is not None:
            profile.enable()
        counts = pairs(client, cycle, rows)
        if profile is not None:
            profile.disable()
        wall, cpu = time.perf_counter() - wall, run.tree_cpu(pid) - cpu
        db_cpu = run.backends_cpu(url) - db_cpu
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait()
    finally:
        if dashboard is not None:
            run.stop(dashboard)
    n = len(rows)
    line = {
        "part": "a. pairs, one client" + (" (in process)" if args.in_process else ""),
        "pairs": n,
        "workers": None if args.in_process else args.workers,
        **counts,
        "dashboard_cpu_ms_per_pair": round(cpu * 1000 / n, 2),
        "postgres_cpu_ms_per_pair": round(db_cpu * 1000 / n, 2),
        "wall_ms_per_pair": round(wall * 1000 / n, 2),
        "statements_per_pair": round(statements[0] / n, 1) if args.in_process else None,
        "load_average": run.load_average(),
        "calibration_cpu_ms": calibration(),
    }
    print(json.dumps(line, ensure_ascii=False), flush=True)
    if args.in_process:
        print("statements per pair, by the time they took (ms a pair):")
        for key, (calls, spent) in sorted(timings.items(), key=lambda kv: -kv[1][1]):
            print(f"{spent * 1000 / n:7.2f} ms  ×{calls / n:4.1f}  {key}")
    if profile is not None:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    if spy is not None:
        print_samples(args.out / "pairs.pyspy.txt", args.profile)


def print_samples(raw: Path, top: int) -> None:
    """py-spy's raw stacks as a table: each function's share of the samples anywhere on the
    stack (inclusive) and at the top of it (its own)."""
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [
            f.split(" (")[0] + " " + f.rsplit("/", 1)[-1].rstrip(")") for f in stack.split(";")
        ]
        for frame in set(frames):
            inclusive[frame] = inclusive.get(frame, 0) + n
        own[frames[-1]] = own.get(frames[-1], 0) + n
    print(f"{total} samples")
    for frame, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"{100 * n / total:5.1f}% {100 * own.get(frame, 0) / total:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
