"""Two threads made to meet at chosen calls, so that two runs interleave at their worst: each
reads before either writes. The n-th call in one thread waits for the n-th call in the other,
at most ``patience`` seconds (the other may be held on a row lock and never come)."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any


class Lockstep:
    def __init__(self, patience: float = 3.0) -> None:
        self.patience = patience
        self._arrived: Counter[str] = Counter()
        self._changed = threading.Condition()
        self.met: Counter[str] = Counter()  # calls that found their partner in time

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def meeting(*args: Any, **kwargs: Any) -> Any:
            with self._changed:
                self._arrived[name] += 1
                pair = self._arrived[name] + self._arrived[name] % 2  # calls 1 and 2, 3 and 4, …
                self._changed.notify_all()
                if self._changed.wait_for(lambda: self._arrived[name] >= pair, self.patience):
                    self.met[name] += 1
            return fn(*args, **kwargs)

        return meeting
