"""The groups of states every figure is counted from, written out here by hand from the
procedure (not read back from ``models.states``): a state moved between groups shows up."""

from __future__ import annotations

import pytest

from models.states import (
    FINAL,
    MISSED,
    PASSED,
    PENDING,
    RECOMMENDED,
    THROUGH,
    progress_percent,
    through_count,
)

EVERY = {
    "draft",
    "submitted",
    "unit_review",
    "returned",
    "recommended",
    "unit_publicity",
    "department_review",
    "committee_review",
    "result_publicity",
    "objection",
    "issued",
    "failed",
    "not_recommended",
    "expired",
    "refused",
    "withdrawn",
    "revoked",
}
# Nothing happens to these any more.
ENDED = {"issued", "failed", "not_recommended", "expired", "refused", "withdrawn", "revoked"}


def names(group: frozenset) -> set[str]:
    return {s.value for s in group}


def test_final_states() -> None:
    assert names(FINAL) == ENDED


@pytest.mark.parametrize(
    ("phase", "members"),
    [
        ("prep", EVERY),
        ("declaration", EVERY - {"draft"}),
        (
            "unit_review",
            ENDED | {"result_publicity", "objection", "department_review", "committee_review"},
        ),
        ("committee_review", ENDED | {"result_publicity", "objection"}),
        ("filing", ENDED),
    ],
)
def test_through_each_phase(phase: str, members: set[str]) -> None:
    assert names(THROUGH[phase]) == members


def test_pending_on_each_deadline() -> None:
    assert {phase: names(group) for phase, group in PENDING.items()} == {
        "declaration": {"draft"},
        "unit_review": {"submitted", "unit_review", "returned", "recommended"},
        "committee_review": {"department_review", "committee_review", "objection"},
    }


def test_left_behind_by_a_missed_deadline() -> None:
    assert {phase: names(group) for phase, group in MISSED.items()} == {
        "declaration": {"expired"},
        "unit_review": {"not_recommended"},
    }


def test_recommended_by_the_unit() -> None:
    assert names(RECOMMENDED) == {
        "recommended",
        "unit_publicity",
        "department_review",
        "committee_review",
        "result_publicity",
        "objection",
        "issued",
        "failed",
        "revoked",
    }


def test_passed_by_the_committee() -> None:
    assert names(PASSED) == {"result_publicity", "issued", "revoked"}


def test_progress_counts_what_got_through_and_nothing_to_do_is_done() -> None:
    counts = {"draft": 3, "submitted": 2, "issued": 1, "withdrawn": 1}
    assert through_count(counts, "declaration") == 4
    assert through_count(counts, "filing") == 2
    assert through_count(counts, "no_such_phase") == 0
    assert progress_percent(4, 7) == 57.1
    assert progress_percent(0, 0) == 100.0
