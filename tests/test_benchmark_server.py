"""The simulation benchmark starts Prefect's local server in its own process: it answers while
the benchmark runs and ends with it, even when the benchmark is killed (a killed benchmark
used to leave the server running)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What benchmarks/simulate.py does before its first size: start the server, then work on.
BENCHMARK = f"""
import sys, time
sys.path.insert(0, {str(ROOT)!r})
from benchmarks.simulate import prefect_server
api, _ = prefect_server()
print(api, flush=True)
time.sleep(600)
"""


def _healthy(api: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api}/health", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="the server ends with its parent on Linux")
def test_the_server_answers_and_ends_with_a_killed_benchmark(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(PREFECT_HOME=str(tmp_path), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    benchmark = subprocess.Popen(
        [sys.executable, "-c", BENCHMARK], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert benchmark.stdout is not None
        api = benchmark.stdout.readline().strip()
        assert api.startswith("http://127.0.0.1:"), api
        assert _healthy(api)
        benchmark.send_signal(signal.SIGKILL)  # no atexit, no cleanup of its own
        benchmark.wait(timeout=30)
        deadline = time.monotonic() + 30
        while _healthy(api) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _healthy(api), "the server outlived the killed benchmark"
    finally:
        if benchmark.poll() is None:
            benchmark.kill()
