"""Serving the dashboard: uvicorn on the office's own machine (127.0.0.1:8000 by default)."""

from __future__ import annotations

import datetime as dt

from dashboard.app import create_app


def serve(host: str = "127.0.0.1", port: int = 8000, as_of: dt.datetime | None = None) -> None:
    """``as_of`` fixes the clock for a drill (演练) on a past or simulated cycle."""
    import uvicorn

    app = create_app(clock=(lambda: as_of) if as_of is not None else None)
    uvicorn.run(app, host=host, port=port, log_level="warning")
