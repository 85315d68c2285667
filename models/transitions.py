"""The one way an application's status changes: a set-based UPDATE guarded by the state
machine, with its audit rows written in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, Text, insert, literal, select, update
from sqlmodel import Session, col

from models.application import Application, AuditEvent
from models.states import ACTIONS
from models.timeutil import UTCDateTime

CHUNK = 5000  # keeps IN-lists under SQLite's bound-parameter limit


def transition(
    session: Session,
    *,
    cycle_id: str,
    action: str,
    now: dt.datetime,
    actor: str,
    reason: str | None = None,
    where: Iterable[ColumnElement[bool]] = (),
    ids: Sequence[int] | None = None,
    values: dict[str, Any] | None = None,
) -> list[int]:
    """Move every application of the cycle that matches ``where`` (and ``ids``) and is in one
    of the action's source states to its target state. Returns the ids moved."""
    sources, target = ACTIONS[action]
    conditions = list(where)
    moved: list[int] = []
    chunks: Iterable[Sequence[int] | None] = (
        [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)] if ids is not None else [None]
    )
    for chunk in chunks:
        if chunk is not None and not chunk:
            continue
        for source in sorted(sources):
            stmt = (
                update(Application)
                .where(col(Application.cycle_id) == cycle_id)
                .where(col(Application.status) == source.value)
                .where(*conditions)
                .values(status=target.value, updated_at=now, **(values or {}))
                .returning(col(Application.id))
            )
            if chunk is not None:
                stmt = stmt.where(col(Application.id).in_(chunk))
            changed = [row[0] for row in session.execute(stmt)]
            if changed:
                _audit_moved(
                    session,
                    cycle_id,
                    changed,
                    now,
                    actor,
                    action,
                    source.value,
                    target.value,
                    reason,
                )
                moved.extend(changed)
    return moved


def _audit_moved(
    session: Session,
    cycle_id: str,
    ids: Sequence[int],
    now: dt.datetime,
    actor: str,
    action: str,
    source: str,
    target: str,
    reason: str | None,
) -> None:
    """The moved rows' audit rows, set-based: one INSERT … SELECT per chunk of ids (the
    constants bound once, not once per row)."""
    # bound with the columns' types (``at`` is stored in UTC)
    columns: list[Any] = [
        literal(cycle_id, String()),
        col(Application.id),
        literal(now, UTCDateTime()),
        literal(actor, String()),
        literal(action, String()),
        literal(source, String()),
        literal(target, String()),
        literal(reason, Text()),
    ]
    for i in range(0, len(ids), CHUNK):
        rows = (
            select(*columns)
            .where(col(Application.id).in_(ids[i : i + CHUNK]))
            .order_by(col(Application.id))
        )
        session.execute(
            insert(AuditEvent).from_select(
                [
                    "cycle_id",
                    "application_id",
                    "at",
                    "actor",
                    "action",
                    "from_status",
                    "to_status",
                    "reason",
                ],
                rows,
            )
        )


def note(
    session: Session,
    *,
    cycle_id: str,
    ids: Sequence[int],
    status_of: dict[int, str],
    now: dt.datetime,
    actor: str,
    action: str,
    reason: str,
) -> None:
    """An audit row for something that is not a status change (a lock, a refused action)."""
    by_status: dict[str, list[int]] = {}
    for app_id in ids:
        by_status.setdefault(status_of[app_id], []).append(app_id)
    for status, same in by_status.items():
        _audit_moved(session, cycle_id, same, now, actor, action, status, status, reason)
