"""Completes a simulated cycle's audit trail for the as-of benchmark, when simulating the whole
cycle at 100,000 applicants takes longer than the machine allows.

    .venv/bin/python benchmarks/asof_trail.py CYCLE_ID [--seed 7]

From each application's stored status and its last audit event, it appends the rest of an
ordinary path through the workflow (submit or expire at the declaration's end, open review,
recommend or not, the unit's publicity, forward, pass or fail at its committee's meeting
day, issue), each step after the one before and inside its phase, as the service layer would
record them (same columns, actor "合成"), and sets the stored status to the last one; and
one declaration reminder per applicant (sent, failed then expired, or without a channel,
with the instants the outbox records). Only for benchmarks: the figures read the trail and
the outbox, not how they were made."""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlmodel import col

from models.application import Application, AuditEvent
from models.cycle import Phase
from models.db import session_scope
from models.outbox import Message

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _path(
    status: str,
    prev: dt.datetime,
    windows: dict[str, tuple[dt.datetime, dt.datetime]],
    meeting: dt.datetime,
    rnd: random.Random,
) -> list[tuple[str, str, str, dt.datetime]]:
    """(action, from, to, at) from ``status`` on, each step later than the one before."""
    steps: list[tuple[str, str, str, dt.datetime]] = []
    d_start, d_end = windows["declaration"]
    _, u_end = windows["unit_review"]

    def at(earliest: dt.datetime, latest: dt.datetime) -> dt.datetime:
        low = max(earliest, prev + dt.timedelta(minutes=1))
        high = max(latest, low + dt.timedelta(minutes=1))
        return low + (high - low) * rnd.random()

    def step(action: str, to: str, when: dt.datetime) -> None:
        nonlocal status, prev
        steps.append((action, status, to, when))
        status, prev = to, when

    if status == "draft":
        if rnd.random() < 0.07:
            step("expire", "expired", max(d_end, prev + dt.timedelta(minutes=1)))
            return steps
        step("submit", "submitted", at(d_start, d_end - HOUR))
    if status == "submitted":
        step("open_review", "unit_review", at(prev, prev + 2 * DAY))
    if status == "returned":
        step("resubmit_unit", "unit_review", at(prev, prev + 2 * DAY))
    if status == "unit_review":
        if rnd.random() < 0.03:
            step("not_recommend", "not_recommended", max(u_end, prev + dt.timedelta(minutes=1)))
            return steps
        step("recommend", "recommended", at(prev + HOUR, u_end - 6 * DAY))
    if status == "recommended":
        step("start_unit_publicity", "unit_publicity", prev + HOUR)
    if status == "unit_publicity":
        step("finish_unit_publicity", "department_review", prev + 5 * DAY)
    if status == "department_review":
        step("forward", "committee_review", at(prev + HOUR, prev + 3 * DAY))
    if status == "committee_review":
        if rnd.random() < 0.2:
            step("fail", "failed", max(meeting, prev + HOUR))
            return steps
        step("pass", "result_publicity", max(meeting, prev + HOUR))
    if status == "result_publicity":
        step("issue", "issued", prev + 7 * DAY)
    return steps


def complete(cycle_id: str, seed: int) -> Counter[str]:
    rnd = random.Random(seed)
    with session_scope() as session:
        windows = {
            p.key: (p.start, p.end)
            for p in session.execute(select(Phase).where(col(Phase.cycle_id) == cycle_id))
            .scalars()
            .all()
            if p.start is not None and p.end is not None
        }
        last = dict(
            session.execute(
                select(col(AuditEvent.application_id), func.max(col(AuditEvent.at)))
                .where(col(AuditEvent.cycle_id) == cycle_id)
                .group_by(col(AuditEvent.application_id))
            ).all()
        )
        apps = session.execute(
            select(
                col(Application.id),
                col(Application.status),
                col(Application.committee_id),
                col(Application.created_at),
                col(Application.person_id),
            ).where(col(Application.cycle_id) == cycle_id)
        ).all()
    c_start, _ = windows["committee_review"]
    meetings: dict[int, dt.datetime] = {}
    rows: list[dict[str, Any]] = []
    final: dict[str, list[int]] = {}
    messages: list[dict[str, Any]] = []
    d_start, d_end = windows["declaration"]
    for app_id, status, committee_id, created, person in apps:
        due = d_start + (d_end - d_start) * rnd.random()
        fate = rnd.random()
        messages.append(
            {
                "cycle_id": cycle_id,
                "kind": "declaration_draft",
                "recipient": person,
                "recipient_kind": "applicant",
                "subject": str(app_id),
                "deadline": d_end,
                "offset": "synthetic",
                "due": due,
                "expires_at": d_end,
                "title": "申报提醒",
                "body": "合成",
                "pending": 1,
                "status": "sent" if fate < 0.9 else ("expired" if fate < 0.95 else "no_channel"),
                "attempts": 1,
                "next_attempt_at": due,
                "claimed_at": due,
                "sent_at": due + dt.timedelta(minutes=1) if fate < 0.9 else None,
                "failed_at": due + dt.timedelta(minutes=1) if 0.9 <= fate < 0.95 else None,
                "expired_at": d_end if 0.9 <= fate < 0.95 else None,
                "no_channel_at": due if fate >= 0.95 else None,
                "created_at": due - dt.timedelta(minutes=5),
            }
        )
        if committee_id not in meetings:
            meetings[committee_id] = c_start + dt.timedelta(days=10 + rnd.randint(0, 25), hours=2)
        prev = last.get(app_id, created)
        steps = _path(status, prev, windows, meetings[committee_id], rnd)
        for action, source, target, at in steps:
            rows.append(
                {
                    "cycle_id": cycle_id,
                    "application_id": app_id,
                    "at": at,
                    "actor": "合成",
                    "action": action,
                    "from_status": source,
                    "to_status": target,
                    "reason": None,
                }
            )
        if steps:
            final.setdefault(steps[-1][2], []).append(app_id)
    rows.sort(key=lambda r: r["at"])  # ids in the order of time, as a real trail
    for i in range(0, len(rows), 20000):
        with session_scope() as session:
            session.execute(insert(AuditEvent), rows[i : i + 20000])
    for i in range(0, len(messages), 20000):
        with session_scope() as session:
            session.execute(insert(Message), messages[i : i + 20000])
    with session_scope() as session:
        for status, ids in final.items():
            for i in range(0, len(ids), 20000):
                session.execute(
                    update(Application)
                    .where(col(Application.id).in_(ids[i : i + 20000]))
                    .values(status=status)
                )
    counts = {"events": len(rows), "messages": len(messages)}
    return Counter({**counts, **{k: len(v) for k, v in final.items()}})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("cycle")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    counts = complete(args.cycle, args.seed)
    print(dict(counts), f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
