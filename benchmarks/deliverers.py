"""Several deliverers draining one cycle's outbox at once: nothing sent twice, nothing lost.

    .venv/bin/python benchmarks/deliverers.py [--messages 10000] [--workers 2]
        [--backend sqlite postgresql] [--mode processes|threads]

For each backend: a fresh database (a SQLite file; a new PostgreSQL database next to
``ZHICHENG_BENCH_POSTGRES``, dropped afterwards), one stored cycle with ``messages`` due outbox
rows, a local HTTP receiver, and ``workers`` deliverers each running
``notifications.delivery.deliver`` on the cycle at the same instant (real apprise ``json://``
posts). Prints one JSON line per backend: messages/s, received, duplicates, lost, rows per
deliverer."""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pendulum
from sqlalchemy import create_engine, func, select, text
from sqlmodel import col

PG_ADMIN = os.environ.get(
    "ZHICHENG_BENCH_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
CYCLE = "jiayuguan-2024"
# 10:00 Beijing on a workday in the cycle's unit-review window: outside any quiet hours.
NOW = pendulum.datetime(2024, 10, 28, 10, tz="Asia/Shanghai")
DEADLINE = pendulum.datetime(2024, 11, 1, tz="Asia/Shanghai")


class Receiver:
    """Counts every POSTed message text: a text seen twice was sent twice."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        lock = threading.Lock()
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            # Headers and body go out in separate writes: with Nagle on, each answer would
            # wait for the client's delayed ACK (40 ms), and the receiver would be the bottleneck.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                with lock:
                    seen[body["message"]] += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


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


def deliverer(url: str, cycle_id: str, hook: str, go: Any, out: Any) -> None:
    """One deliverer: waits for the start signal, drains the cycle, reports its counts."""
    from models.db import session_scope
    from models.settings import settings
    from notifications.channels import Channels
    from notifications.delivery import deliver

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()
    go.wait()
    result = deliver(session_scope, cycle_id, NOW, Channels(everything=(hook,)), [5])
    out.put(dict(result.counts))


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


def bench(url: str, backend: str, messages: int, workers: int, mode: str) -> dict[str, Any]:
    _use(url)
    cycle_id = _fill(messages)
    receiver = Receiver()
    hook = f"json://127.0.0.1:{receiver.port}/bench"
    if mode == "processes":
        context = multiprocessing.get_context("spawn")
        go: Any = context.Barrier(workers + 1)
        out: Any = context.Queue()
        runners: list[Any] = [
            context.Process(target=deliverer, args=(url, cycle_id, hook, go, out))
            for _ in range(workers)
        ]
    else:
        import queue

        go = threading.Barrier(workers + 1)
        out = queue.Queue()
        runners = [
            threading.Thread(target=deliverer, args=(url, cycle_id, hook, go, out))
            for _ in range(workers)
        ]
    for runner in runners:
        runner.start()
    go.wait()  # every deliverer is ready (processes have imported everything)
    started = time.perf_counter()
    per_worker = [out.get(timeout=3600) for _ in runners]
    seconds = time.perf_counter() - started
    for runner in runners:
        runner.join()
    receiver.close()
    seen = receiver.seen
    return {
        "backend": backend,
        "mode": mode,
        "workers": workers,
        "messages": messages,
        "seconds": round(seconds, 2),
        "messages_per_s": round(messages / seconds, 1),
        "received": sum(seen.values()),
        "duplicates": sum(n - 1 for n in seen.values() if n > 1),
        "lost": messages - len(seen),
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
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--mode", choices=["processes", "threads"], default="processes")
    args = parser.parse_args()
    for backend in args.backend:
        if backend == "sqlite":
            url = f"sqlite:///{tempfile.mkdtemp(prefix='zhicheng-bench-')}/zhicheng.db"
            print(json.dumps(bench(url, backend, args.messages, args.workers, args.mode)))
            continue
        url, name = _fresh_postgres()
        try:
            print(json.dumps(bench(url, backend, args.messages, args.workers, args.mode)))
        finally:
            _drop_postgres(url, name)


if __name__ == "__main__":
    main()
