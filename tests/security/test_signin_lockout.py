"""Finding 1: wrong passwords fired in parallel lock the account after the limit, on SQLite
and on PostgreSQL alike: no more than the limit are checked against the account's password."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pendulum
import pytest

from models import accounts
from models.accounts import find_account, sign_in
from models.context import Refused
from models.db import session_scope
from models.settings import settings
from tests.security.signin_support import fresh_account

PARALLEL = 30


def test_parallel_wrong_passwords_check_at_most_the_limit(
    db: str, root_account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = fresh_account(root_account)
    with session_scope() as session:
        stored = find_account(session, name)
        assert stored is not None
        real_hash = stored.password_hash
    checked = []
    matches = accounts.password_matches

    def counting(password: str, against: str) -> bool:
        if against == real_hash:
            checked.append(password)
        return matches(password, against)

    monkeypatch.setattr(accounts, "password_matches", counting)
    now = pendulum.now("UTC")
    start = threading.Barrier(PARALLEL)

    def attempt(n: int) -> str:
        start.wait()
        try:
            with session_scope() as session:
                sign_in(session, name, f"Wrong-guess-{n}", now)
        except Refused as exc:
            return exc.code
        return "signed in"

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(attempt, range(PARALLEL)))
    limit = settings().login_max_failures
    assert "signed in" not in answers
    assert len(checked) <= limit, f"{len(checked)} of {PARALLEL} checked (limit {limit})"
    with session_scope() as session:
        after = find_account(session, name)
        assert after is not None and after.locked_until is not None
        assert after.locked_until > now
