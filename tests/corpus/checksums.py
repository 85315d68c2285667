"""A digest of a database's whole contents, to show that refused input changed nothing.

Every table the database holds is read (reflected, not taken from the models, so a table no
model names is still covered), each row turned into text and the rows sorted in Python: JSON
columns cannot be ordered by in PostgreSQL, and row order is no part of the contents."""

from __future__ import annotations

import hashlib
from functools import lru_cache

from sqlalchemy import Engine, MetaData, Table, create_engine, inspect, select

from models.db import normalised_url


def table_digests(url: str) -> dict[str, str]:
    """Each table's name and the SHA-256 of its sorted rows."""
    engine = _engine(url)
    digests: dict[str, str] = {}
    with engine.connect() as connection:
        for name, table in sorted(_tables(engine).items()):
            rows = sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            digest = hashlib.sha256(f"{len(rows)}\n".encode())
            for row in rows:
                digest.update(row.encode() + b"\n")
            digests[name] = digest.hexdigest()
    return digests


@lru_cache
def _engine(url: str) -> Engine:
    """One engine a database, its connections pooled: a corpus digests one database hundreds
    of times (PostgreSQL's test databases are dropped WITH (FORCE), pooled connections or not)."""
    return create_engine(normalised_url(url))


def _tables(engine: Engine) -> dict[str, Table]:
    """The database's tables, reflected again only when their names change (a corpus takes
    hundreds of digests of one schema; reflecting PostgreSQL's costs a good part of each)."""
    names = tuple(sorted(inspect(engine).get_table_names()))
    key = (str(engine.url), names)
    if key not in _REFLECTED:
        metadata = MetaData()
        metadata.reflect(engine)
        _REFLECTED[key] = dict(metadata.tables)
    return _REFLECTED[key]


_REFLECTED: dict[tuple[str, tuple[str, ...]], dict[str, Table]] = {}


def database_checksum(url: str) -> str:
    """One digest over every table: equal before and after means nothing was written."""
    whole = hashlib.sha256()
    for name, digest in table_digests(url).items():
        whole.update(f"{name}={digest}\n".encode())
    return whole.hexdigest()


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    """The tables whose contents differ (or that appeared or vanished), for a failure message."""
    return sorted(
        name for name in before.keys() | after.keys() if before.get(name) != after.get(name)
    )
