"""The routing of a cycle's declarations is read once per stored revision
(models.imports.routing.cycle_routing) and read again whenever what it depends on changes:
a committee import, a committee added any other way, an extension; the declaration window's
end is never taken from the cache."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update
from sqlmodel import col, select

from models.cycle import Committee, Cycle, Phase
from models.db import session_scope
from models.imports.committees import import_committees
from models.imports.orgs import import_orgs
from models.imports.routing import cycle_routing
from rules.routing import Committee as Hearing
from tests.factories import stored_cycle
from tests.imports.makers import committee_rows, numbered, province_rows


def _hearing(cycle_id: str, key: str) -> Hearing:
    with session_scope() as session:
        routing = cycle_routing(session, cycle_id)
        assert routing is not None
        return routing.router.committees[key][1]


def _revision(cycle_id: str) -> int:
    with session_scope() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        return cycle.revision


def test_the_cached_routing_follows_committee_imports_additions_and_the_window(db: str) -> None:
    tag = uuid.uuid4().hex[:6]
    with session_scope() as session:
        assert import_orgs(session, numbered(province_rows(1, tag))).errors == []
    cycle_id = stored_cycle()
    with session_scope() as session:
        assert cycle_routing(session, "no-such-cycle") is None
        first = cycle_routing(session, cycle_id)
        again = cycle_routing(session, cycle_id)
    assert first is not None and again is not None
    assert first.router is again.router  # read once

    rows = committee_rows(tag)
    with session_scope() as session:
        assert import_committees(session, numbered(rows), cycle_id=cycle_id).errors == []
    key = f"{tag}-620100"
    assert _hearing(cycle_id, key).specialties is None
    rows[0]["评审专业"] = "化学实验、物理实验"
    revision = _revision(cycle_id)
    with session_scope() as session:
        changed = import_committees(session, numbered(rows), cycle_id=cycle_id)
    assert changed.updated == 1
    assert _revision(cycle_id) == revision + 1
    assert _hearing(cycle_id, key).specialties == frozenset({"化学实验", "物理实验"})

    with session_scope() as session:
        template = session.exec(select(Committee).where(col(Committee.key) == key)).one()
        session.add(
            Committee(
                cycle_id=cycle_id,
                key=f"{tag}-added",
                name=f"{tag}直接写入的评委会",
                organiser=template.organiser,
                series=template.series,
                level=template.level,
                scope=template.scope,
                region=template.region,
            )
        )
    assert _hearing(cycle_id, f"{tag}-added") is not None

    moved = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
    with session_scope() as session:
        session.execute(
            update(Phase)
            .where(col(Phase.cycle_id) == cycle_id, col(Phase.key) == "declaration")
            .values(end=moved)
        )
    with session_scope() as session:
        routing = cycle_routing(session, cycle_id)
        assert routing is not None
        assert routing.declaration_end == moved
