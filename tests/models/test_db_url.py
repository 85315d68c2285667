"""Database URLs as people write them, and a database that cannot be used said in one line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from models.db import DatabaseUnavailable, make_engine, session_scope
from tests.conftest import PG_ADMIN


def _bare(url: str, scheme: str) -> str:
    return scheme + "://" + url.split("://", 1)[1]


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_the_usual_postgresql_url_reaches_the_database(scheme: str) -> None:
    engine = make_engine(_bare(PG_ADMIN, scheme))
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(text("select current_database()")).scalar()
                == PG_ADMIN.rsplit("/", 1)[1]
            )
        assert engine.url.drivername == "postgresql+psycopg2"
    finally:
        engine.dispose()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_database_is_one_chinese_line_with_the_password_masked() -> None:
    port = _closed_port()
    url = f"postgresql://clerk:s3cret-word@127.0.0.1:{port}/zhicheng"
    with pytest.raises(DatabaseUnavailable) as caught, session_scope(url) as session:
        session.execute(text("select 1"))
    message = str(caught.value)
    assert message.startswith("无法使用数据库 postgresql+psycopg2://clerk:***@127.0.0.1:")
    assert str(port) in message and "refused" in message.lower()
    assert "s3cret-word" not in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://clerk:s3cret-word@host:notaport/db", "clerk:***@host"),
        ("mysql+nosuchdriver://clerk:s3cret-word@host/db", "clerk:***@host"),
        ("zhicheng.db", "zhicheng.db"),
    ],
)
def test_a_malformed_url_is_refused_by_name(url: str, shown: str) -> None:
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    message = str(caught.value)
    assert message.startswith("无法使用数据库 ") and shown in message
    assert "连接地址无法使用" in message
    assert "s3cret-word" not in message and "\n" not in message


def test_errors_on_a_working_connection_stay_what_they_are(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(Exception) as caught, engine.connect() as conn:
        conn.execute(text("select * from no_such_table"))
    assert not isinstance(caught.value, DatabaseUnavailable)
