"""The load benchmark's webhook (benchmarks/load/receiver.py) counts what apprise posts to it:
a text received twice shows as a duplicate, which is how the benchmark finds a message sent
twice."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import apprise

RECEIVER = Path(__file__).resolve().parents[2] / "benchmarks" / "load" / "receiver.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _count(port: int) -> dict[str, int]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=5) as answer:
        counted: dict[str, int] = json.load(answer)
    return counted


def test_the_receiver_counts_every_post_and_each_text_once() -> None:
    port = _free_port()
    receiver = subprocess.Popen([sys.executable, str(RECEIVER), str(port)])
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                assert _count(port) == {"received": 0, "distinct": 0}
                break
            except OSError:
                assert time.monotonic() < deadline, "the receiver did not answer"
                time.sleep(0.1)
        sender = apprise.Apprise()
        assert sender.add(f"json://127.0.0.1:{port}/hook")
        for body in ("甲单位：请于截止前推荐", "甲单位：请于截止前推荐", "乙单位：请于截止前推荐"):
            assert sender.notify(title="提醒", body=body)
        assert _count(port) == {"received": 3, "distinct": 2}
    finally:
        receiver.terminate()
        receiver.wait(10)
