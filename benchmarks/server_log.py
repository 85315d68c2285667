"""What Prefect's local server wrote to its log during a benchmark: the events it dropped and
the errors it logged (``compare.py`` reports both beside the naive design's figures)."""

from __future__ import annotations

from pathlib import Path

# What the server logs (prefect.server.utilities.messaging.memory) for each event its full
# in-memory queue turns away, and the level of any error it logs.
DROPPED = "Subscription queue is full, dropping message"
ERROR = "| ERROR"


def server_log_counts(log: Path) -> dict[str, int]:
    """The events the server dropped and the errors it logged so far."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    lines = text.splitlines()
    return {
        "server_events_dropped": sum(DROPPED in line for line in lines),
        "server_errors": sum(ERROR in line for line in lines),
    }
