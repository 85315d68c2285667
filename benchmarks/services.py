"""A round of service calls in the simulation's shape — many small batches over a large cycle —
on a fresh SQLite file (or ``--url``): N drafts, then submit, open_review, return (every other
batch), resubmit, recommend (with the collective reviews recorded first), the publicity
reports and forward, each in batches of B ids. Prints the CPU seconds of each step and in all
(one JSON line), so a per-call cost that grows with the cycle shows as superlinear in N.

    .venv/bin/python benchmarks/services.py 10000 --batch 50 [--shuffle] [--profile FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("applications", type=int, nargs="?", default=10000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--url")
    parser.add_argument("--profile")
    # The simulation's batches are random ids from across the cycle, not one unit's run.
    parser.add_argument("--shuffle", action="store_true")
    args = parser.parse_args()
    home = scratch_dir("zhicheng-services-")
    os.environ["ZHICHENG_HOME"] = str(home)
    os.environ["ZHICHENG_DATABASE_URL"] = args.url or f"sqlite:///{home / 'bench.db'}"

    from sqlalchemy import update
    from sqlmodel import col

    from models import services
    from models.application import Application
    from models.db import session_scope
    from models.documents import DocumentKind
    from models.migrate import upgrade
    from models.settings import settings
    from tests.factories import bj, drafts, stored_cycle

    settings.cache_clear()
    upgrade()
    cycle = stored_cycle()
    ids: list[int] = []
    per_unit = 200
    for _ in range(0, args.applications, per_unit):
        ids += drafts(cycle, min(per_unit, args.applications - len(ids)))
    if args.shuffle:
        random.Random(14).shuffle(ids)
    batches = [ids[i : i + args.batch] for i in range(0, len(ids), args.batch)]
    returned = [i for b in batches[::2] for i in b]
    returned_batches = batches[::2]

    def each(call: Any, groups: list[list[int]], at: dt.datetime, **kw: Any) -> None:
        for group in groups:
            with session_scope() as session:
                call(session, cycle, group, now=at, actor="单位", **kw)

    def recording(kind: DocumentKind, reference: str) -> Any:
        def call(s: Any, c: str, g: list[int], now: dt.datetime, actor: str) -> Any:
            return services.record_document(
                s, c, g, kind, now=now, actor=actor, reference=reference
            )

        return call

    def publicity_done() -> None:
        with session_scope() as session:
            session.execute(
                update(Application)
                .where(col(Application.cycle_id) == cycle, col(Application.status) == "recommended")
                .values(status="department_review", unit_publicity_ends=bj(2024, 10, 8))
            )

    steps = [
        ("submit", lambda: each(services.submit, batches, bj(2024, 9, 20, 9))),
        ("open_review", lambda: each(services.open_review, batches, bj(2024, 9, 21, 9))),
        (
            "return",
            lambda: each(
                services.return_for_changes, returned_batches, bj(2024, 9, 22, 9), reason="补材料"
            ),
        ),
        ("resubmit", lambda: each(services.resubmit, returned_batches, bj(2024, 9, 23, 9))),
        (
            "open_review_again",
            lambda: each(services.open_review, returned_batches, bj(2024, 9, 24, 9)),
        ),
        (
            "collective_review",
            lambda: each(
                recording(DocumentKind.collective_review, "评议"), batches, bj(2024, 9, 28, 9)
            ),
        ),
        ("recommend", lambda: each(services.recommend, batches, bj(2024, 9, 29, 9))),
        ("(publicity)", publicity_done),
        (
            "publicity_report",
            lambda: each(
                recording(DocumentKind.publicity_report, "无异议"), batches, bj(2024, 10, 9, 9)
            ),
        ),
        ("forward", lambda: each(services.forward, batches, bj(2024, 10, 10, 9))),
    ]
    out: dict[str, object] = {
        "applications": len(ids),
        "batch": args.batch,
        "returned": len(returned),
        "shuffled": args.shuffle,
    }
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    total = time.process_time()
    for name, run in steps:
        cpu = time.process_time()
        run()
        out[name] = round(time.process_time() - cpu, 2)
    out["cpu_seconds"] = round(time.process_time() - total, 2)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    with session_scope() as session:
        from sqlalchemy import func, select

        out["statuses"] = dict(
            session.execute(
                select(col(Application.status), func.count())
                .where(col(Application.cycle_id) == cycle)
                .group_by(col(Application.status))
            ).all()
        )
    out["load"] = float(Path("/proc/loadavg").read_text().split()[0])
    print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
