"""Golden exports: a seeded simulated cycle's exports reduced to one sha256 per kind, so a
refactoring that claims "no behaviour change" can be checked against the digests recorded
before it (``digests.json``).

What is left out, and why (found by running the same cycle twice on SQLite and once on
PostgreSQL and comparing the exports field by field; the test's database also holds other
tests' cycles, which shifts every auto id):

- every row's own ``id``: auto-increment keys depend on what the database held before and on
  the order of set-based inserts, which PostgreSQL and SQLite do not share (the same audit row
  gets a different id on each backend);
- database ids inside values are replaced by what they stand for: an application's id (in the
  applications' ``id``, the audit rows' ``application_id`` and a message subject
  ``application:<id>``) by its ordinal in the cycle (applications are created in one seeded
  order), the simulated actors ``主管部门#<organisation id>`` and ``评委会#<committee id>`` by
  the department's code and the committee's key.

Everything else is kept as exported: the simulated instants (no export holds a wall-clock
time: ``sent_at`` is the simulated clock, and without a notification URL it stays empty),
statuses, reasons, masked ID numbers, names, counters. Rows are sorted after normalising, so
the order in which concurrent tasks wrote them does not matter.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from typing import Any

from sqlalchemy import select
from sqlmodel import col

KINDS = ("applications", "audit", "messages", "escalations")
CYCLE = "jiayuguan-2024"
# 6,000 applicants: more than one 5,000-row chunk (the simulated province's people are
# written and looked up in chunks of 5,000, as services and transitions chunk their ids).
APPLICANTS = 6000
SEED = 23  # no other test simulates with this seed, so the province's units are this run's own

_ACTOR_ID = re.compile(r"^(主管部门|评委会)#(\d+)$")
_SUBJECT_ID = re.compile(r"^application:(\d+)$")


def raw_exports(cycle_id: str) -> dict[str, list[dict[str, Any]]]:
    from zhicheng import export

    out: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        buf = io.StringIO()
        export.write(kind, cycle_id, "json", buf)
        out[kind] = json.loads(buf.getvalue())
    return out


def _names(cycle_id: str) -> tuple[dict[int, str], dict[int, str]]:
    """Organisation id -> code and committee id -> key, for the simulated actors' names."""
    from models.cycle import Committee
    from models.db import session_scope
    from models.org import Organisation

    with session_scope() as session:
        orgs = dict(session.execute(select(col(Organisation.id), col(Organisation.code))).all())
        committees = dict(
            session.execute(
                select(col(Committee.id), col(Committee.key)).where(
                    col(Committee.cycle_id) == cycle_id
                )
            ).all()
        )
    return orgs, committees


def normalised(cycle_id: str) -> dict[str, list[str]]:
    """Each kind's rows as sorted canonical JSON lines, ids replaced as the docstring says."""
    data = raw_exports(cycle_id)
    orgs, committees = _names(cycle_id)
    ordinal = {
        row["id"]: n for n, row in enumerate(sorted(data["applications"], key=lambda r: r["id"]), 1)
    }

    def actor(name: str) -> str:
        match = _ACTOR_ID.match(name)
        if match is None:
            return name
        kind, number = match.group(1), int(match.group(2))
        return f"{kind}#{(orgs if kind == '主管部门' else committees)[number]}"

    def subject(text: str) -> str:
        match = _SUBJECT_ID.match(text)
        return f"application:{ordinal[int(match.group(1))]}" if match else text

    rows: dict[str, list[dict[str, Any]]] = {
        "applications": [{**r, "id": ordinal[r["id"]]} for r in data["applications"]],
        "audit": [
            {**r, "application_id": ordinal[r["application_id"]], "actor": actor(r["actor"])}
            for r in data["audit"]
        ],
        "messages": [{**r, "subject": subject(r["subject"])} for r in data["messages"]],
        "escalations": data["escalations"],
    }
    for kind in ("audit", "messages", "escalations"):
        for row in rows[kind]:
            del row["id"]
    return {
        kind: sorted(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in kind_rows)
        for kind, kind_rows in rows.items()
    }


def digests(lines: dict[str, list[str]]) -> dict[str, dict[str, Any]]:
    return {
        kind: {
            "rows": len(kind_lines),
            "sha256": hashlib.sha256("\n".join(kind_lines).encode()).hexdigest(),
        }
        for kind, kind_lines in lines.items()
    }


def simulate() -> str:
    """The golden cycle, without a notification URL (every message ends ``no_channel``, so no
    network timing can enter the exports); returns its cycle id."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from simulation.driver import Simulation

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        report = Simulation(bundled_cycle(CYCLE), applicants=APPLICANTS, seed=SEED).run()
    return report.cycle_id


if __name__ == "__main__":  # re-record: python -m tests.golden.exports CYCLE_ID
    import sys

    print(json.dumps(digests(normalised(sys.argv[1])), indent=2))
