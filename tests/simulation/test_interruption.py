"""A stop signal is heeded even when the exception its handler raised was swallowed — Python
only prints one raised inside a weakref callback or a ``__del__`` (a collection running at
that moment), and a simulation then ran to its end."""

from __future__ import annotations

import gc
import os
import signal
import weakref

import pytest
from prefect.exceptions import TerminationSignal

from simulation.interruption import sigterm_raises, stop_if_signalled


class _Held:
    def __init__(self) -> None:
        self.cycle: _Held | None = None


def _signalled_inside_a_weakref_callback(sig: int) -> None:
    """The signal arrives while a collection runs a weakref callback: its exception is
    printed and dropped, as in the run that went on after a SIGTERM."""
    held = _Held()
    held.cycle = held  # a cycle: only a collection frees it
    watcher = weakref.ref(held, lambda _ref: os.kill(os.getpid(), sig))
    del held
    gc.collect()
    assert watcher() is None  # collected, and the callback ran


# and without a traceback printed for the swallowed one (pytest would warn of it)
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(
    ("sig", "raised"), [(signal.SIGTERM, TerminationSignal), (signal.SIGINT, KeyboardInterrupt)]
)
def test_a_swallowed_stop_signal_is_raised_again(
    sig: int, raised: type[BaseException], capsys: pytest.CaptureFixture[str]
) -> None:
    with sigterm_raises():
        _signalled_inside_a_weakref_callback(sig)  # nothing raised here: swallowed
        with pytest.raises(raised):
            stop_if_signalled()
    assert "Traceback" not in capsys.readouterr().err


def test_nothing_is_raised_without_a_signal_or_after_the_block() -> None:
    with sigterm_raises():
        stop_if_signalled()
        with pytest.raises(TerminationSignal):
            os.kill(os.getpid(), signal.SIGTERM)
    stop_if_signalled()  # what was received inside is not carried past the block
