"""A simulation stopped before its end (Ctrl+C, SIGTERM from a supervisor or `kill`) leaves
nothing behind: its half-made cycle is deleted and the process ends normally, so Prefect's
own exit handlers stop the local server it started.

Python turns SIGINT into KeyboardInterrupt but dies at once on SIGTERM, running no exit
handler: the temporary Prefect server would outlive it. Here SIGTERM raises Prefect's
``TerminationSignal``, which its flow engine already handles (the run is marked crashed and
the signal goes on up), so both signals reach the same cleanup."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from prefect.exceptions import TerminationSignal

from models.db import session_scope
from models.purge import delete_cycle

INTERRUPTIONS = (KeyboardInterrupt, TerminationSignal)


def _raise_termination(signum: int, _frame: FrameType | None) -> None:
    raise TerminationSignal(signum)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises ``TerminationSignal`` in the main thread."""
    previous = signal.signal(signal.SIGTERM, _raise_termination)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def discard_cycle(cycle_id: str) -> None:
    """Deletes whatever of the cycle was written; a second signal meanwhile is ignored, so the
    deletion is not itself cut short."""
    ignored = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with session_scope() as session:
            delete_cycle(session, cycle_id)
    finally:
        for sig, handler in ignored.items():
            signal.signal(sig, handler)
