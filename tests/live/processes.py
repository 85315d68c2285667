"""Real processes for the live tests: each in its own process group with a log file, ended
with everything it spawned (a worker starts its flow runs in sessions of their own), and a
check that nothing is left behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _table() -> dict[int, tuple[int, int, str]]:
    """pid → (parent, process group, state) of every process, from /proc."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
        out[int(entry.name)] = (int(ppid), int(pgrp), state)
    return out


def family(pgids: Iterable[int]) -> set[int]:
    """The processes of these groups and all their descendants, wherever their group is."""
    table = _table()
    mine = {pid for pid, (_, pgrp, _) in table.items() if pgrp in set(pgids)}
    grew = True
    while grew:
        more = {pid for pid, (ppid, _, _) in table.items() if ppid in mine} - mine
        mine |= more
        grew = bool(more)
    return mine


def alive(pids: Iterable[int]) -> set[int]:
    """Those still running (a zombie has ended: only its parent's wait is missing)."""
    table = _table()
    return {pid for pid in pids if pid in table and table[pid][2] != "Z"}


class Service:
    """A command in its own process group, its output in ``log``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        self.started_at = time.time()
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                argv,
                env=env,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def running(self) -> bool:
        return self.proc.poll() is None

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float = 120) -> float:
        """Seconds until ``ready()``; fails with the log's end if the process dies first."""
        began = time.monotonic()
        while not ready():
            if not self.running() or time.monotonic() - began > timeout:
                tail = self.log.read_text(errors="replace")[-3000:]
                self.stop()
                raise AssertionError(f"{self.name}: {what} did not happen\n{tail}")
            time.sleep(0.3)
        return time.monotonic() - began

    def wait_for_url(self, url: str, expected: str | None = None, timeout: float = 120) -> float:
        def answers() -> bool:
            try:
                response = httpx.get(url, timeout=3)
            except httpx.HTTPError:
                return False
            return response.status_code == 200 and (
                expected is None or response.text.strip() == expected
            )

        return self.wait_until(answers, f"{url} answering", timeout)

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the group and every descendant's group, SIGKILL after ``grace``
        (Prefect's worker may ignore SIGTERM); raises if anything survives."""
        pids = family([self.proc.pid])
        groups = {self.proc.pid} | {_table().get(pid, (0, 0, ""))[1] for pid in pids} - {0}
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            pids |= family(groups)
            _signal(groups, pids, sig)
            deadline = time.monotonic() + wait
            while alive(pids) and time.monotonic() < deadline:
                self.proc.poll()
                time.sleep(0.1)
            if not alive(pids):
                break
        self.proc.wait(timeout=5)
        left = alive(pids)
        assert not left, f"{self.name}: processes {sorted(left)} survived SIGKILL"


def _signal(groups: Iterable[int], pids: Iterable[int], sig: int) -> None:
    """``sig`` to each process group, then to each of ``pids`` still alive (one that left its
    group); those already gone are passed over."""
    for group in groups:
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            pass
    for pid in alive(pids):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def kill_hard(service: Service) -> set[int]:
    """SIGKILL to the service and everything it spawned at once, as a machine that loses
    power would: nothing gets to clean up. Returns the pids it ended."""
    pids = family([service.proc.pid])
    groups = {_table().get(pid, (0, 0, ""))[1] for pid in pids} - {0}
    # Everything stopped first, then killed: killed one group after another, a worker still
    # running for that instant saw its run's process die and marked the run Crashed itself
    # (CI, once), which no worker that lost its power does — and a run the worker itself
    # called crashed is not taken back by its successor.
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        _signal(groups, pids, sig)
    deadline = time.monotonic() + 10
    while alive(pids) and time.monotonic() < deadline:
        service.proc.poll()
        time.sleep(0.05)
    service.proc.wait(timeout=5)
    left = alive(pids)
    assert not left, f"{service.name}: {sorted(left)} survived SIGKILL"
    return pids
