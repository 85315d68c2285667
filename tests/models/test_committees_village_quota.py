"""The village quota (001 三(二)) counted in SQL, one GROUP BY (committee, series), agrees with
a plain tally in Python over a mixed set: two senior committees and an intermediate one, three
series (one left empty), every status, and facts declaring a village unit, declaring none,
silent about it, or absent. Only the committees asked for are counted."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from sqlalchemy import select as columns_of
from sqlalchemy import update
from sqlmodel import col

from models.application import Application
from models.committees import GRANTED, RECOMMENDED, village_quota_shortfalls
from models.context import CycleContext
from models.cycle import Committee
from models.db import session_scope
from models.states import Status
from rules.eligibility import village_quota_shortfall
from tests.factories import drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")

COMMITTEES = ("jyg-zxxjs-gj", "jyg-ws-gj", "jyg-gc-zj")  # two senior, one intermediate
SERIES = ("卫生", "药学", None)
FACTS = ({"village_unit": True}, {"village_unit": False}, {"工作年限": 12}, None)


def _mixed(seed: int) -> str:
    """Applications spread over committees, series, statuses and facts; each (committee,
    series) gets its own share of village-unit talent, some above the quota, some below,
    some none at all."""
    rng = random.Random(seed)
    cycle = stored_cycle()
    ids = [i for key in COMMITTEES for i in drafts(cycle, 90, committee_key=key)]
    share = {(k, s): rng.choice((0.0, 0.1, 0.25, 0.3, 0.5)) for k in COMMITTEES for s in SERIES}
    keys = {i: COMMITTEES[n // 90] for n, i in enumerate(ids)}
    with session_scope() as session:
        for i in ids:
            series = rng.choice(SERIES)
            if rng.random() < share[(keys[i], series)]:
                facts = FACTS[0]
            else:
                facts = rng.choice(FACTS[1:])
            session.execute(
                update(Application)
                .where(col(Application.id) == i)
                .values(series=series, status=rng.choice(list(Status)).value, facts=facts)
            )
    return cycle


def _tally(
    cycle: str,
    counted: frozenset[Status],
    only: set[int] | None,
    pairs: set[tuple[int, str | None]] | None = None,
) -> list[tuple[int, str]]:
    """The quota counted by hand: every row read, the fact tested in Python."""
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        rows = session.execute(
            columns_of(
                col(Committee.id),
                col(Committee.name),
                col(Committee.level),
                col(Application.series),
                col(Application.status),
                col(Application.facts),
            )
            .join(Application, col(Application.committee_id) == col(Committee.id))
            .where(col(Committee.cycle_id) == cycle)
        ).all()
        seen: dict[tuple[int, str, str | None], list[int]] = defaultdict(lambda: [0, 0, 0])
        for cid, name, level, series, status, facts in rows:
            if level != "senior" or (only is not None and cid not in only):
                continue
            if pairs is not None and (cid, series) not in pairs:
                continue
            village = bool((facts or {}).get("village_unit"))
            tally = seen[(cid, name, series)]
            tally[2] += village
            if status in {s.value for s in counted}:
                tally[0] += 1
                tally[1] += village
        out = []
        for (cid, name, series), (total, village, any_village) in seen.items():
            found = village_quota_shortfall(total, village, ctx.rules) if any_village else None
            if found is not None:
                out.append((cid, f"{name}（{series or '未填系列'}）：{found.message}"))
        return sorted(out)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_grouped_count_agrees_with_a_tally_by_hand(seed: int) -> None:
    cycle = _mixed(seed)
    with session_scope() as session:
        senior = session.execute(
            columns_of(col(Committee.id)).where(
                col(Committee.cycle_id) == cycle, col(Committee.key) == "jyg-ws-gj"
            )
        ).scalar_one()
    expected = {
        (counted, only is None): _tally(cycle, counted, only)
        for counted in (RECOMMENDED, GRANTED)
        for only in (None, {senior})
    }
    assert any(expected.values())  # the set is mixed enough to fall short somewhere
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        for counted in (RECOMMENDED, GRANTED):
            everywhere = village_quota_shortfalls(session, ctx, counted)
            assert sorted(everywhere) == expected[(counted, True)]
            # by committee, then series
            assert [cid for cid, _ in everywhere] == sorted(cid for cid, _ in everywhere)
            one = village_quota_shortfalls(session, ctx, counted, [senior])
            assert sorted(one) == expected[(counted, False)]
            assert {cid for cid, _ in one} <= {senior}


@pytest.mark.parametrize("seed", [3, 4])
def test_a_batchs_pairs_are_counted_as_the_whole(seed: int) -> None:
    """What a recommend or pass batch asks (``groups``: the (committee, series) it moved, the
    empty series among them) gets the warnings a tally by hand gives for those pairs, in
    committee then series order; pairs the IN lists would let through are not reported."""
    cycle = _mixed(seed)
    with session_scope() as session:
        everything = set(
            session.execute(
                columns_of(col(Application.committee_id), col(Application.series))
                .where(col(Application.cycle_id) == cycle)
                .distinct()
            ).all()
        )
    rng = random.Random(seed)
    asked = [
        everything,
        {p for p in everything if p[1] is None},
        {p for p in everything if rng.random() < 0.5},
        {(cid, "药学") for cid, _ in everything},
        set(),
    ]
    expected = {
        (counted, n): _tally(cycle, counted, None, pairs)
        for counted in (RECOMMENDED, GRANTED)
        for n, pairs in enumerate(asked)
    }
    assert any(expected.values())
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        for counted in (RECOMMENDED, GRANTED):
            for n, pairs in enumerate(asked):
                found = village_quota_shortfalls(session, ctx, counted, groups=pairs)
                assert sorted(found) == expected[(counted, n)]
                assert [cid for cid, _ in found] == sorted(cid for cid, _ in found)
            assert village_quota_shortfalls(session, ctx, counted, groups=everything) == (
                village_quota_shortfalls(session, ctx, counted)
            )
