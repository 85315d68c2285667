"""Deleting a cycle and everything that belongs to it, found from the schema itself.

A row belongs to the cycle when its table has a ``cycle_id`` equal to it, or when it refers
through a foreign key to a row that belongs (an audit row to its application, an account to
its committee, a sign-in session to that account). Walking ``SQLModel.metadata`` rather than a
list of tables means a table added later is deleted with its cycle without anyone remembering
to add it. Rows the cycle only refers to (people, organisations) are shared and stay."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Table, delete, inspect, or_, select
from sqlmodel import Session, SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from models.cycle import Cycle

# Tables a trigger writes as another table changes.
_KEPT_BY_TRIGGER = frozenset({"application_tally"})


def delete_cycle(session: Session, cycle_id: str) -> None:
    """Deletes the cycle's rows, dependants before what they refer to, one statement a table."""
    owned = _Ownership(cycle_id)
    dependants_first = list(reversed(SQLModel.metadata.sorted_tables))
    # After the applications: deleting them writes their groups' differences (models.tally),
    # which would otherwise outlive the cycle and count against a new one of the same id.
    kept = [t for t in dependants_first if t.name in _KEPT_BY_TRIGGER]
    for table in [t for t in dependants_first if t not in kept] + kept:
        condition = owned.condition(table)
        if condition is not None:
            session.execute(delete(table).where(condition))


class _Ownership:
    """For each table, the SQL condition picking the rows that belong to one cycle (None when
    no row of the table can). Self-references (an account created by an account) are followed
    to their end with a recursive query."""

    def __init__(self, cycle_id: str) -> None:
        self.cycle_id = cycle_id
        self._conditions: dict[str, ColumnElement[bool] | None] = {}

    def condition(self, table: Table) -> ColumnElement[bool] | None:
        if table.name not in self._conditions:
            self._conditions[table.name] = None  # guards a cycle of references while we look
            self._conditions[table.name] = self._build(table)
        return self._conditions[table.name]

    def _build(self, table: Table) -> ColumnElement[bool] | None:
        direct = self._direct(table)
        if direct is None:
            return None
        itself = [fk for fk in table.foreign_keys if fk.column.table is table]
        if not itself:
            return direct
        (key,) = table.primary_key.columns  # a self-reference needs a one-column key
        closure = select(key).where(direct).cte(f"owned_{table.name}", recursive=True)
        # the recursive part may name the closure only in its FROM clause (SQLite and PostgreSQL)
        referring = or_(*(fk.parent == closure.c[0] for fk in itself))
        closure = closure.union(select(key).select_from(table.join(closure, referring)))
        return key.in_(select(closure.c[0]))

    def _direct(self, table: Table) -> ColumnElement[bool] | None:
        """Rows owned by the cycle outright, or through a reference to another table's."""
        parts: list[ColumnElement[bool]] = []
        if table is inspect(Cycle).local_table:
            parts.append(table.c.id == self.cycle_id)
        if "cycle_id" in table.c:
            parts.append(table.c.cycle_id == self.cycle_id)
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent is table or fk.parent.name == "cycle_id":
                continue
            assert isinstance(parent, Table)
            owned_parent = self.condition(parent)
            if owned_parent is not None:
                parts.append(fk.parent.in_(select(fk.column).where(owned_parent)))
        return or_(*parts) if parts else None
