"""A list of ids bound as one parameter: ``column IN (SELECT value FROM json_each(:ids))`` on
SQLite, ``column = ANY(:ids)`` on PostgreSQL.

An expanding IN list (``column.in_(bindparam(..., expanding=True))``) is rewritten by
SQLAlchemy for every execution: a parameter name and a placeholder per id, and a new SQL text
(so a new prepared statement) for every length. The service calls and the transitions run
thousands of such statements over a few hundred ids each (issue 14: ~3 % of a 100,000-applicant
simulation's CPU in that rewriting alone). Bound as one value, the statement's text never
changes. Both databases still find each id through the primary key or the column's index
(``tests/models/test_query_plans.py``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    Integer,
    String,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator, TypeEngine


class IdList(TypeDecorator[list[Any]]):
    """Ids (integers, or text with ``text``) bound as one value: a JSON array on SQLite, an
    array on PostgreSQL."""

    impl = String
    cache_ok = True

    def __init__(self, text: bool = False) -> None:
        super().__init__()
        self.text = text

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String() if self.text else Integer()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if value is None:
            return None
        ids = [str(i) for i in value] if self.text else [int(i) for i in value]
        return ids if dialect.name == "postgresql" else json.dumps(ids, ensure_ascii=False)


class _Among(ColumnElement[bool]):
    """``column`` is one of the ids bound to ``ids``."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is, not ``(…) = 1`` on SQLite
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], ids: BindParameter[Any]) -> None:
        self.column = column
        self.ids = ids


@compiles(_Among)
def _any(element: _Among, compiler: Any, **kw: Any) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY({compiler.process(element.ids, **kw)})"


@compiles(_Among, "sqlite")
def _json_each(element: _Among, compiler: Any, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


def among(
    column: Any, ids: str | Iterable[Any] = "ids", *, text: bool = False
) -> ColumnElement[bool]:
    """``column`` is one of the ids (text ones with ``text``): bound later under the name
    ``ids`` (a statement built once), or these ids now."""
    kind = IdList(text)
    # an ORM attribute (Application.id) stands for its table's column
    column = getattr(column, "__clause_element__", lambda: column)()
    if isinstance(ids, str):
        return _Among(column, bindparam(ids, type_=kind))
    return _Among(column, bindparam(None, list(ids), type_=kind))


def id_rows(dialect: str, name: str = "ids") -> Any:
    """The ids bound to ``name`` as rows (``value``) in the order given (``position``): the
    source of an INSERT … SELECT that writes one row per id with the other columns bound
    once, instead of a parameter set per row."""
    ids = bindparam(name, type_=IdList())
    if dialect == "postgresql":
        return func.unnest(ids).table_valued("value", with_ordinality="position").render_derived()
    listed = func.json_each(ids).table_valued("value", "key")
    return select(listed.c.value, listed.c.key.label("position")).subquery()


def insert_per_id(table: Any, dialect: str, id_column: str, bound: Sequence[str]) -> Any:
    """INSERT … SELECT of one ``table`` row per id bound to ``ids``, in the order given, its id
    in ``id_column`` and the columns named in ``bound`` bound once by their names (typed as
    the table's columns: a time in UTC)."""
    source = id_rows(dialect)
    return insert(table).from_select(
        [id_column, *bound],
        select(
            source.c.value, *(bindparam(name, type_=table.c[name].type) for name in bound)
        ).order_by(source.c.position),
    )
