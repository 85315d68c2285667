"""Serving the dashboard: uvicorn on the office's own machine (127.0.0.1:8000 by default), in
one process or several (``workers``): each request is mostly Python, so at a province's peak
(the last evening of declaration) one process per core is what lets the cores share it."""

from __future__ import annotations

import datetime as dt
import os

from fastapi import FastAPI
from sqlalchemy.engine import make_url

from dashboard.app import create_app
from models.db import normalised_url
from models.settings import settings

# How ``serve`` tells the worker processes the drill's instant (``--as-of``): they build their
# own application (``from_environment``) and share nothing else with the parent.
AS_OF_VARIABLE = "ZHICHENG_DASHBOARD_AS_OF"
# More processes than this only add memory (each holds its own pool of connections).
MOST_WORKERS = 4


def default_workers(url: str | None = None) -> int:
    """One process per core (at most MOST_WORKERS) on PostgreSQL; one on SQLite, whose single
    writer several processes would only queue up behind."""
    backend = make_url(normalised_url(url or settings().db_url)).get_backend_name()
    if backend == "sqlite":
        return 1
    return max(1, min(MOST_WORKERS, os.cpu_count() or 1))


def from_environment() -> FastAPI:
    """The application of one worker process (uvicorn's factory)."""
    import pendulum

    text = os.environ.get(AS_OF_VARIABLE)
    as_of = pendulum.parse(text) if text else None
    assert as_of is None or isinstance(as_of, pendulum.DateTime)
    return create_app(clock=(lambda: as_of) if as_of is not None else None)


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    as_of: dt.datetime | None = None,
    workers: int | None = None,
) -> None:
    """``as_of`` fixes the clock for a drill (演练) on a past or simulated cycle; ``workers``
    processes answer (default ``default_workers()``)."""
    import uvicorn

    count = workers or default_workers()
    if count == 1:
        app = create_app(clock=(lambda: as_of) if as_of is not None else None)
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    if as_of is not None:
        os.environ[AS_OF_VARIABLE] = as_of.isoformat()
    else:
        os.environ.pop(AS_OF_VARIABLE, None)
    uvicorn.run(
        "dashboard.server:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=count,
        log_level="warning",
    )
