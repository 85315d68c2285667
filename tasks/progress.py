"""Phase progress inside Prefect's UI: a progress artifact and a table of counts per city."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

from prefect import task
from prefect.artifacts import create_progress_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from sqlalchemy import func, select
from sqlmodel import col

from models.application import Application
from models.db import session_scope
from models.states import LABELS, Status, progress_percent, through_count


def counts_by_city(cycle_id: str) -> dict[str, dict[str, int]]:
    stmt = (
        select(col(Application.city_code), col(Application.status), func.count())
        .where(col(Application.cycle_id) == cycle_id)
        .group_by(col(Application.city_code), col(Application.status))
    )
    table: dict[str, dict[str, int]] = defaultdict(dict)
    with session_scope() as session:
        for city, status, count in session.execute(stmt):
            table[city][status] = count
    return dict(table)


def artifact_key(*parts: str) -> str:
    """Artifact keys allow lowercase letters, digits and dashes only."""
    return "-".join(p.lower().replace("_", "-") for p in parts)


@task(cache_policy=NO_CACHE, name="progress", task_run_name="{cycle_id}-{phase}-progress")
def publish_progress(
    cycle_id: str, phase: str, now: dt.datetime, city_names: dict[str, str]
) -> float:
    """Publishes the phase's progress (idempotent: same numbers, same artifact keys)."""
    table = counts_by_city(cycle_id)
    counts: Counter[str] = Counter()
    for row in table.values():
        counts.update(row)
    total = sum(counts.values())
    through = through_count(counts, phase)
    percent = progress_percent(through, total)
    create_progress_artifact(
        progress=percent,
        key=artifact_key(cycle_id, phase, "progress"),
        description=f"{cycle_id} {phase}：{through}/{total} 件已完成本阶段",
    )
    statuses = [s for s in Status if any(s.value in row for row in table.values())]
    rows = [
        {
            "市州": city_names.get(city, city),
            **{LABELS[s]: row.get(s.value, 0) for s in statuses},
            "合计": sum(row.values()),
        }
        for city, row in sorted(table.items())
    ]
    create_table_artifact(
        table=rows,
        key=artifact_key(cycle_id, "status-by-city"),
        description=f"{cycle_id} 各市州申报状态（截至 {now.isoformat()}）",
    )
    return percent
