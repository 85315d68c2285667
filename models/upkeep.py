"""What the database server must do for zhicheng that zhicheng does not do itself.

Every status change writes a new version of an application's row on PostgreSQL (its status is
indexed, so no change is made in place), and the old version stays until a VACUUM clears it.
The server's autovacuum does that as a cycle runs; with it off, a cycle of 100,000 leaves
hundreds of thousands of dead versions behind, and each of the sweep's set-based steps reads
through all of them (benchmarks/README.md: one step, ~75,000 dead rows, 24,000 pages a call).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

AUTOVACUUM_OFF = (
    "数据库服务器的自动清理（PostgreSQL autovacuum）已关闭：每次状态变更留下的旧行不会被清理，"
    "一个周期下来每日巡检和工作台会越来越慢。请在 postgresql.conf 中设置 autovacuum = on "
    "并重新加载配置（SELECT pg_reload_conf()）。"
)


def autovacuum_off(engine: Engine) -> bool:
    """Whether the engine's PostgreSQL server has autovacuum switched off (SQLite: never)."""
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return connection.execute(text("SHOW autovacuum")).scalar_one() != "on"


def upkeep_warnings(engine: Engine) -> list[str]:
    """What an operator should hear at start about the server's own upkeep."""
    return [AUTOVACUUM_OFF] if autovacuum_off(engine) else []
