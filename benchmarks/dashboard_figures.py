"""Dashboard timings: how long each level's page figures take over a simulated cycle.

    .venv/bin/python benchmarks/dashboard_figures.py CYCLE_ID [--repeat 5]

Runs against the configured database (``ZHICHENG_DATABASE_URL`` or ``~/.zhicheng``), e.g.
after ``zhicheng simulate --applicants 100000``. For the province, the busiest city, its busiest
county and unit, and the busiest committee it prints one JSON line: the best of ``repeat``
runs of ``figures.overview`` (what one page and one API call compute) in milliseconds."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from sqlalchemy import func, select
from sqlmodel import col

from dashboard import figures
from dashboard.demo import busiest
from dashboard.scope import Viewer
from models.application import Application
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


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(min(times) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cycle")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with read_scope() as session:
        cycle = session.get(Cycle, args.cycle)
        if cycle is None:
            raise SystemExit(f"没有周期 {args.cycle}")
        now = cycle.launched_at
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
        for name, viewer, org, committee in levels:
            ms = _best(
                lambda v=viewer, o=org, c=committee: figures.overview(session, cycle, v, o, now, c),
                args.repeat,
            )
            print(json.dumps({"level": name, "applications": total, "overview_ms": ms}))


if __name__ == "__main__":
    main()
