"""Several deliverers draining one cycle's outbox at once: nothing sent twice, nothing lost.

    .venv/bin/python benchmarks/deliverers.py [--messages 10000] [--workers 2] [--senders 1]
        [--backend sqlite postgresql] [--mode processes|threads]

For each backend: a fresh database (a SQLite file; a new PostgreSQL database next to
``ZHICHENG_BENCH_POSTGRES``, dropped afterwards), one stored cycle with ``messages`` due outbox
rows, the load benchmark's HTTP receiver (``benchmarks/load/receiver.py``, its own process,
keep-alive), and ``workers`` deliverers each running ``notifications.delivery.deliver`` with
``senders`` threads on the cycle at the same instant (real apprise ``json://`` posts). Prints
one JSON line per backend: messages/s, the deliverers' and the receiver's CPU per message,
the load average, received, duplicates, lost, rows per deliverer."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pendulum
from sqlalchemy import create_engine, func, select, text
from sqlmodel import col

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402

PG_ADMIN = os.environ.get(
    "ZHICHENG_BENCH_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
CYCLE = "jiayuguan-2024"
# 10:00 Beijing on a workday in the cycle's unit-review window: outside any quiet hours.
NOW = pendulum.datetime(2024, 10, 28, 10, tz="Asia/Shanghai")
DEADLINE = pendulum.datetime(2024, 11, 1, tz="Asia/Shanghai")


RECEIVER = Path(__file__).resolve().parent / "load" / "receiver.py"


class Receiver:
    """The load benchmark's webhook in its own process: counts every POSTed text (a text seen
    twice was sent twice) and reports its own CPU."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.process = subprocess.Popen([sys.executable, str(RECEIVER), str(self.port)])
        deadline = time.monotonic() + 30
        while True:
            try:
                self.ask("count")
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def ask(self, what: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{what}", timeout=30) as a:
            answer: dict[str, Any] = json.load(a)
        return answer

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _use(url: str) -> None:
    from models.migrate import upgrade
    from models.settings import settings

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()
    upgrade(url)


def _fill(messages: int) -> str:
    """A stored cycle with ``messages`` due rows, each with its own text."""
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
            f"B{i:06d}",
            "unit",
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
    for start in range(0, len(rows), 2000):
        with session_scope() as session:
            insert_messages(session, rows[start : start + 2000])
    return cycle_id


def deliverer(url: str, cycle_id: str, hook: str, senders: int, go: Any, out: Any) -> None:
    """One deliverer: waits for the start signal, drains the cycle, reports its counts and
    the CPU it used."""
    from models.db import session_scope
    from models.settings import settings
    from notifications.channels import Channels
    from notifications.delivery import deliver

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()
    go.wait()
    cpu = time.process_time()
    result = deliver(
        session_scope, cycle_id, NOW, Channels(everything=(hook,)), [5], senders=senders
    )
    out.put({**result.counts, "cpu_s": time.process_time() - cpu})


def _statuses(cycle_id: str) -> dict[str, int]:
    from models.db import session_scope
    from models.outbox import Message

    with session_scope() as session:
        rows = session.execute(
            select(col(Message.status), func.count())
            .where(col(Message.cycle_id) == cycle_id)
            .group_by(col(Message.status))
        ).all()
    return {str(status): int(n) for status, n in rows}


def bench(
    url: str, backend: str, messages: int, workers: int, senders: int, mode: str
) -> dict[str, Any]:
    _use(url)
    cycle_id = _fill(messages)
    receiver = Receiver()
    try:
        return _measure(receiver, url, backend, cycle_id, messages, workers, senders, mode)
    finally:  # a terminated benchmark (benchmarks.scratch makes SIGTERM an exit) ends it too
        receiver.close()


def _measure(
    receiver: Receiver,
    url: str,
    backend: str,
    cycle_id: str,
    messages: int,
    workers: int,
    senders: int,
    mode: str,
) -> dict[str, Any]:
    hook = f"json://127.0.0.1:{receiver.port}/bench"
    args = (url, cycle_id, hook, senders)
    if mode == "processes":
        context = multiprocessing.get_context("spawn")
        go: Any = context.Barrier(workers + 1)
        out: Any = context.Queue()
        runners: list[Any] = [
            # daemons: a terminated benchmark does not wait at the barrier for them
            context.Process(target=deliverer, args=(*args, go, out), daemon=True)
            for _ in range(workers)
        ]
    else:
        import queue

        go = threading.Barrier(workers + 1)
        out = queue.Queue()
        runners = [
            threading.Thread(target=deliverer, args=(*args, go, out), daemon=True)
            for _ in range(workers)
        ]
    for runner in runners:
        runner.start()
    go.wait()  # every deliverer is ready (processes have imported everything)
    received_cpu = receiver.ask("cpu")["cpu_s"]
    started, cpu = time.perf_counter(), time.process_time()
    per_worker = [out.get(timeout=3600) for _ in runners]
    seconds = time.perf_counter() - started
    for runner in runners:
        runner.join()
    received_cpu = receiver.ask("cpu")["cpu_s"] - received_cpu
    seen = receiver.ask("count")
    # threads share one process: its CPU, once; processes report their own
    deliverers_cpu = (
        time.process_time() - cpu if mode == "threads" else sum(c["cpu_s"] for c in per_worker)
    )
    return {
        "backend": backend,
        "mode": mode,
        "workers": workers,
        "senders": senders,
        "messages": messages,
        "seconds": round(seconds, 2),
        "messages_per_s": round(messages / seconds, 1),
        # CPU, not the wall clock, is what a shared machine does not distort
        "deliverer_cpu_ms_per_message": round(deliverers_cpu * 1000 / messages, 3),
        "receiver_cpu_ms_per_message": round(received_cpu * 1000 / messages, 3),
        "load_average": round(os.getloadavg()[0], 2),
        "received": seen["received"],
        "duplicates": seen["received"] - seen["distinct"],
        "lost": messages - seen["distinct"],
        "sent_per_deliverer": sorted(c.get("sent", 0) for c in per_worker),
        "statuses": _statuses(cycle_id),
    }


def _fresh_postgres() -> tuple[str, str]:
    name = f"zhicheng_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def _drop_postgres(url: str, name: str) -> None:
    from models.db import engine

    engine(url).dispose()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2, help="deliverers")
    parser.add_argument("--senders", type=int, default=1, help="threads in each deliverer")
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--mode", choices=["processes", "threads"], default="processes")
    args = parser.parse_args()
    for backend in args.backend:
        if backend == "sqlite":
            url = f"sqlite:///{scratch_dir('zhicheng-bench-')}/zhicheng.db"
            print(
                json.dumps(
                    bench(url, backend, args.messages, args.workers, args.senders, args.mode)
                )
            )
            continue
        url, name = _fresh_postgres()
        try:
            print(
                json.dumps(
                    bench(url, backend, args.messages, args.workers, args.senders, args.mode)
                )
            )
        finally:
            _drop_postgres(url, name)


if __name__ == "__main__":
    main()
