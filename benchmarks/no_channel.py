"""Delivery where nobody has an address (a simulation without ``--notify``): the CPU of one
``deliver`` over a cycle's due outbox rows, on SQLite.

    .venv/bin/python benchmarks/no_channel.py [--messages 100000] [--backend sqlite postgresql]

For each backend a fresh database (a SQLite file; a new PostgreSQL database next to
``ZHICHENG_BENCH_POSTGRES``, as benchmarks/deliverers.py makes, dropped afterwards), one stored cycle with ``messages`` due rows (half to units, half to
applicants, as reminders go), delivered with no channels file. Prints one JSON line: the
CPU and wall seconds of the delivery, the statuses after it, the load average."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path

import pendulum
from sqlalchemy import func, select
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402

CYCLE = "jiayuguan-2024"
NOW = pendulum.datetime(2024, 10, 28, 10, tz="Asia/Shanghai")
DEADLINE = pendulum.datetime(2024, 11, 1, tz="Asia/Shanghai")


def _fill(messages: int) -> str:
    from calendars.cyclefile import bundled_cycle
    from calendars.planner import plan_file
    from models.db import session_scope
    from models.settings import workday_calendar
    from notifications.reminders import Offset, insert_messages, message_row
    from tasks.store import write_cycle

    cycle_id = f"bench-{uuid.uuid4().hex[:8]}"
    plan = plan_file(bundled_cycle(CYCLE), workday_calendar())
    due = NOW.subtract(hours=1)
    with session_scope() as session:
        write_cycle(session, plan, now=due, by="benchmark", cycle_id=cycle_id)
    rows = [
        message_row(
            cycle_id,
            "unit_pending",
            f"B{i:06d}" if i % 2 else f"62010219800101{i:04d}"[:18],
            "unit" if i % 2 else "applicant",
            f"B{i:06d}",
            DEADLINE,
            Offset("d-3@09:00", due),
            due,
            1,
            True,
            org_name=f"基准单位{i:06d}",
            phase_title="单位审核推荐",
            return_limit=3,
        )
        for i in range(messages)
    ]
    for start in range(0, len(rows), 5000):
        with session_scope() as session:
            insert_messages(session, rows[start : start + 5000])
    return cycle_id


def run(url: str, backend: str, messages: int) -> dict[str, object]:
    from models.db import session_scope
    from models.migrate import upgrade
    from models.outbox import Message
    from models.settings import settings
    from notifications.channels import Channels
    from notifications.delivery import deliver

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()
    upgrade(url)
    cycle_id = _fill(messages)
    cpu, wall = time.process_time(), time.perf_counter()
    result = deliver(session_scope, cycle_id, NOW, Channels(), [5])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    with session_scope() as session:
        statuses = dict(
            session.execute(
                select(col(Message.status), func.count())
                .where(col(Message.cycle_id) == cycle_id)
                .group_by(col(Message.status))
            ).all()
        )
    return {
        "backend": backend,
        "messages": messages,
        # this process only: on PostgreSQL the server's work is not in it
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "counts": dict(result.counts),
        "statuses": statuses,
        "load_average": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--backend", nargs="+", default=["sqlite"])
    args = parser.parse_args()
    for backend in args.backend:
        if backend == "sqlite":
            url = f"sqlite:///{scratch_dir('zhicheng-bench-')}/zhicheng.db"
            print(json.dumps(run(url, backend, args.messages)))
            continue
        from deliverers import _drop_postgres, _fresh_postgres

        url, name = _fresh_postgres()
        try:
            print(json.dumps(run(url, backend, args.messages)))
        finally:
            _drop_postgres(url, name)


if __name__ == "__main__":
    main()
