"""Rows nobody can be reached for are marked in one UPDATE (``delivery.mark_unreachable``):
each row ends exactly as claiming it and finding no address, row by row, left it; rows
someone can be reached for, rows another deliverer holds and rows not yet due are not
touched by it."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlmodel import col

import notifications.delivery as delivery
from models.db import session_scope
from models.org import Organisation
from models.outbox import Message
from notifications.channels import Channels
from notifications.delivery import LEASE, deliver
from notifications.reminders import Offset, insert_messages, message_row
from tests.factories import bj, stored_cycle

pytestmark = pytest.mark.usefixtures("db")
RETRY = [5, 15, 60]
NOW = bj(2024, 10, 28, 9, 30)
KEPT = ("id", "cycle_id")  # what differs between the two cycles by construction


def _queue(cycle: str, tag: str) -> None:
    """A row of each kind the claim meets, recipients named after ``tag`` (one per test)."""
    due, later = bj(2024, 10, 28, 9), bj(2024, 10, 29, 9)

    def row(recipient: str, kind: str, when: dt.datetime, deadline: dt.datetime) -> Any:
        return message_row(
            cycle,
            "unit_pending",
            recipient,
            kind,
            recipient,
            deadline,
            Offset(f"at-{when:%d%H}", when),
            due,
            2,
            True,
            org_name="单位",
            phase_title="单位审核推荐",
            return_limit=3,
        )

    deadline = bj(2024, 11, 1)
    rows = [
        row(f"{tag}-unit", "unit", due, deadline),
        row(f"{tag}-person", "applicant", due, deadline),
        row(f"{tag}-imported", "unit", due, deadline),  # has its own (unusable) address
        row(f"{tag}-coded", "unit", due, deadline),  # the channels file names it
        row(f"{tag}-later", "unit", later, deadline),  # not due yet
        row(f"{tag}-late", "unit", due, bj(2024, 10, 28, 9, 10)),  # expired by now
        row(f"{tag}-crashed", "unit", due, deadline),  # "sending" past the lease
        row(f"{tag}-held", "unit", due, deadline),  # "sending" by another deliverer
        row(f"{tag}-retry", "unit", due, deadline),  # failed once, due again
    ]
    with session_scope() as session:
        insert_messages(session, rows)

        def set_(recipient: str, **values: Any) -> None:
            session.execute(
                update(Message)
                .where(col(Message.cycle_id) == cycle, col(Message.recipient) == recipient)
                .values(**values)
            )

        set_(f"{tag}-crashed", status="sending", claim="dead", claimed_at=NOW - 2 * LEASE)
        set_(f"{tag}-held", status="sending", claim="alive", claimed_at=NOW, attempts=1)
        set_(
            f"{tag}-retry",
            status="failed",
            attempts=1,
            failed_at=due,
            last_error="超时",
        )


def _rows(cycle: str, tag: str) -> list[dict[str, Any]]:
    with session_scope() as session:
        found = session.execute(
            select(Message).where(col(Message.cycle_id) == cycle).order_by(col(Message.id))
        ).scalars()
        return [
            {
                k: (v.replace(tag, "T") if isinstance(v, str) else v)
                for k, v in m.model_dump().items()
                if k not in KEPT
            }
            for m in found
        ]


def _run(monkeypatch: pytest.MonkeyPatch, set_based: bool) -> tuple[dict[str, int], list[Any]]:
    tag = uuid.uuid4().hex[:10]
    cycle = stored_cycle()
    with session_scope() as session:
        session.add(
            Organisation(
                code=f"{tag}-imported",
                name="有地址的单位",
                kind="unit",
                path=f"{tag}-imported",
                notify_url="nosuchscheme://nowhere",
            )
        )
    _queue(cycle, tag)
    if not set_based:
        monkeypatch.setattr(delivery, "mark_unreachable", lambda *args: 0)
    channels = Channels(codes={f"{tag}-coded": ["nosuchscheme://coded"]})
    result = deliver(session_scope, cycle, NOW, channels, RETRY)
    monkeypatch.undo()
    return dict(result.counts), _rows(cycle, tag)


def test_one_update_leaves_every_row_as_the_claim_did(monkeypatch: pytest.MonkeyPatch) -> None:
    counts, rows = _run(monkeypatch, set_based=True)
    before_counts, before_rows = _run(monkeypatch, set_based=False)
    assert counts == before_counts
    assert rows == before_rows
    by = {r["recipient"]: r for r in rows}
    assert {k for k, r in by.items() if r["status"] == "no_channel"} == {
        "T-unit",
        "T-person",
        "T-crashed",
        "T-retry",
    }
    assert by["T-crashed"]["attempts"] == 1 and by["T-crashed"]["claimed_at"] == NOW
    assert by["T-held"]["status"] == "sending" and by["T-held"]["claim"] == "alive"
    assert by["T-imported"]["status"] == by["T-coded"]["status"] == "failed"
    assert by["T-later"]["status"] == "pending" and by["T-late"]["status"] == "expired"


def test_a_url_for_everything_marks_nothing_in_sql() -> None:
    assert delivery._unreachable(Channels(everything=("json://x",))) is None


def test_two_deliverers_at_once_mark_each_unreachable_row_once() -> None:
    cycle = stored_cycle()
    rows = [
        message_row(
            cycle,
            "unit_pending",
            f"nobody-{cycle}-{i}",
            "unit",
            f"nobody-{i}",
            bj(2024, 11, 1),
            Offset("d-3@09:00", bj(2024, 10, 28, 9)),
            bj(2024, 10, 28, 9),
            1,
            True,
            org_name="单位",
            phase_title="单位审核推荐",
            return_limit=3,
        )
        for i in range(2000)
    ]
    with session_scope() as session:
        insert_messages(session, rows)
    results: list[int] = []
    go = threading.Barrier(2)

    def drain() -> None:
        go.wait()
        results.append(deliver(session_scope, cycle, NOW, Channels(), RETRY).counts["no_channel"])

    workers = [threading.Thread(target=drain) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert sum(results) == 2000
    with session_scope() as session:
        found = session.execute(
            select(col(Message.status), col(Message.attempts)).where(col(Message.cycle_id) == cycle)
        ).all()
    assert set(found) == {("no_channel", 1)} and len(found) == 2000
