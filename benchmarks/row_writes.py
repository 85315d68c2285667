"""What one status change costs the database when the rows moved together are scattered over a
large cycle — the simulation's shape (applicants act at random times, so a batch's ids are
random over the cycle) — on a fresh SQLite file with the real schema (migrations) and the real
``models.transitions.transition`` (the UPDATE and its audit rows):

    .venv/bin/python benchmarks/row_writes.py [--rows 100000] [--batch 300] [--steps 6]
        [--checkpoint PAGES] [--drop INDEX …] [--sorted] [--narrow]
        [--statement IDS]

N drafts as the simulation writes them (the declared facts on the row, the summary sheet's
~530 bytes of JSON beside it in ``application_profile``, migration 0020) are moved through
``--steps`` transitions in batches of ``--batch`` ids drawn at random (``--sorted``:
consecutive ids, as ``benchmarks/services.py`` does), one transaction per batch as the actors
take them. Prints one JSON line: CPU seconds (user and system apart), the bytes this process
wrote (``/proc/self/io``: the WAL frames and the checkpoints' copies), commits, and the cost
per moved row. ``--drop`` removes an index first to show its share; ``--checkpoint`` sets
SQLite's ``wal_autocheckpoint`` (pages).
Results are recorded in benchmarks/README.md."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402

# The simulation's path through unit review (models.states.ACTIONS), one transition each.
STEPS = ("submit", "open_review", "recommend", "start_unit_publicity", "finish_unit_publicity")


def profile_of(i: int) -> dict[str, str]:
    """A summary sheet as wide as the simulation's (its ~530 bytes of JSON)."""
    return {
        "参加工作时间": "2008-07",
        "最高学历": "大学本科",
        "毕业院校及专业": "兰州理工大学 土木工程",
        "现任职务": "工程技术科副科长",
        "现专业技术资格": "工程师",
        "取得时间": "2016-12",
        "现聘专业技术职务": "工程师",
        "聘任时间": "2017-01",
        "近五年考核": "优秀1次，称职4次",
        "继续教育": "已完成",
        "论文论著": f"{i % 7 + 1}篇",
        "业绩成果": "主持完成市政道路改造工程两项，获市级科技进步三等奖一项",
        "备注": "无",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100000)
    parser.add_argument("--batch", type=int, default=300)
    parser.add_argument("--steps", type=int, default=len(STEPS))
    parser.add_argument("--checkpoint", type=int)
    # ids per statement inside each commit (default: the whole batch in one): the actors'
    # calls move a few hundred at a time inside much larger transactions.
    parser.add_argument("--statement", type=int)
    parser.add_argument("--drop", action="append", default=[])
    parser.add_argument("--sorted", action="store_true")
    # Drafts without a summary sheet: since migration 0020 the sheet is apart from the row an
    # UPDATE rewrites, so this shows what its pages cost the cache, not the row's width.
    parser.add_argument("--narrow", action="store_true")
    args = parser.parse_args()
    home = scratch_dir("zhicheng-rows-")
    os.environ["ZHICHENG_HOME"] = str(home)
    os.environ["ZHICHENG_DATABASE_URL"] = f"sqlite:///{home / 'bench.db'}"

    from sqlalchemy import text

    from benchmarks.simulate import written_bytes
    from models.db import engine, session_scope
    from models.migrate import upgrade
    from models.profiles import add_profiles
    from models.settings import settings
    from models.transitions import transition
    from tests.factories import bj, drafts, stored_cycle

    settings.cache_clear()
    upgrade()
    cycle = stored_cycle()
    ids: list[int] = []
    while len(ids) < args.rows:
        ids += drafts(cycle, min(1000, args.rows - len(ids)))
    with session_scope() as session:
        for i in range(0, len(ids), 5000):
            part = ids[i : i + 5000]
            session.execute(
                text("UPDATE application SET facts = :f WHERE id = :id"),
                [{"f": '{"village_unit": false}', "id": app_id} for app_id in part],
            )
            if not args.narrow:
                add_profiles(session, {app_id: profile_of(app_id) for app_id in part})
        for index in args.drop:
            session.execute(text(f"DROP INDEX {index}"))
    raw = engine().raw_connection()  # the pool's one connection, outside any transaction
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if args.checkpoint:
            raw.driver_connection.execute(f"PRAGMA wal_autocheckpoint={args.checkpoint}")
    finally:
        raw.close()
    rng = random.Random(14)
    written, commits, moved = written_bytes(), 0, 0
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for step, action in enumerate(STEPS[: args.steps]):
        order = ids[:] if args.sorted else rng.sample(ids, len(ids))
        now = bj(2024, 9, 10 + step)
        for i in range(0, len(order), args.batch):
            batch = order[i : i + args.batch]
            with session_scope() as session:
                for j in range(0, len(batch), args.statement or len(batch)):
                    moved += len(
                        transition(
                            session,
                            cycle_id=cycle,
                            action=action,
                            now=now,
                            actor="基准",
                            ids=sorted(batch[j : j + (args.statement or len(batch))]),
                        )
                    )
            commits += 1
    after = resource.getrusage(resource.RUSAGE_SELF)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    print(
        json.dumps(
            {
                "rows": args.rows,
                "batch": args.batch,
                "random": not args.sorted,
                "narrow": args.narrow,
                "statement": args.statement or args.batch,
                "dropped": args.drop,
                "checkpoint_pages": args.checkpoint,
                "moved": moved,
                "commits": commits,
                "seconds": round(time.perf_counter() - started, 1),
                "cpu_user": round(user, 1),
                "cpu_system": round(system, 1),
                "written_gb": round((written_bytes() - written) / 1e9, 2),
                "us_per_row": round((user + system) / max(moved, 1) * 1e6, 1),
                "load": os.getloadavg()[0],
            },
            ensure_ascii=False,
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
