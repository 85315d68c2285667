"""Simulation timings: how long a whole 2024 cycle takes at 1,000 / 10,000 / 100,000 applicants.

    .venv/bin/python benchmarks/simulate.py 1000 10000 [100000] [--profile FILE] [--url URL]

Each size runs in a fresh SQLite file against one Prefect server, started first and timed
apart (``server_start``; with PREFECT_API_URL set, that server is used and nothing is started),
and prints one JSON line: applicants, seconds, CPU seconds (and their system part), the bytes
written and the commits, peak memory of this process, the 1-minute load average before and
after (the machine is shared: compare relative figures), the real Prefect runs and the
in-process instants, and the final counts; the first line gives the server's start and
``python_loop_seconds``, the machine's speed at the time. Each size's database is removed
once measured. ``--profile FILE`` writes
a cProfile of the last size. ``--url`` runs against that database instead (PostgreSQL: the
cycle is deleted and simulated afresh in it; the CPU of the local PostgreSQL server's processes
is reported beside ours, ``database_cpu_seconds``). Standard error shows where a run is, once a
minute. Results are recorded in benchmarks/README.md."""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# A shared machine under load starts the local server slowly (the default gives up at 20 s).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a clean clone
from benchmarks.scratch import scratch_dir  # noqa: E402

if TYPE_CHECKING:  # the simulation is imported by run(), after the server has started
    from simulation.driver import Progress

PROGRESS_SECONDS = 60.0  # how often a long run says where it is
PR_SET_PDEATHSIG = 1  # prctl(2): the signal a child gets when its parent ends


def load() -> float:
    return (
        float(Path("/proc/loadavg").read_text().split()[0])
        if Path("/proc/loadavg").exists()
        else 0.0
    )


