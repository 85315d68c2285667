"""The rehearsal's background checkpoints copy SQLite's log back into the database file while
the writer goes on, and say so when they cannot."""

from __future__ import annotations

import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from simulation.checkpoints import BackgroundCheckpoints


def _writer(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    # as models.db sets it: the writer itself would not copy the log back for a long while
    connection.execute("PRAGMA wal_autocheckpoint=100000")
    connection.execute("CREATE TABLE row (id INTEGER PRIMARY KEY, text TEXT)")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the empty table in the file
    return connection


def _rows_in_the_file_alone(path: Path, tmp_path: Path) -> int:
    """The rows a copy of the database file holds without its log."""
    copy = tmp_path / "copy.db"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as alone:
        return int(alone.execute("SELECT count(*) FROM row").fetchone()[0])


def _write(connection: sqlite3.Connection, rows: int) -> None:
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO row (text) VALUES (?)", [(f"第 {i} 行" * 20,) for i in range(rows)]
    )
    connection.execute("COMMIT")


def test_committed_pages_reach_the_database_file_while_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    path = tmp_path / "rehearsal.db"
    writer = _writer(path)
    with BackgroundCheckpoints(create_engine(f"sqlite:///{path}"), every=0.02):
        _write(writer, 2000)
        deadline = time.monotonic() + 10
        while _rows_in_the_file_alone(path, tmp_path) < 2000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _rows_in_the_file_alone(path, tmp_path) == 2000
        _write(writer, 500)  # the writer is never kept waiting
    writer.close()


def test_without_them_the_rows_stay_in_the_log(tmp_path: Path) -> None:
    path = tmp_path / "rehearsal.db"
    writer = _writer(path)
    _write(writer, 2000)
    assert _rows_in_the_file_alone(path, tmp_path) == 0
    writer.close()


def test_a_database_they_cannot_open_is_said_at_the_end(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.db"
    folder.mkdir()
    with pytest.raises(RuntimeError, match="后台检查点失败"):
        with BackgroundCheckpoints(create_engine(f"sqlite:///{folder}"), every=0.01):
            time.sleep(0.2)


def test_nothing_runs_for_another_database() -> None:
    engine = create_engine("postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    with BackgroundCheckpoints(engine, every=0.01) as checkpoints:
        assert checkpoints.thread is None
