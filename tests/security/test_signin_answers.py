"""Finding 5 (sign-in): a paused account answers exactly as an unknown username does, and
takes as long (no answer or timing tells a guesser which names exist or are paused)."""

from __future__ import annotations

import statistics
import time

from fastapi.testclient import TestClient

from models.settings import settings
from tests.dashboard.conftest import PASSWORD
from tests.security.signin_support import client_from, fresh_account

ROUNDS = 5


def _timed(client: TestClient, username: str, password: str) -> tuple[int, dict, float]:
    start = time.perf_counter()
    answer = client.post("/api/session", json={"username": username, "password": password})
    return answer.status_code, answer.json(), time.perf_counter() - start


def test_a_paused_account_answers_like_an_unknown_one(
    client: TestClient, root_account: str
) -> None:
    name = fresh_account(root_account)
    with client_from(client.app) as c:
        for n in range(settings().login_max_failures):
            assert _timed(c, name, f"Wrong-guess-{n}")[0] == 401
        paused = [_timed(c, name, PASSWORD) for _ in range(ROUNDS)]
        unknown = [_timed(c, f"{name}-nobody", PASSWORD) for _ in range(ROUNDS)]
    assert {(s, str(b)) for s, b, _ in paused} == {(s, str(b)) for s, b, _ in unknown}
    assert paused[0][0] == 401 and paused[0][1]["detail"] == "用户名或密码错误"
    quick, slow = (
        statistics.median(t for *_, t in paused),
        statistics.median(t for *_, t in unknown),
    )
    assert quick > slow / 2, f"paused {quick * 1000:.0f} ms, unknown {slow * 1000:.0f} ms"
