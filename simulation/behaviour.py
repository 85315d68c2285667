"""Synthetic behaviour: what each applicant seeks and when each applicant and unit acts. Seeded,
so the same seed gives the same year: most seek 副高级, a grassroots applicant picks between the
committees open to them, most declare in time with a rush in the last hours, some try after the
cut-off, some units are late, returns go up to and beyond the limit."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rules.routing import Committee

# How often each level is sought, where a committee for it hears the applicant.
LEVEL_WEIGHTS = {"中级": 0.18, "副高级": 0.70, "正高级": 0.12}
NAMES_ITS_ONLY_COMMITTEE = 0.1  # share who write the committee in although routing would find it
GRASSROOTS_CHOICE = 0.6  # share of grassroots applicants who pick their grassroots committee
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
RETURN_REASONS = (
    "请一次性补充：任现职以来年度考核表、继续教育证书",
    "请一次性修改：论文查重报告不清晰，业绩佐证材料缺少单位盖章",
    "请一次性补充：聘任文件、基层服务经历证明",
)


class Scripted(NamedTuple):
    """One scripted action (a tuple: a year's 335,000 of them are made in the setup)."""

    at: dt.datetime
    kind: str  # submit | open_review | return | resubmit | recommend | refuse
    app_id: int
    reason: str | None = None


@dataclass(frozen=True)
class Windows:
    declaration_start: dt.datetime
    declaration_end: dt.datetime
    unit_end: dt.datetime


def level_sought(rng: random.Random, levels: Sequence[str]) -> str:
    """One of ``levels`` (those some committee hears for the applicant), by LEVEL_WEIGHTS."""
    total = sum(LEVEL_WEIGHTS[level] for level in levels)
    r = rng.random() * total
    for level in levels:
        r -= LEVEL_WEIGHTS[level]
        if r < 0:
            return level
    return levels[-1]


def chosen_committee(rng: random.Random, candidates: Sequence[Committee]) -> str | None:
    """The committee's name as the applicant writes it, or None to leave it to routing.
    Several may hear them (a grassroots applicant: the grassroots or the province-wide
    committee, 000 二(三)6): they must pick one."""
    if len(candidates) == 1:
        return candidates[0].name if rng.random() < NAMES_ITS_ONLY_COMMITTEE else None
    grassroots = [c for c in candidates if c.grassroots]
    others = [c for c in candidates if not c.grassroots]
    if grassroots and others:
        pool = grassroots if rng.random() < GRASSROOTS_CHOICE else others
    else:
        pool = list(candidates)
    return pool[rng.randrange(len(pool))].name


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
