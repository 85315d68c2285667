"""The sweep's forecast at its own instant: CPU of ``pace`` as the sweep calls it, against the
same counts read from the whole trail, on a simulated cycle cut back to each instant.

    .venv/bin/python benchmarks/forecast_sweep.py DB [TIMES]

DB: a SQLite file a simulation wrote (``benchmarks/simulate.py`` leaves it in its temporary
directory). The file is copied (never changed); with TIMES > 1 the copy's applications and
their audit rows are repeated TIMES times (new ids and people, same units, instants and
statuses: a 10,000 cycle stands for 100,000 without simulating it). For every stored
evaluation's instant, in time order, the copy is cut back to that instant (later events and
applications removed, each status the one its trail gave then, later evaluations removed),
so that, as in the sweep, nothing is recorded after it. Then, at that instant:

- ``sweep``: ``pace`` as the sweep calls it (stored statuses, the window's events, the
  previous evaluation's figures), timed, and its forecast stored as the sweep would;
- ``before``: the same as the sweep read them before (issue 14), timed;
- ``trail``: the same counts read from the trail (``pace(trail=True)``), timed; they must be
  equal;
- without TIMES, the stored evaluation (made by the simulation's own sweep) must equal what
  ``sweep`` gives.

Prints one JSON line per instant (CPU ms of each) and the totals."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.scratch import scratch_dir  # noqa: E402

# New ids are the old ones plus a multiple of this (above any id a simulation writes).
ID_STEP = 10_000_000
T = TypeVar("T")


def repeat(db: Path, times: int) -> None:
    """The cycle's applications and their audit rows ``times`` times over."""
    con = sqlite3.connect(db)
    apps = [r[1] for r in con.execute("PRAGMA table_info(application)")]
    events = [r[1] for r in con.execute("PRAGMA table_info(audit_event)") if r[1] != "id"]
    for k in range(1, times):
        shift = {"id": f"id + {k * ID_STEP}", "person_id": f"person_id || '-{k}'"}
        con.execute(
            f"INSERT INTO application ({', '.join(apps)}) "
            f"SELECT {', '.join(shift.get(c, c) for c in apps)} FROM application WHERE id < ?",
            (ID_STEP,),
        )
        moved = {"application_id": f"application_id + {k * ID_STEP}"}
        con.execute(
            f"INSERT INTO audit_event ({', '.join(events)}) "
            f"SELECT {', '.join(moved.get(c, c) for c in events)} FROM audit_event "
            "WHERE application_id < ? ORDER BY id",
            (ID_STEP,),
        )
    con.commit()
    con.close()


def cut(db: Path, at: str) -> None:
    """Back to ``at`` (stored as text, UTC): later events, applications and evaluations gone,
    each status its trail's then."""
    con = sqlite3.connect(db)
    con.execute(
        "UPDATE application SET status = coalesce((SELECT e.to_status FROM audit_event e "
        "WHERE e.application_id = application.id AND e.at <= ? ORDER BY e.id DESC LIMIT 1), "
        "'draft') WHERE id IN (SELECT application_id FROM audit_event WHERE at > ?)",
        (at, at),
    )
    con.execute("DELETE FROM audit_event WHERE at > ?", (at,))
    con.execute("DELETE FROM application WHERE created_at > ?", (at,))
    con.execute("DELETE FROM forecast_evaluation WHERE at > ?", (at,))
    con.commit()
    con.close()


def cpu_ms(fn: Callable[[], T]) -> tuple[T, float]:
    started = time.process_time()
    out = fn()
    return out, round((time.process_time() - started) * 1000, 1)


