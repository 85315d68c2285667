"""Exports an office or an auditor can check independently: every application, audit row,
message, escalation and integrity record. ID numbers are always masked. CSV is opened in
spreadsheets, so its cells are neutralised (outputs.cells); JSON is data and keeps every value
exactly as stored."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable
from typing import IO

from models.db import read_scope
from models.exports import (
    APPLICATION_FIELDS,
    AUDIT_FIELDS,
    ESCALATION_FIELDS,
    INTEGRITY_FIELDS,
    MESSAGE_FIELDS,
    application_rows,
    audit_rows,
    escalation_rows,
    integrity_rows,
    message_rows,
)
from models.lookups import find_cycle
from outputs.cells import neutralise

KINDS = {
    "applications": (APPLICATION_FIELDS, application_rows),
    "audit": (AUDIT_FIELDS, audit_rows),
    "messages": (MESSAGE_FIELDS, message_rows),
    "escalations": (ESCALATION_FIELDS, escalation_rows),
    "integrity": (INTEGRITY_FIELDS, integrity_rows),
}


def cycle_exists(cycle_id: str) -> bool:
    with read_scope() as session:
        return find_cycle(session, cycle_id) is not None


# Rows written between two reports of progress: a province's audit trail is ~700,000 rows.
REPORT_EVERY = 5000


def write(
    kind: str,
    cycle_id: str,
    fmt: str,
    out: IO[str],
    at: dt.datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Streams the rows (constant memory for any number of applications); returns the count.
    With ``at``: what the office would have seen at that instant (models.exports).
    ``progress`` is told the rows written so far, every ``REPORT_EVERY`` and at the end."""
    fields, rows = KINDS[kind]
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
    else:
        out.write("[")
    for row in rows(cycle_id, at):
        if fmt == "csv":
            writer.writerow({key: neutralise(value) for key, value in row.items()})
        else:
            out.write(("," if count else "") + "\n" + json.dumps(row, ensure_ascii=False))
        count += 1
        if progress is not None and count % REPORT_EVERY == 0:
            progress(count)
    if fmt != "csv":
        out.write("\n]\n")
    if progress is not None:
        progress(count)
    return count