def prefect_server(log: Path | None = None) -> tuple[str, float]:
    """The API URL, and the seconds it took to start Prefect's local server (0 when one is
    already configured). Started as Prefect starts its ephemeral server (the same uvicorn
    command and settings), but without importing the server here: its modules cost the
    measured process ≈ 50 MB of its peak, and the issue's goal is a run "with the Prefect
    server already running", as a deployment's would be. ``log``: the file its output goes
    to (by default, this process's)."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS

    url = PREFECT_API_URL.value()
    if url:
        return url, 0.0
    from benchmarks.load.run import free_port

    started = time.perf_counter()
    port = free_port()
    output = log.open("ab") if log is not None else None
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1"},
        preexec_fn=_ends_with_this_process if sys.platform == "linux" else None,
        stdout=output,
        stderr=output,
    )
    if output is not None:
        output.close()  # the server holds its own copy
    atexit.register(_stop, server)
    api = f"http://127.0.0.1:{port}/api"
    _wait_until_healthy(api, server, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value())
    return api, time.perf_counter() - started


def _ends_with_this_process() -> None:
    """In the server's process before it starts: Linux ends it when the benchmark ends, even
    killed (a killed benchmark left Prefect's server running before)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def _wait_until_healthy(api: str, server: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"Prefect 本地服务启动失败（退出码 {server.returncode}）")
        try:
            with urllib.request.urlopen(f"{api}/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass  # not listening yet
        time.sleep(0.2)
    _stop(server)
    sys.exit(f"Prefect 本地服务 {seconds:.0f} 秒内未就绪（{api}）")


def postgres_cpu() -> float:
    """The CPU seconds the local PostgreSQL server's processes have used so far (from /proc;
    0 where there is none to read): its share of a run is the difference."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)
            if "(postgres" not in fields[0] and "(postmaster" not in fields[0]:
                continue
            rest = fields[1].split()
        except (OSError, IndexError):
            continue  # a process that ended while we read
        total += int(rest[11]) + int(rest[12])  # utime, stime
    return total / ticks


def run(
    applicants: int, seed: int = 2024, profile: str | None = None, url: str | None = None
) -> dict[str, Any]:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from models.migrate import upgrade
    from models.settings import settings
    from simulation.driver import Simulation

    home = scratch_dir("zhicheng-bench-")
    os.environ["ZHICHENG_HOME"] = str(home)
    os.environ["ZHICHENG_DATABASE_URL"] = url or f"sqlite:///{home / 'bench.db'}"
    settings.cache_clear()
    upgrade()
    before = load()
    commits = _commit_counter()
    written, usage = written_bytes(), resource.getrusage(resource.RUSAGE_SELF)
    started, cpu, database_cpu = time.perf_counter(), time.process_time(), postgres_cpu()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    print(f"仿真开始：{applicants:,} 名申报人（先生成省份并导入申报）", file=sys.stderr, flush=True)
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        report = Simulation(
            bundled_cycle("jiayuguan-2024"), applicants, seed, progress=progress_lines(started)
        ).run()
    if profiler is not None and profile:
        profiler.disable()
        profiler.dump_stats(profile)
    result = {
        "applicants": applicants,
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time() - cpu, 1),
        "cpu_system_seconds": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_stime - usage.ru_stime, 1
        ),
        "written_gb": round((written_bytes() - written) / 1e9, 2),
        "commits": commits[0],
        "database": "postgresql" if url and url.startswith("postgres") else "sqlite",
        "database_cpu_seconds": round(postgres_cpu() - database_cpu, 1) if url else 0.0,
        "prefect_connect_seconds": round(report.prefect_start_seconds, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_before": before,
        "load_after": load(),
        "prefect_runs": report.prefect_runs,
        "in_process_runs": report.in_process_runs,
        "catch_up_runs": report.catch_up_runs,
        "not_final": report.not_final,
        "final_status": report.final_status,
    }
    _remove(home)
    return result


def progress_lines(started: float, every: float = PROGRESS_SECONDS) -> Progress:
    """A line on standard error every ``every`` seconds while the year runs (a million
    applicants take most of an hour on PostgreSQL), standard output keeping the figures alone:
    the simulated clock and the share of the year's schedule behind it."""
    last = [started]

    def show(done: int, clock: str, share: float) -> None:
        now = time.perf_counter()
        if now - last[0] >= every:
            last[0] = now
            print(
                f"仿真进度：模拟时间 {clock}（北京时间，全年日程的 {share:.0%}），"
                f"已处理 {done:,} 个事件，已用 {now - started:.0f} 秒",
                file=sys.stderr,
                flush=True,
            )

    return show


def _remove(home: Path) -> None:
    """The run's SQLite file (~650 MB at 100,000) goes once it is measured: its connections
    closed first."""
    from models.db import engine

    engine().dispose()
    shutil.rmtree(home, ignore_errors=True)


def python_loop_seconds() -> float:
    """CPU seconds for a fixed pure-Python loop: this machine's speed at the moment (a shared
    host's varies by a fifth to two thirds from hour to hour), to compare runs taken at different times."""
    started, total = time.process_time(), 0
    for i in range(10_000_000):
        total += i
    return round(time.process_time() - started, 2)


def written_bytes() -> int:
    """Bytes this process has written through the kernel so far (wchar: SQLite's WAL frames,
    its checkpoints' copies and its temporary files)."""
    io = Path("/proc/self/io")
    for line in io.read_text().splitlines() if io.exists() else ():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    return 0


def _commit_counter() -> list[int]:
    """A one-element list counting the commits of every engine from now on."""
    from sqlalchemy import Engine, event

    count = [0]

    def committed(_connection: object) -> None:
        count[0] += 1

    event.listen(Engine, "commit", committed)
    return count


def main(argv: list[str]) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if {"-h", "--help"} & set(argv):
        print(__doc__)
        return
    profile = _option(argv, "--profile")
    database = _option(argv, "--url")
    wrong = [a for a in argv if not a.isdigit() or int(a) < 1]
    if wrong:
        sys.exit(f"申请人数须为正整数（收到 {' '.join(wrong)}）; see --help")
    sizes = [int(a) for a in argv] or [1000, 10000]
    url, seconds = prefect_server()
    print(
        json.dumps(
            {
                "server_start": round(seconds, 1),
                "api": url,
                "load": load(),
                "python_loop_seconds": python_loop_seconds(),
            }
        ),
        flush=True,
    )
    with temporary_settings(updates={PREFECT_API_URL: url}):
        for n, size in enumerate(sizes):
            last = n == len(sizes) - 1
            print(
                json.dumps(
                    run(size, profile=profile if last else None, url=database), ensure_ascii=False
                ),
                flush=True,
            )


def _option(argv: list[str], name: str) -> str | None:
    """The value after ``name``, taken out of ``argv``."""
    if name not in argv:
        return None
    at = argv.index(name)
    if at + 1 >= len(argv):
        sys.exit(f"{name} 后须给出取值; see --help")
    value = argv[at + 1]
    del argv[at : at + 2]
    return value


if __name__ == "__main__":
    main(sys.argv[1:])