def previous_pace(session: Any, cycle_id: str, phase: str, now: dt.datetime) -> list[Any]:
    """``pace`` at its own instant as the sweep read it before the window's events and the
    stored figures (issue 14): the waiting at the window's start and the applications that
    left the phase from the whole trail."""
    from models.forecast import WINDOW, UnitPace, _left_ever, _moves, waiting_as_of

    since = now - WINDOW
    waiting = waiting_as_of(session, cycle_id, phase, now, current=True)
    before = waiting_as_of(session, cycle_id, phase, since)
    left = _moves(session, cycle_id, phase, since, now, False, None)
    arrived = _moves(session, cycle_id, phase, since, now, True, None)
    ever = _left_ever(session, cycle_id, phase, now, None, True)
    keys = set(waiting) | set(before) | set(left) | set(arrived) | set(ever)
    return [
        UnitPace(
            unit_id=unit,
            city_code=city,
            total=waiting.get((unit, city), 0) + ever.get((unit, city), 0),
            waiting=waiting.get((unit, city), 0),
            exposed=before.get((unit, city), 0) + arrived.get((unit, city), 0),
            left=left.get((unit, city), 0),
        )
        for unit, city in sorted(keys)
    ]


def restored(stored: list[tuple[str, str, str]]) -> None:
    """The stored evaluations of a repeated cycle as its trail gives them at their instants
    (what its own sweep would have stored: tests/models/test_forecast.py)."""
    from sqlalchemy import select
    from sqlmodel import col

    from models.db import session_scope
    from models.forecast import WINDOW, ForecastEvaluation, detail_of, forecast_as_of

    with session_scope() as session:
        for row in session.execute(select(ForecastEvaluation)).scalars():
            forecast, _ = forecast_as_of(session, row.cycle_id, row.phase, row.at, WINDOW)
            row.waiting, row.detail = forecast.waiting, detail_of(forecast)
        assert len(stored) == len(session.execute(select(col(ForecastEvaluation.id))).all())


def main(source: str, times: int = 1) -> None:
    home = scratch_dir("zhicheng-forecast-sweep-")
    db = home / "copy.db"
    shutil.copy(source, db)
    if times > 1:
        repeat(db, times)
    con = sqlite3.connect(db)
    stored = con.execute(
        "SELECT cycle_id, phase, at FROM forecast_evaluation ORDER BY at, phase"
    ).fetchall()
    con.close()
    os.environ["ZHICHENG_DATABASE_URL"] = f"sqlite:///{db}"
    from models.settings import settings

    settings.cache_clear()
    from sqlalchemy import delete, select
    from sqlmodel import col

    from models.db import session_scope
    from models.forecast import (
        WINDOW,
        ForecastEvaluation,
        detail_of,
        pace,
        project,
        window_of,
    )

    if times > 1:
        restored(stored)
    totals = {"sweep": 0.0, "before": 0.0, "trail": 0.0}
    # latest first: each cut removes what follows it, the earlier evaluations stay stored
    for cycle_id, phase, at_text in reversed(stored):
        cut(db, at_text)
        with session_scope() as session:
            row = session.execute(
                select(ForecastEvaluation)
                .where(
                    col(ForecastEvaluation.cycle_id) == cycle_id,
                    col(ForecastEvaluation.phase) == phase,
                )
                .order_by(col(ForecastEvaluation.at).desc())
                .limit(1)
            ).scalar_one()
            at = row.at
            expected = (row.waiting, row.detail)
            # the sweep finds the evaluations before this one only
            session.execute(delete(ForecastEvaluation).where(col(ForecastEvaluation.id) == row.id))
            start, deadline = window_of(session, cycle_id, phase)
            args = (session, cycle_id, phase, at)
            units, swept = cpu_ms(partial(pace, *args, WINDOW))
            again, trailed = cpu_ms(partial(pace, *args, WINDOW, trail=True))
            old, before = cpu_ms(partial(previous_pace, *args))
            assert units == again == old, (phase, at)
            forecast = project(at, start, deadline, units, window=WINDOW)
            assert (forecast.waiting, detail_of(forecast)) == expected, (phase, at)
        totals["sweep"] += swept
        totals["trail"] += trailed
        totals["before"] += before
        print(
            json.dumps(
                {
                    "phase": phase,
                    "at": at.isoformat(),
                    "sweep_ms": swept,
                    "before_ms": before,
                    "trail_ms": trailed,
                }
            ),
            flush=True,
        )
    print(json.dumps({k: round(v) for k, v in totals.items()} | {"times": times}))
    shutil.rmtree(home)


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
