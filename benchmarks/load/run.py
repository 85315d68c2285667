"""The live side at a province's peak, on PostgreSQL, under a real load generator (locust).

    .venv/bin/pip install -e '.[bench]'          # locust (and py-spy for profiles)
    .venv/bin/python benchmarks/load/run.py [--applications 100000] [--parts a b c d]

From nothing but a reachable PostgreSQL server (``ZHICHENG_BENCH_POSTGRES``, the maintenance
database an account that may create databases connects to; default the local ``test``):

1. a fresh database (``--database``, default ``zhicheng_load``, dropped and created again),
   migrated; the provincial 2024 cycle (65 committees) and a synthetic province of 3,000 units;
   ``--applications`` drafts written by the declarations import (the simulation's applicants),
   plus ``--evening`` more applicants kept aside for the last evening; the demonstration
   accounts (province, city, county, department, unit, committee) and the cycle's intake
   account;
2. the dashboard (``zhicheng dashboard --as-of`` the last evening of declaration, 20:00 Beijing
   on 2024-10-20) on a free local port;
3. a. the last evening: ``--declarants`` (32) locust clients, each writing a declaration
      (``PUT /api/cycles/{id}/declarations/{id_number}``) and submitting it
      (``POST …/actions/submit``) until the evening's applicants are used up or ``--seconds``;
   b. ``--officials`` (20) locust clients signed in as the province, city, county, department,
      unit and committee accounts paging through their pages (and the API's application
      list) for ``--seconds``;
   c. closing the declaration phase: the boundary task (``tasks.boundaries.carry_out``) at
      the deadline, over every draft left open;
   d. ``--messages`` (100,000) outbox rows delivered by ``notifications.delivery.deliver`` to a
      local webhook (apprise ``json://`` to a small HTTP receiver in its own process), counted
      at the receiver: a text received twice was sent twice.

Prints one JSON line per part (with the load average: the machine may be shared) and writes
them, locust's CSV files and the dashboard's log to ``--out`` (default a temporary folder).
Every server it starts is stopped at the end. Goals: ≥ 500 submissions/s with 0 errors; every
page's p95 ≤ 300 ms; closing ≤ 2 s; delivery ≥ 2,000 messages/s, none twice."""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
HERE = Path(__file__).resolve().parent

