"""Synthetic behaviour: when each applicant and unit acts. Seeded, so the same seed gives the
same year: most declare in time with a rush in the last hours, some try after the cut-off,
some units are late, returns go up to and beyond the limit."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
RETURN_REASONS = (
    "请一次性补充：任现职以来年度考核表、继续教育证书",
    "请一次性修改：论文查重报告不清晰，业绩佐证材料缺少单位盖章",
    "请一次性补充：聘任文件、基层服务经历证明",
)


@dataclass(frozen=True)
class Scripted:
    at: dt.datetime
    kind: str  # submit | open_review | return | resubmit | recommend | refuse
    app_id: int
    reason: str | None = None


@dataclass(frozen=True)
class Windows:
    declaration_start: dt.datetime
    declaration_end: dt.datetime
    unit_end: dt.datetime


def _between(rng: random.Random, first: dt.datetime, last: dt.datetime) -> dt.datetime:
    span = max((last - first).total_seconds(), 1.0)
    return first + dt.timedelta(seconds=int(rng.random() * span))


def submission_time(rng: random.Random, w: Windows) -> dt.datetime | None:
    """None: the draft is abandoned. After the cut-off: a late attempt the system refuses."""
    r = rng.random()
    end = w.declaration_end
    if r < 0.04:
        return None
    if r < 0.07:
        return _between(rng, end, end + 36 * HOUR)
    u = rng.random()
    if u < 0.60:
        return _between(rng, w.declaration_start + HOUR, end - 2 * DAY)
    if u < 0.85:
        return _between(rng, end - 2 * DAY, end - 6 * HOUR)
    if u < 0.97:
        return _between(rng, end - 6 * HOUR, end - 30 * dt.timedelta(minutes=1))
    return _between(rng, end - 30 * dt.timedelta(minutes=1), end - dt.timedelta(seconds=1))


def returns_wanted(rng: random.Random) -> int:
    """How often the unit sends it back: 4 goes beyond the limit of 3 and locks it."""
    r = rng.random()
    for limit, count in ((0.80, 0), (0.90, 1), (0.95, 2), (0.98, 3)):
        if r < limit:
            return count
    return 4


def script_application(
    rng: random.Random, app_id: int, w: Windows, unit_is_late: bool
) -> list[Scripted]:
    out: list[Scripted] = []
    submitted = submission_time(rng, w)
    if submitted is None:
        return out
    out.append(Scripted(submitted, "submit", app_id))
    if submitted >= w.declaration_end or unit_is_late:
        return out
    t = submitted + _jitter(rng, 2 * HOUR, 3 * DAY)
    out.append(Scripted(t, "open_review", app_id))
    for _ in range(returns_wanted(rng)):
        t += _jitter(rng, HOUR, DAY)
        out.append(
            Scripted(t, "return", app_id, RETURN_REASONS[rng.randrange(len(RETURN_REASONS))])
        )
        if rng.random() < 0.05:
            return out  # never resubmitted: the unit's deadline passes
        t += _jitter(rng, 2 * HOUR, 2 * DAY)
        out.append(Scripted(t, "resubmit", app_id))
    t += _jitter(rng, 2 * HOUR, 2 * DAY)
    out.append(Scripted(t, "refuse" if rng.random() < 0.04 else "recommend", app_id))
    return out


def _jitter(rng: random.Random, least: dt.timedelta, most: dt.timedelta) -> dt.timedelta:
    return least + (most - least) * rng.random()
