"""The start-up warning about the database server's own upkeep (models/upkeep.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.db import engine
from models.upkeep import AUTOVACUUM_OFF, autovacuum_off, upkeep_warnings
from zhicheng.cli_support import warn_about_upkeep


def _server_says_off(url: str) -> bool:
    """The server's own record of the setting, read apart from the probe."""
    if not url.startswith("postgresql"):
        return False
    with engine().connect() as connection:
        value = connection.execute(
            text("SELECT setting FROM pg_settings WHERE name = 'autovacuum'")
        ).scalar_one()
    return value == "off"


def test_the_probe_reads_the_servers_setting(db: str) -> None:
    assert autovacuum_off(engine()) is _server_says_off(db)
    assert upkeep_warnings(engine()) == ([AUTOVACUUM_OFF] if _server_says_off(db) else [])


def test_the_warning_is_said_in_chinese_at_start(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    warn_about_upkeep()
    said = capsys.readouterr().err
    if _server_says_off(db):
        assert "警告" in said and "autovacuum = on" in said
    else:
        assert said == ""


def test_a_server_with_autovacuum_off_is_named(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever this machine's server is set to, the warning's text reaches the operator."""
    import models.upkeep

    monkeypatch.setattr(models.upkeep, "autovacuum_off", lambda _engine: True)
    warn_about_upkeep()
    assert "自动清理" in capsys.readouterr().err