PG_ADMIN = os.environ.get(
    "ZHICHENG_BENCH_POSTGRES", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
CYCLE = "gansu-2024"
UNITS = 3000
SEED = 2024
# The last evening of declaration (the window closes at 2024-10-21 00:00 Beijing).
EVENING = "2024-10-20T20:00"
GOALS = {"submissions_per_s": 500, "page_p95_ms": 300, "close_s": 2.0, "messages_per_s": 2000}


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def emit(out: Path, line: dict[str, Any]) -> None:
    line = {**line, "load_average": load_average()}
    print(json.dumps(line, ensure_ascii=False), flush=True)
    with (out / "results.jsonl").open("a") as f:
        f.write(json.dumps(line, ensure_ascii=False) + "\n")


# --- the database -------------------------------------------------------------------------


def fresh_database(name: str) -> str:
    from sqlalchemy import create_engine, text

    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise SystemExit(f"数据库名 {name!r} 只能含字母、数字和下划线")
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def use(url: str) -> None:
    from models.settings import settings

    os.environ["ZHICHENG_DATABASE_URL"] = url
    settings.cache_clear()


def seed(url: str, applications: int, evening: int, out: Path) -> dict[str, Any]:
    """The cycle, the province, the drafts and the accounts; what the clients need goes to
    ``out/state.json`` and the evening's declarations to ``out/evening.jsonl``."""
    import pendulum
    from faker import Faker
    from sqlalchemy import select

    from calendars.cyclefile import bundled_cycle
    from dashboard.demo import demo_accounts
    from flows.launch import checked_plan
    from models.accounts import Account, create_intake_account
    from models.db import session_scope
    from models.imports.declarations import import_declarations
    from models.migrate import upgrade
    from simulation.applicants import declarations
    from simulation.province import build_province, committees_by_series
    from tasks.store import write_cycle

    use(url)
    started = time.perf_counter()
    upgrade(url)
    plan = checked_plan(bundled_cycle(CYCLE))
    cycle_id = plan.spec.id
    with session_scope() as session:
        write_cycle(session, plan, now=pendulum.datetime(2024, 9, 1, tz="UTC"), by="基准测试")
    rng = random.Random(SEED)
    faker = Faker("zh_CN")
    faker.seed_instance(SEED)
    with session_scope() as session:
        committees = committees_by_series(session, cycle_id)
        province = build_province(session, rng, committees, UNITS, tag=f"L{SEED}")
    total = applications + evening
    # A few draws repeat an ID number and drop out: draw a little more, keep ``total``.
    drawn = declarations(rng, faker, province, committees, year=2024, count=total * 101 // 100)
    rows = list(drawn.rows.values())[:total]
    assert len(rows) == total, len(rows)
    drafts, kept = rows[:applications], rows[applications:]
    declared = pendulum.datetime(2024, 9, 20, 2, tz="UTC")
    imported = time.perf_counter()
    step = 20_000
    for start in range(0, len(drafts), step):
        with session_scope() as session:
            result = import_declarations(
                session,
                list(enumerate(drafts[start : start + step], start=start + 3)),
                cycle_id=cycle_id,
                now=declared,
            )
        assert result.ok, result.errors[:5]
    imported = time.perf_counter() - imported
    # What autovacuum does in a while after a bulk load (weeks before the last evening): the
    # statistics — without them the planner guesses (735 rows for any value) and the
    # evening's look-ups by ID number scan a bitmap of the whole cycle (3.5 ms instead of
    # 0.05 ms each) — and the vacuum: the seed leaves half the organisation table dead
    # (3,288 rows, read by every page's join) and no visibility map, so the pages' counts
    # read the table instead of the index (part b on the same seed: worst p95 1,100 ms and
    # 23.5 ms of PostgreSQL a page without it, 530 ms and 19.4 ms with it).
    from sqlalchemy import text

    from models.db import engine

    with engine().connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    with (out / "evening.jsonl").open("w") as f:
        for row in kept:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    # Accounts and tokens on the real clock: sign-ins and their expiry follow it even when the
    # dashboard's clock is fixed (--as-of).
    signed_up = pendulum.now("UTC")
    with session_scope() as session:
        accounts = {a.username: a.password for a in demo_accounts(session, cycle_id, signed_up)}
        root = session.execute(select(Account).filter_by(username="sheng")).scalar_one()
        intake = create_intake_account(
            session, by=root, username="load-intake", cycle_id=cycle_id, now=signed_up
        ).token
    state = {"cycle_id": cycle_id, "accounts": accounts, "intake_token": intake}
    (out / "state.json").write_text(json.dumps(state, ensure_ascii=False))
    return {
        "part": "seed",
        "applications": applications,
        "evening_pool": len(kept),
        "import_seconds": round(imported, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def pages_of(base: str, state: dict[str, Any], out: Path) -> None:
    """Signs the officials in once and lists each one's pages (by the orgs the accounts'
    scopes show) for the locust file: ``out/officials.json``."""
    from sqlalchemy import select
    from sqlmodel import col

    from models.accounts import Account
    from models.cycle import Committee
    from models.db import read_scope
    from models.org import Organisation

    cycle = state["cycle_id"]
    with read_scope() as session:

        def org(username: str) -> Organisation:
            account = session.execute(select(Account).filter_by(username=username)).scalar_one()
            found = session.get(Organisation, account.organisation_id)
            assert found is not None
            return found

        province, city, unit = org("sheng"), org("shi"), org("danwei")
        cities = list(
            session.execute(
                select(col(Organisation.code)).where(col(Organisation.kind) == "city")
            ).scalars()
        )
        units_in_city = list(
            session.execute(
                select(col(Organisation.code))
                .where(col(Organisation.kind) == "unit")
                .where(col(Organisation.path).startswith(city.path + "/"))
                .limit(50)
            ).scalars()
        )
        account = session.execute(select(Account).filter_by(username="pingwei")).scalar_one()
        committee = session.get(Committee, account.committee_id)
        assert committee is not None
        committee_key = committee.key
    tokens = {}
    for username, password in state["accounts"].items():
        request = urllib.request.Request(
            f"{base}/api/session",
            data=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            tokens[username] = json.load(answer)["token"]
    c = f"/cycles/{cycle}"
    officials = [
        {
            "token": tokens["sheng"],
            "pages": [
                ["province", f"{c}/org/{province.code}"],
                ["city", f"{c}/org/{{city}}"],
                ["committees", f"{c}/committees"],
                ["api overview (province)", f"/api{c}/overview"],
            ],
        },
        {
            "token": tokens["shi"],
            "pages": [
                ["city", f"{c}/org/{city.code}"],
                ["unit", f"{c}/org/{{unit}}"],
                ["api applications (city, 200 a page)", f"/api{c}/applications?offset={{offset}}"],
            ],
        },
        {
            "token": tokens["danwei"],
            "pages": [
                ["unit", f"{c}/org/{unit.code}"],
                ["api applications (unit)", f"/api{c}/applications"],
            ],
        },
        {
            "token": tokens["pingwei"],
            "pages": [
                ["committee", f"{c}/committees/{committee_key}"],
                ["committees", f"{c}/committees"],
            ],
        },
    ]
    (out / "officials.json").write_text(
        json.dumps(
            {"officials": officials, "cities": cities, "units": units_in_city},
            ensure_ascii=False,
        )
    )


# --- the dashboard --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start_dashboard(url: str, out: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ZHICHENG_DATABASE_URL": url, "ZHICHENG_HOME": str(out / "home")}
    log = (out / "dashboard.log").open("ab")
    process = subprocess.Popen(
        [
            str(BIN / "zhicheng"),
            "dashboard",
            "--port",
            str(port),
            "--as-of",
            EVENING,
            "--workers",
            str(workers),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/login")
    except OSError:
        stop(process)
        raise
    return process, base


def stop(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- locust ---------------------------------------------------------------------------------


def evening_start(out: Path, taken: int = 0) -> int:
    """Where the next run's applicants start in ``out/evening.jsonl`` (each applicant declares
    once: a run on a kept database takes the ones no earlier run took); ``taken`` moves it on."""
    marker = out / "evening.next"
    start = int(marker.read_text()) if marker.exists() else 0
    if taken:
        marker.write_text(str(start + taken))
    return start


def locust(base: str, out: Path, name: str, user_class: str, users: int, seconds: int) -> float:
    """Runs the load generator for one part; the CPU seconds it used (it shares the machine
    with the dashboard and the database: its share is part of what bounds a part here)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {
        **os.environ,
        "ZHICHENG_LOAD_DIR": str(out),
        "ZHICHENG_LOAD_START": str(evening_start(out)),
    }
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(HERE / "locustfile.py"),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(out / name),
            "--only-summary",
            "--loglevel",
            "WARNING",
            "--stop-timeout",
            "10",
            user_class,
        ],
        env=env,
        check=False,
        stdout=(out / f"{name}.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def stats(out: Path, name: str) -> list[dict[str, str]]:
    with (out / f"{name}_stats.csv").open() as f:
        return list(csv.DictReader(f))


def failures(out: Path, name: str) -> list[dict[str, str]]:
    path = out / f"{name}_failures.csv"
    if not path.exists():
        return []
    with path.open() as f:
        return list(csv.DictReader(f))


def profiled(pid: int | None, out: Path, name: str, seconds: int) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the dashboard while locust runs (``--profile``): raw stacks for a
    flame graph, and where the dashboard's time goes."""
    if pid is None:
        return None
    return subprocess.Popen(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "100",
            "--subprocesses",  # the workers
            "--gil",  # only the thread holding the GIL: where the dashboard's CPU goes
            "--format",
            "raw",
            "--output",
            str(out / f"{name}.pyspy.txt"),
        ],
        stdout=(out / f"{name}.pyspy.log").open("w"),
        stderr=subprocess.STDOUT,
    )


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system, all threads) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its descendants still running (the dashboard's workers)."""
    total = 0.0
    pending = [pid]
    while pending:
        p = pending.pop()
        try:
            total += cpu_of(p)
            children = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    return total


def backends_cpu(url: str) -> float:
    """CPU seconds of the PostgreSQL backends connected to this database (a server on this
    machine) that are still running: the database's share of a part's work."""
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN)
    total = 0.0
    with admin.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :d AND pid <> pg_backend_pid()"),
            {"d": url.rsplit("/", 1)[1]},
        ).scalars()
        for pid in pids:
            try:
                total += cpu_of(pid)
            except OSError:
                pass
    admin.dispose()
    return total


def part_a(
    base: str, out: Path, users: int, seconds: int, pid: int, url: str, profile: bool = False
) -> dict[str, Any]:
    spy = profiled(pid if profile else None, out, "a_evening", seconds)
    cpu, db_cpu = tree_cpu(pid), backends_cpu(url)
    generator = locust(base, out, "a_evening", "Declarant", users, seconds)
    cpu, db_cpu = tree_cpu(pid) - cpu, backends_cpu(url) - db_cpu
    if spy is not None:
        spy.wait()
    rows = {r["Name"]: r for r in stats(out, "a_evening")}
    submit, put, total = rows.get("submit", {}), rows.get("declaration PUT", {}), rows["Aggregated"]
    evening_start(out, taken=int(put.get("Request Count", 0)) + users)
    refused = {
        n.split(": ", 1)[1]: int(r["Request Count"])
        for n, r in rows.items()
        if n.startswith("submit refused")
    }
    line = {
        "part": "a. last evening: write and submit",
        "clients": users,
        # answered 200 or refused by a rule (409 with its code), not failed
        "submissions": int(submit.get("Request Count", 0)) - int(submit.get("Failure Count", 0)),
        "refused_by_rule": refused,
        "submissions_per_s": round(float(submit.get("Requests/s", 0)), 1),
        "declaration_puts_per_s": round(float(put.get("Requests/s", 0)), 1),
        "errors": int(total["Failure Count"]),
        # the dashboard's own CPU per submission (its PUT and its submit): what a quiet
        # core allows is about 1,000 / this per second, before the database's share
        "dashboard_cpu_ms_per_submission": round(
            cpu * 1000 / max(1, int(submit.get("Request Count", 0))), 1
        ),
        "postgres_cpu_ms_per_submission": round(
            db_cpu * 1000 / max(1, int(submit.get("Request Count", 0))), 1
        ),
        "load_generator_cpu_s": round(generator, 1),
        "submit_p50_ms": submit.get("50%"),
        "submit_p95_ms": submit.get("95%"),
        "put_p50_ms": put.get("50%"),
        "put_p95_ms": put.get("95%"),
        "failures": [
            f"{f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures(out, "a_evening")
        ][:5],
        "goal": f"≥ {GOALS['submissions_per_s']} submissions/s, 0 errors",
    }
    return line


def part_b(
    base: str, out: Path, users: int, seconds: int, pid: int, url: str, profile: bool = False
) -> dict[str, Any]:
    spy = profiled(pid if profile else None, out, "b_officials", seconds)
    cpu, db_cpu = tree_cpu(pid), backends_cpu(url)
    generator = locust(base, out, "b_officials", "Official", users, seconds)
    cpu, db_cpu = tree_cpu(pid) - cpu, backends_cpu(url) - db_cpu
    if spy is not None:
        spy.wait()
    rows = [r for r in stats(out, "b_officials") if r["Name"] != "Aggregated"]
    pages = {
        r["Name"]: {
            "requests": int(r["Request Count"]),
            "p50_ms": int(float(r["50%"] or 0)),
            "p95_ms": int(float(r["95%"] or 0)),
            "per_s": round(float(r["Requests/s"]), 1),
        }
        for r in rows
    }
    errors = sum(int(r["Failure Count"]) for r in rows)
    served = max(1, sum(p["requests"] for p in pages.values()))
    return {
        "part": "b. officials paging",
        "clients": users,
        "pages": pages,
        "errors": errors,
        "dashboard_cpu_ms_per_page": round(cpu * 1000 / served, 1),
        "postgres_cpu_ms_per_page": round(db_cpu * 1000 / served, 1),
        "load_generator_cpu_s": round(generator, 1),
        "worst_p95_ms": max((p["p95_ms"] for p in pages.values()), default=None),
        "failures": [
            f"{f['Name']}: {f['Error']} ×{f['Occurrences']}" for f in failures(out, "b_officials")
        ][:5],
        "goal": f"every page p95 ≤ {GOALS['page_p95_ms']} ms",
    }


# --- closing the declaration phase ------------------------------------------------------------


def part_c(cycle_id: str, url: str) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlmodel import col

    from models.application import Application
    from models.db import read_scope
    from tasks.boundaries import carry_out
    from tasks.events import boundary_events

    with read_scope() as session:
        event = next(
            e
            for e in boundary_events(session, cycle_id)
            if (e.phase, e.edge) == ("declaration", "close")
        )
        drafts = session.execute(
            select(func.count())
            .select_from(Application)
            .where(col(Application.cycle_id) == cycle_id, col(Application.status) == "draft")
        ).scalar_one()
    db_cpu, cpu = backends_cpu(url), time.process_time()
    started = time.perf_counter()
    affected = carry_out.fn(cycle_id, event, event.due)
    seconds = time.perf_counter() - started
    # this process's pooled connection did the work: its backend is still there to be read
    cpu, db_cpu = time.process_time() - cpu, backends_cpu(url) - db_cpu
    return {
        "part": "c. closing the declaration phase",
        "open_drafts": drafts,
        "expired": affected,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "postgres_cpu_seconds": round(db_cpu, 2),
        "goal": f"≤ {GOALS['close_s']} s",
    }


# --- delivering to a webhook ------------------------------------------------------------------


def start_receiver(out: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "receiver.py"), str(port)],
        stdout=(out / "receiver.log").open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for(f"http://127.0.0.1:{port}/count", 30)
    return process, port


def fill_outbox(cycle_id: str, messages: int) -> Any:
    """``messages`` rows due before the instant of delivery, each with its own text."""
    import pendulum

    from models.db import session_scope
    from notifications.reminders import Offset, insert_messages, message_row

    now = pendulum.datetime(2024, 10, 28, 10, tz="Asia/Shanghai")  # a workday, no quiet hours
    due = now.subtract(hours=1)
    deadline = pendulum.datetime(2024, 11, 1, tz="Asia/Shanghai")
    rows = [
        message_row(
            cycle_id,
            "unit_pending",
            f"L{i:06d}",
            "unit",
            f"L{i:06d}",
            deadline,
            Offset("d-3@09:00", due),
            due,
            1,
            True,
            org_name=f"负载单位{i:06d}",
            phase_title="单位审核推荐",
            return_limit=3,
        )
        for i in range(messages)
    ]
    for start in range(0, len(rows), 5000):
        with session_scope() as session:
            insert_messages(session, rows[start : start + 5000])
    return now


def part_d(cycle_id: str, messages: int, out: Path, senders: int) -> dict[str, Any]:
    from sqlalchemy import func, select
    from sqlmodel import col

    from models.db import read_scope, session_scope
    from models.outbox import Message
    from notifications.channels import Channels
    from notifications.delivery import deliver

    now = fill_outbox(cycle_id, messages)
    receiver, port = start_receiver(out)
    try:
        hook = f"json://127.0.0.1:{port}/hook"
        started, cpu = time.perf_counter(), time.process_time()
        result = deliver(
            session_scope,
            cycle_id,
            now,
            Channels(everything=(hook,)),
            [5],
            senders=senders,
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=30) as answer:
            seen = json.load(answer)
    finally:
        stop(receiver)
    with read_scope() as session:
        statuses = dict(
            session.execute(
                select(col(Message.status), func.count())
                .where(col(Message.cycle_id) == cycle_id)
                .group_by(col(Message.status))
            ).all()
        )
    sent = result.counts.get("sent", 0)
    return {
        "part": "d. delivering to a webhook",
        "messages": messages,
        "senders": senders,
        "sent": sent,
        "seconds": round(seconds, 2),
        "messages_per_s": round(sent / seconds, 1) if seconds else None,
        # this process's CPU (all its threads): on a shared machine the wall clock waits
        "cpu_ms_per_message": round(cpu * 1000 / sent, 2) if sent else None,
        "received": seen["received"],
        "distinct": seen["distinct"],
        "duplicates": seen["received"] - seen["distinct"],
        "statuses": {str(k): int(v) for k, v in statuses.items()},
        "goal": f"≥ {GOALS['messages_per_s']} messages/s, none twice",
    }


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="zhicheng_load")
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--evening", type=int, default=20_000, help="applicants of part a")
    parser.add_argument("--declarants", type=int, default=32)
    parser.add_argument("--officials", type=int, default=20)
    parser.add_argument(
        "--workers", type=int, default=2, help="the dashboard's processes (parts a and b)"
    )
    parser.add_argument("--seconds", type=int, default=60, help="length of parts a and b")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=8, help="delivery threads (part d)")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the dashboard during parts a and b"
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["a", "b", "c", "d"],
        choices=["a", "b", "c", "d", "none"],
        help="the parts to run, space-separated (none: the seed alone, with --keep)",
    )
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database and --out of a --keep run"
    )
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="zhicheng-load-"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.jsonl").unlink(missing_ok=True)
    print(f"output in {out}", file=sys.stderr)
    if args.reuse and (out / "state.json").exists():
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{args.database}"
        use(url)
        from models.migrate import upgrade

        upgrade(url)  # the checkout may have moved on since the database was made
    else:
        url = fresh_database(args.database)
        emit(out, seed(url, args.applications, args.evening, out))
    state = json.loads((out / "state.json").read_text())
    if {"a", "b"} & set(args.parts):
        dashboard, base = start_dashboard(url, out, args.workers)
        try:
            pages_of(base, state, out)
            pid, spy = dashboard.pid, args.profile
            if "a" in args.parts:
                emit(out, part_a(base, out, args.declarants, args.seconds, pid, url, spy))
            if "b" in args.parts:
                emit(out, part_b(base, out, args.officials, args.seconds, pid, url, spy))
        finally:
            stop(dashboard)
    if "c" in args.parts:
        emit(out, part_c(state["cycle_id"], url))
    if "d" in args.parts:
        emit(out, part_d(state["cycle_id"], args.messages, out, args.senders))
    if not args.keep and not args.reuse:
        from sqlalchemy import create_engine, text

        from models.db import engine

        engine(url).dispose()
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
