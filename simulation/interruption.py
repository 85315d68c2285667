"""A simulation stopped before its end (Ctrl+C, SIGTERM from a supervisor or `kill`) leaves
nothing behind: its half-made cycle is deleted and the process ends normally, so Prefect's
own exit handlers stop the local server it started.

Python turns SIGINT into KeyboardInterrupt but dies at once on SIGTERM, running no exit
handler: the temporary Prefect server would outlive it. Here SIGTERM raises Prefect's
``TerminationSignal``, which its flow engine already handles (the run is marked crashed and
the signal goes on up), so both signals reach the same cleanup."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from prefect.exceptions import TerminationSignal

from models.db import session_scope
from models.purge import delete_cycle

INTERRUPTIONS = (KeyboardInterrupt, TerminationSignal)

# The signals received while inside ``sigterm_raises``. A handler's exception raised while
# Python runs a weakref callback or a ``__del__`` — a collection at that moment — is printed
# ("Exception ignored in …") and dropped: a SIGTERM sent as the setup's collection ran went
# unheeded and the simulation ran to its end. The driver asks again between events.
_received: list[int] = []


def _stop(signum: int) -> BaseException:
    """What a stop signal raises: SIGINT as Python always raises it, SIGTERM as Prefect's
    flow engine expects it."""
    return KeyboardInterrupt() if signum == signal.SIGINT else TerminationSignal(signum)


def _remember_and_raise(signum: int, _frame: FrameType | None) -> None:
    _received.append(signum)
    raise _stop(signum)


def stop_if_signalled() -> None:
    """Raises again what a signal raised, in case that was swallowed (nothing otherwise)."""
    if _received:
        raise _stop(_received[-1])


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises ``TerminationSignal`` in the main thread (and SIGINT
    ``KeyboardInterrupt``, as always), and both are remembered for ``stop_if_signalled``."""
    _received.clear()
    previous = {
        sig: signal.signal(sig, _remember_and_raise) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    unraisable = sys.unraisablehook

    def quiet(what: sys.UnraisableHookArgs) -> None:
        # a swallowed stop is remembered and raised again where it counts: no traceback
        if not (isinstance(what.exc_value, INTERRUPTIONS) and _received):
            unraisable(what)

    sys.unraisablehook = quiet
    try:
        yield
    finally:
        sys.unraisablehook = unraisable
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _received.clear()


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
