"""Dashboard timings: how long each level's page figures take over a simulated cycle.

    .venv/bin/python benchmarks/dashboard_figures.py CYCLE_ID [--repeat 5] [--as-of TIME ...]

Runs against the configured database (``ZHICHENG_DATABASE_URL`` or ``~/.zhicheng``), e.g.
after ``zhicheng simulate --applicants 100000``. For the province, the busiest city, its busiest
county and unit, and the busiest committee it prints one JSON line: the best of ``repeat``
runs of ``figures.overview`` (what one page and one API call compute) in milliseconds, with
its CPU milliseconds (this process and, on a local PostgreSQL, the database's backend) and the
load average: on a shared machine the CPU is the steadier figure.

``--as-of`` (Beijing time, repeatable; ``now`` for the live dashboard's clock past the last
event) times the same pages as of those instants — statuses rebuilt from the audit trail
(models.asof) — and adds the committees table (``figures.committees``) as of each."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import pendulum
from sqlalchemy import func, select
from sqlalchemy import text as sql
from sqlmodel import Session, col

from calendars.beijing import BEIJING
from dashboard import figures
from dashboard.demo import busiest
from dashboard.scope import Viewer
from models.application import Application
from models.asof import AsOf
from models.cycle import Cycle
from models.db import read_scope
from models.org import Organisation


def _viewer(kind: str, org: Organisation | None, committee_id: int | None = None) -> Viewer:
    return Viewer(
        account_id=0,
        username="bench",
        display_name="bench",
        role="viewer",
        kind=kind,
        org_id=org.id if org else None,
        org_code=org.code if org else None,
        org_path=org.path if org else None,
        committee_id=committee_id,
        committee_cycle=None,
    )


def _backend_stat(session: Session) -> Path | None:
    """/proc's stat file of this session's PostgreSQL backend when the server runs on this
    machine (its CPU is the query's; on a shared machine the wall clock is mostly waiting)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.execute(sql("SELECT pg_backend_pid()")).scalar_one()
    stat = Path(f"/proc/{pid}/stat")
    return stat if stat.exists() else None


def _cpu_of(stat: Path | None) -> float:
    """User + system CPU seconds of this process, plus the backend's when known."""
    own = time.process_time()
    if stat is None:
        return own
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return own + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _best(fn: Callable[[], object], repeat: int, stat: Path | None) -> dict[str, float]:
    """The best of ``repeat`` runs: wall-clock ms and CPU ms (this process and the database's
    backend; ticks of 10 ms)."""
    times, cpus = [], []
    for _ in range(repeat):
        started, cpu = time.perf_counter(), _cpu_of(stat)
        fn()
        times.append(time.perf_counter() - started)
        cpus.append(_cpu_of(stat) - cpu)
    return {"ms": round(min(times) * 1000, 1), "cpu_ms": round(min(cpus) * 1000)}


def _instants(texts: list[str] | None, default: dt.datetime) -> list[tuple[str, dt.datetime]]:
    if not texts:
        return [("launch", default)]
    out = []
    for text in texts:
        if text == "now":
            out.append((text, pendulum.now("UTC")))
            continue
        parsed = pendulum.parse(text, tz=BEIJING)
        assert isinstance(parsed, pendulum.DateTime), text
        out.append((text, parsed))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cycle")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--as-of", action="append", dest="as_of", help="北京时间，可重复；now")
    args = parser.parse_args()
    with read_scope() as session:
        cycle = session.get(Cycle, args.cycle)
        if cycle is None:
            raise SystemExit(f"没有周期 {args.cycle}")
        instants = _instants(args.as_of, cycle.launched_at)
        total = session.execute(
            select(func.count()).where(col(Application.cycle_id) == cycle.id)
        ).scalar_one()
        province = session.execute(
            select(Organisation).where(col(Organisation.kind) == "province")
        ).scalar_one()
        city = session.execute(
            select(Organisation).where(
                Organisation.code == busiest(session, cycle.id, col(Application.city_code))
            )
        ).scalar_one()
        unit = session.get(
            Organisation,
            busiest(
                session,
                cycle.id,
                col(Application.unit_id),
                col(Organisation.path).startswith(city.path + "/"),
            ),
        )
        assert unit is not None
        county = session.get(Organisation, unit.parent_id)
        committee_id = busiest(session, cycle.id, col(Application.committee_id))
        levels = [
            ("province", _viewer("province", province), province, None),
            ("city", _viewer("city", city), city, None),
            ("county", _viewer("county", county), county, None),
            ("unit", _viewer("unit", unit), unit, None),
            ("committee", _viewer("committee", None, committee_id), None, committee_id),
        ]
        stat = _backend_stat(session)
        for label, now in instants:
            asof = AsOf(session, cycle.id, now)
            # which end a wide page's pass over the trail reads from (models.asof)
            end = "now" if asof.current else "end" if asof.from_the_end() else "start"
            for name, viewer, org, committee in levels:
                best = _best(
                    lambda v=viewer, o=org, c=committee, t=now: figures.overview(
                        session, cycle, v, o, t, c
                    ),
                    args.repeat,
                    stat,
                )
                line = {"as_of": label, "level": name, "applications": total, "trail": end}
                line |= {"overview_ms": best["ms"], "cpu_ms": best["cpu_ms"]}
                print(json.dumps(line | {"load": round(os.getloadavg()[0], 1)}))
            best = _best(
                lambda t=now: figures.committees(session, cycle.id, levels[0][1], t),
                args.repeat,
                stat,
            )
            line = {"as_of": label, "level": "committees", "committees_ms": best["ms"]}
            line |= {"cpu_ms": best["cpu_ms"], "load": round(os.getloadavg()[0], 1)}
            print(json.dumps(line))


if __name__ == "__main__":
    main()
