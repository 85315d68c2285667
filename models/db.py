"""One engine and session setup: a SQLite file by default, PostgreSQL by URL. A database that
cannot be reached or a URL that cannot be used is one ``DatabaseUnavailable``, said in Chinese."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError, NoSuchModuleError
from sqlmodel import Session

from models.private_files import create_private_file, make_owner_only, private_folders
from models.settings import settings


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the dashboard read while a flow writes; foreign keys are off by default in SQLite.
    # We issue BEGIN ourselves (below), so the driver's own transaction handling is switched off.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # A cycle of 100,000 applications is ~700 MB: with SQLite's default 2 MB page cache every
    # statement re-read its index pages from the OS, and a checkpoint after every ~4 MB of WAL
    # copied the same hot pages back to the file again and again (issue 14: a 100,000
    # simulation 230 -> 194 s of CPU). Per connection: 64 MB of cache, and a checkpoint per
    # 100,000 WAL pages, so a page that many transactions change is copied back once, not
    # once each (benchmarks/row_writes.py: 158 -> 132 us of CPU a scattered status change).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA wal_autocheckpoint=100000")
    cursor.close()


def or_fail(statement: Any) -> Any:
    """A multi-row INSERT, UPDATE or DELETE that, on SQLite, stops where it is on a failure
    instead of undoing its own rows first: the transaction fails and rolls back either way
    (``session_scope``). A statement SQLite may have to undo alone has every page it touches
    copied into a statement journal first — as much work as the change itself at 100,000
    applications (migration 0016, benchmarks/row_writes.py). Other databases are not
    affected. It only helps where nothing else in the schema can fail the statement midway:
    an index on an expression, or a foreign key checked at once, still ask for the journal."""
    return statement.prefix_with("OR FAIL", dialect="sqlite")


def _begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins: a transaction that reads and then
    writes would otherwise fail at once ("database is locked") when another connection
    committed in between, instead of waiting its turn. Read-only sessions (exports, pages)
    begin deferred, so they never hold writers up."""
    readonly = connection.get_execution_options().get("zhicheng_readonly")
    connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


class DatabaseUnavailable(Exception):
    """The database cannot be used: the message names it (password masked) and says why."""


# The installed SQLAlchemy reads a bare postgresql:// as psycopg 3, which is not installed; the
# driver we ship is psycopg2, so the usual form and Heroku's postgres:// both mean that.
_BARE_POSTGRES = re.compile(r"^postgres(?:ql)?://")


def normalised_url(url: str) -> str:
    return _BARE_POSTGRES.sub("postgresql+psycopg2://", url.strip(), count=1)


def masked_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _unavailable(url: str, cause: object) -> DatabaseUnavailable:
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    return DatabaseUnavailable(f"无法使用数据库 {masked_url(url)}：{reason}")


def _connect_failed(context: ExceptionContext) -> BaseException | None:
    """A failure while connecting (no connection yet) is the database being unavailable;
    errors on a live connection stay what they are (a deadlock, a constraint)."""
    if context.connection is not None or context.is_pre_ping:
        return None
    cause = context.original_exception
    if "locked" in str(cause) or "busy" in str(cause):
        return None  # a busy SQLite file is a hiccup the task retries, not an outage
    return _unavailable(str(context.engine.url) if context.engine else "", cause)


def make_engine(url: str) -> Engine:
    url = normalised_url(url)
    try:
        engine = _create(url)
    except (ArgumentError, NoSuchModuleError, ImportError, ValueError, OSError) as exc:
        raise _unavailable(url, f"连接地址无法使用（{exc}）") from exc
    event.listen(engine, "handle_error", _connect_failed)
    return engine


def _create(url: str) -> Engine:
    if url.startswith("sqlite"):
        _private_sqlite_file(make_url(url).database)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
        return engine
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
    event.listen(engine, "checkout", _ping_when_idle)
    event.listen(engine, "checkin", _note_checkin)
    return engine


# Connections kept open per process (the dashboard runs one process per core, and as many
# request threads as this: dashboard.app): under a peak every request finds one ready,
# instead of overflow connections being opened and closed again (a new PostgreSQL backend
# each: a fork and a sign-in). A few more may be opened for a burst; four processes stay
# well inside PostgreSQL's default 100 connections.
POOL_SIZE = 10
POOL_OVERFLOW = 5

# A pooled connection idle longer than this is tested before use (the server or a firewall
# may have closed it meanwhile); one in steady use is not: a request takes a connection once
# or twice, and a ``SELECT 1`` each time was a fifth of the statements of a declaration's
# submission.
IDLE_BEFORE_PING = 10.0  # seconds


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["zhicheng_idle_since"] = time.monotonic()


def _ping_when_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    """SQLAlchemy's pre-ping, only for a connection that has been idle a while: a dead one is
    reported as such and the pool connects afresh (``DisconnectionError``)."""
    since = record.info.get("zhicheng_idle_since")
    if since is None or time.monotonic() - since < IDLE_BEFORE_PING:
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
    except Exception as exc:  # any failure of the driver: this connection is unusable
        raise DisconnectionError(f"连接已断开，重新连接：{exc}") from exc


def _private_sqlite_file(database: str | None) -> None:
    """The database holds every applicant's ID number: its file is created owner-only (0600,
    in folders we create 0700), and a file made before this rule is tightened. SQLite gives
    its WAL and shared-memory files the database file's mode."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    private_folders(path.parent)
    create_private_file(path)
    for made in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        make_owner_only(made)


@lru_cache
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine(url: str | None = None) -> Engine:
    return _engine_for(url or settings().db_url)


# The transaction that every session_scope opened inside ``one_transaction`` joins.
_SHARED: ContextVar[Session | None] = ContextVar("zhicheng_one_transaction", default=None)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any failure: nothing half-written.
    Inside ``one_transaction`` it is that transaction's session, committed with the rest."""
    shared = _SHARED.get()
    if shared is not None and url is None:
        yield shared
        # As a scope of its own would leave it: written, and what it read detached.
        shared.flush()
        shared.expunge_all()
        return
    with Session(engine(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def one_transaction() -> Iterator[Session]:
    """Many actions, each in its own ``session_scope``, as one transaction: committed together
    at the end, or not at all. For a caller whose every action stands or falls with the rest —
    the rehearsal, from one real Prefect run to the next (the people's actions and the
    instants it runs in this process): SQLite writes each page a
    transaction changed once per commit, so a hundred small transactions over scattered rows
    write the same index pages a hundred times (benchmarks/row_writes.py: 132 us of CPU a
    status change in transactions of 300 rows, 39 us in transactions of 30,000). Nothing
    that runs inside may use another connection to write (it would wait for this one)."""
    with session_scope() as session:
        token = _SHARED.set(session)
        try:
            yield session
        finally:
            _SHARED.reset(token)


@contextmanager
def read_scope(url: str | None = None) -> Iterator[Session]:
    """A session that only reads (a long export must not hold the write lock). Inside
    ``one_transaction``, that transaction's session: it reads what was written before it."""
    shared = _SHARED.get()
    if shared is not None and url is None:
        yield shared
        return
    with Session(engine(url), expire_on_commit=False) as session:
        session.connection(execution_options={"zhicheng_readonly": True})
        try:
            yield session
        finally:
            # Detach what was read first: a rollback would expire it, and callers use the
            # objects after the session ends (a page renders once the read is over).
            session.expunge_all()
            session.rollback()
