"""A benchmark's scratch directory (its SQLite file: ~650 MB at 100,000 applicants), removed
when the benchmark ends however it ends: measured, failed, interrupted (Ctrl-C) or terminated
(SIGTERM, as a shell's ``kill`` or a timeout sends). A killed benchmark (SIGKILL) runs nothing
more and leaves it in the system's temporary directory, named by its prefix."""

from __future__ import annotations

import atexit
import shutil
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType

_MADE: list[Path] = []


def scratch_dir(prefix: str) -> Path:
    """A new directory under the system's temporary one, removed when this process exits."""
    if not _MADE:
        atexit.register(_remove_all)
        _exit_on_sigterm()
    home = Path(tempfile.mkdtemp(prefix=prefix))
    _MADE.append(home)
    return home


def _remove_all() -> None:
    # Any engine still open on a file here holds no lock that keeps it from being removed
    # on Linux; the SQLite files go with their directories.
    for home in _MADE:
        shutil.rmtree(home, ignore_errors=True)
    _MADE.clear()


def _exit_on_sigterm() -> None:
    """SIGTERM ends the process without running ``atexit`` by default: made an exit instead.
    A handler someone else set is left alone, as is any thread but the main one (where Python
    cannot set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    signal.signal(signal.SIGTERM, _exit)


def _exit(signum: int, _frame: FrameType | None) -> None:
    sys.exit(128 + signum)
