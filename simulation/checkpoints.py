"""SQLite's write-ahead log copied back into the database file on a thread of its own while
the rehearsal runs on SQLite.

Otherwise the connection that commits copies the log back itself once it has grown past
``wal_autocheckpoint`` pages (models.db): at 100,000 applicants a few checkpoints of hundreds
of megabytes each, about 3 s of the run spent in commits, on the one core the rehearsal's
Python needs. SQLite does the copying without Python's lock, so on a thread it runs on the
other core. A PASSIVE checkpoint copies only committed pages and never waits for a reader or
the writer; once it has copied the whole log, the writer's next transaction starts the log
afresh, so the writer's own checkpoint is seldom due. Alternating runs at 100,000 applicants,
without and with: 78.0, 72.2 -> 72.6, 68.8 s (benchmarks/README.md)."""

from __future__ import annotations

import sqlite3
import threading
from types import TracebackType

from sqlalchemy import Engine


class BackgroundCheckpoints:
    """A thread that checkpoints the engine's SQLite file every ``every`` seconds until the
    block ends; nothing for any other database."""

    def __init__(self, engine: Engine, every: float) -> None:
        url = engine.url
        self.path = url.database if url.get_backend_name() == "sqlite" else None
        if self.path in ("", ":memory:"):
            self.path = None
        self.every = every
        self.done = threading.Event()
        self.thread: threading.Thread | None = None
        self.failure: BaseException | None = None

    def __enter__(self) -> BackgroundCheckpoints:
        if self.path is not None:
            self.thread = threading.Thread(target=self._run, name="wal-checkpoints", daemon=True)
            self.thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        # A checkpoint that failed lost nothing (the log keeps every page until copied), but
        # the run should say so rather than carry on quietly slower.
        if self.failure is not None and kind is None:
            raise RuntimeError(f"后台检查点失败：{self.failure}") from self.failure

    def _run(self) -> None:
        assert self.path is not None
        try:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            try:
                while not self.done.wait(self.every):
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            finally:
                connection.close()
        except sqlite3.Error as exc:
            self.failure = exc
