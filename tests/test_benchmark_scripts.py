"""The benchmarks that build their own database still run against today's schema, at a small
size: each prints its figures as JSON and the counts in them are the work asked for.
``row_writes.py`` wrote the summary sheet into ``application.profile`` for six sessions after
migration 0020 had moved it to its own table, and failed at its first statement unnoticed:
no test ran it. (The simulation's benchmarks are run by the simulation's own tests and by
``test_benchmark_server.py``; the ones that read a kept database need one.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _finished(tmp_path: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The script run to its end, successfully; its temporary databases under ``tmp_path``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZHICHENG_", "PREFECT_API"))}
    env |= {"TMPDIR": str(tmp_path), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not list(tmp_path.glob("zhicheng-*")), "the benchmark left its scratch directory"
    return done


def _json_lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _run(tmp_path: Path, script: str, *args: str) -> list[dict[str, Any]]:
    """The script's JSON lines."""
    return _json_lines(_finished(tmp_path, script, *args))


def test_compare_measures_each_peer_and_keeps_the_servers_output_apart(tmp_path: Path) -> None:
    """compare.py from start to end at a small size (issue 14: it runs from a clean clone):
    each measurement's line with the work asked for, the ratios, and the server's output in
    its log: standard output holds the figures alone, standard error no traceback."""
    done = _finished(tmp_path, "compare.py", "100", "--naive", "20", "--floor", "1000")
    machine, server, base, ours, peer, ratios = _json_lines(done)
    assert machine["machine"]["cores"] >= 1 and server["what"] == "prefect_server_start"
    assert (base["what"], base["rows"]) == ("floor", 1000)
    assert (ours["what"], ours["applicants"], ours["not_final"]) == ("zhicheng", 100, 0)
    assert (peer["what"], peer["task_runs"]) == ("naive", 20 * 6)
    # 120 task runs' events fit the server's queue: nothing dropped, nothing failed
    assert (peer["server_events_dropped"], peer["server_errors"]) == (0, 0), peer
    assert set(ratios["ratios"]) == {"naive / zhicheng at 100", "zhicheng / floor at 100"}
    assert all(line.startswith("{") for line in done.stdout.splitlines()), done.stdout
    assert "Traceback" not in done.stderr, done.stderr


def test_compare_counts_what_the_server_logged(tmp_path: Path) -> None:
    """The naive line's figures are read from the server's log by the words Prefect logs them
    with: the test fails if a Prefect release words its dropped-event warning otherwise."""
    import inspect

    from prefect.server.utilities.messaging import memory

    from benchmarks.server_log import DROPPED, server_log_counts

    assert DROPPED in inspect.getsource(memory)
    log = tmp_path / "prefect-server.log"
    assert server_log_counts(log) == {"server_events_dropped": 0, "server_errors": 0}
    log.write_text(
        "20:36:57.758 | WARNING | prefect.server.utilities.messaging.memory - "
        f"{DROPPED} for topic='events' queue_size=10000 retry_queue_size=0\n"
        * 3
        + "20:37:13.062 | ERROR   | prefect.server.services.task_run_recorder - "
        "Error flushing 1 events (1 to retry, 0 dropped)\nTraceback (most recent call last):\n",
        encoding="utf-8",
    )
    assert server_log_counts(log) == {"server_events_dropped": 3, "server_errors": 1}


def test_row_writes_moves_every_row_through_each_step(tmp_path: Path) -> None:
    for narrow in ((), ("--narrow",)):
        [figures] = _run(
            tmp_path, "row_writes.py", "--rows", "600", "--batch", "200", "--steps", "2", *narrow
        )
        assert figures["moved"] == 1200, figures
        assert figures["commits"] == 6, figures
        assert figures["narrow"] is bool(narrow)


def test_services_runs_each_action_over_its_applications(tmp_path: Path) -> None:
    [figures] = _run(tmp_path, "services.py", "200", "--batch", "50")
    assert figures["applications"] == 200
    assert figures["returned"] == 100, figures
    assert figures["statuses"] == {"committee_review": 200}, figures


def test_no_channel_marks_every_message(tmp_path: Path) -> None:
    [figures] = _run(tmp_path, "no_channel.py", "--messages", "300", "--backend", "sqlite")
    assert figures["statuses"] == {"no_channel": 300}, figures


# What a benchmark does before its long work: a scratch directory with a database in it.
WORKING = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from benchmarks.scratch import scratch_dir
home = scratch_dir("zhicheng-bench-")
(home / "bench.db").write_bytes(bytes(1024))
print(home, flush=True)
time.sleep(600)
"""


def test_a_terminated_benchmark_removes_its_scratch_directory(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    benchmark = subprocess.Popen(
        [sys.executable, "-c", WORKING], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert benchmark.stdout is not None
        home = Path(benchmark.stdout.readline().strip())
        assert home.parent == tmp_path and (home / "bench.db").is_file()
        benchmark.send_signal(signal.SIGTERM)  # a shell's kill, a timeout
        assert benchmark.wait(timeout=30) == 128 + signal.SIGTERM
        assert not home.exists()
    finally:
        if benchmark.poll() is None:
            benchmark.kill()


def test_a_long_simulation_says_where_it_is_on_standard_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """At most one line an interval, naming the simulated instant, the share of the year's
    schedule behind it and the events handled; standard output (the figures' JSON lines) gets
    none of it."""
    from benchmarks.simulate import progress_lines

    started = time.perf_counter()
    show = progress_lines(started - 61.0, every=60.0)
    show(7, "2024-09-16 21:56", 0.124)
    show(8, "2024-09-16 22:10", 0.125)  # within the interval: nothing more
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, lines
    assert "模拟时间 2024-09-16 21:56（北京时间，全年日程的 12%）" in lines[0], lines
    assert "已处理 7 个事件" in lines[0], lines
