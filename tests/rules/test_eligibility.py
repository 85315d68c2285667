"""Eligibility rules, table-driven, against the cycle files' policy."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest

from calendars.cyclefile import bundled_cycle, load_cycle
from rules.eligibility import (
    REMOTE_VILLAGE_NOTE,
    Applicant,
    ExpertRecommendation,
    Paper,
    check,
    integrity_bar_until,
    remote_village_exempt,
    village_quota_shortfall,
)
from rules.idcard import make_id_number

GANSU = load_cycle(bundled_cycle("gansu-2024")).policy
ON = dt.date(2024, 10, 1)
MAN_1980 = make_id_number("620102", dt.date(1980, 5, 17), 11)
WOMAN_1975 = make_id_number("620102", dt.date(1975, 1, 17), 12)


def codes(applicant: Applicant, policy=GANSU, year: int = 2024) -> set[str]:
    return {f.code for f in check(applicant, policy, year=year, on=ON).findings}


@pytest.mark.parametrize(
    ("applicant", "code"),
    [
        (Applicant("620102198005170000"), "id_invalid"),
        (Applicant(make_id_number("620102", dt.date(1964, 12, 1), 11)), "retirement_age"),
        (Applicant(WOMAN_1975), "retirement_input_missing"),
        (Applicant(MAN_1980, civil_servant=True), "civil_servant"),
        (Applicant(MAN_1980, retired=True), "retired"),
        (Applicant(MAN_1980, transferred_in=False), "not_transferred"),
        (Applicant(MAN_1980, summoned_or_under_review=True), "under_review"),
        (Applicant(MAN_1980, disciplinary_until=dt.date(2025, 3, 1)), "disciplinary_period"),
        (Applicant(MAN_1980, failed_last_year=True), "failed_last_year"),
        (Applicant(MAN_1980, other_committees_this_year=1), "one_committee_per_year"),
        (Applicant(MAN_1980, continuing_education_done=False), "continuing_education"),
        (
            Applicant(MAN_1980, barred_until=dt.date(2026, 5, 1), bar_reason="2023年提供虚假材料"),
            "integrity_bar",
        ),
    ],
)
def test_each_exclusion_refuses_with_its_reason(applicant: Applicant, code: str) -> None:
    verdict = check(applicant, GANSU, year=2024, on=ON)
    assert not verdict.eligible
    assert code in {f.code for f in verdict.findings}
    assert all(r for r in verdict.reasons)


@pytest.mark.parametrize(
    "applicant",
    [
        Applicant(MAN_1980),
        Applicant(WOMAN_1975, female_original_age=55),  # 55 → retires 2030
        Applicant(MAN_1980, failed_last_year=True, new_achievement_since_last_year=True),
        Applicant(MAN_1980, disciplinary_until=dt.date(2024, 6, 30)),
        Applicant(MAN_1980, series_transfer_on=dt.date(2023, 12, 1)),
    ],
)
def test_eligible(applicant: Applicant) -> None:
    assert check(applicant, GANSU, year=2024, on=ON).eligible


def test_a_woman_with_original_age_50_born_1975_retires_in_2025() -> None:
    applicant = Applicant(WOMAN_1975, female_original_age=50)
    assert codes(applicant, year=2025) == {"retirement_age"}
    assert check(applicant, GANSU, year=2024, on=ON).eligible


@pytest.mark.parametrize(
    ("cycle", "level", "rate", "counted"),
    [
        ("gansu-2024", "core", 0.10, True),
        ("gansu-2024", "core", 0.11, False),
        ("gansu-2024", "provincial", 0.20, True),
        ("gansu-2024", "provincial", 0.21, False),
    ],
)
def test_paper_duplicate_rates_by_journal_level(
    cycle: str, level: Literal["core", "provincial"], rate: float, counted: bool
) -> None:
    policy = load_cycle(bundled_cycle(cycle)).policy
    applicant = Applicant(MAN_1980, papers=(Paper("论文甲", level, rate, dt.date(2023, 5, 1)),))
    verdict = check(applicant, policy, year=2024, on=ON)
    assert verdict.eligible  # a paper that does not count is not a refusal
    assert ("paper_duplicate_rate" not in {f.code for f in verdict.findings}) is counted


def test_pingliangs_higher_thresholds_and_expert_rule() -> None:
    policy = GANSU.model_copy(
        update={
            "plagiarism": GANSU.plagiarism.model_copy(
                update={"core": 0.15, "provincial": 0.25, "applies_from_year": 2021}
            ),
            "expert_recommendation_min_approval": 2 / 3,
        }
    )
    paper = Paper("论文乙", "core", 0.14, dt.date(2022, 1, 1))
    assert "paper_duplicate_rate" not in codes(Applicant(MAN_1980, papers=(paper,)), policy)
    assert "paper_duplicate_rate" in codes(Applicant(MAN_1980, papers=(paper,)))
    assert "expert_recommendation" in codes(
        Applicant(MAN_1980, expert_recommendation=ExpertRecommendation(3, 5)), policy
    )
    assert "expert_recommendation" not in codes(
        Applicant(MAN_1980, expert_recommendation=ExpertRecommendation(2, 3)), policy
    )
    assert "expert_recommendation" not in codes(
        Applicant(MAN_1980, expert_recommendation=ExpertRecommendation(1, 3))
    )


def test_achievements_after_the_cutoff_do_not_count() -> None:
    policy = GANSU.model_copy(update={"achievement_cutoff": dt.date(2024, 9, 30)})
    applicant = Applicant(
        MAN_1980, achievements=(("专利A", dt.date(2024, 9, 30)), ("专利B", dt.date(2024, 10, 1)))
    )
    findings = check(applicant, policy, year=2024, on=ON).findings
    assert [f.message for f in findings if f.code == "achievement_after_cutoff"] == [
        "业绩“专利B”取得于 2024-10-01，晚于截止日 2024-09-30，本次不计入"
    ]


def test_integrity_bar_for_the_policys_years() -> None:
    three = GANSU.model_copy(update={"integrity_bar_years": 3})
    assert integrity_bar_until(dt.date(2024, 11, 5), three) == dt.date(2027, 11, 5)
    assert integrity_bar_until(dt.date(2024, 11, 5), GANSU) is None  # 2024's notices are silent


def test_village_quota_and_remote_village_exemption() -> None:
    assert village_quota_shortfall(100, 30, GANSU) is None
    assert village_quota_shortfall(100, 29, GANSU).code == "village_quota"
    assert remote_village_exempt("senior", 30, GANSU) and not remote_village_exempt(
        "senior", 29, GANSU
    )
    assert remote_village_exempt("intermediate", 20, GANSU)
    assert REMOTE_VILLAGE_NOTE == "乡村不受指标限制"


def test_a_series_transfer_needs_the_policys_years_where_the_notice_sets_them() -> None:
    pingliang = load_cycle(bundled_cycle("pingliang-engineering-2022")).policy  # 002 (五): 1 year
    recent = Applicant(MAN_1980, series_transfer_on=dt.date(2022, 3, 1))
    verdict = check(recent, pingliang, year=2022, on=dt.date(2022, 9, 1))
    assert "series_transfer_too_recent" in {f.code for f in verdict.findings}
    settled = Applicant(MAN_1980, series_transfer_on=dt.date(2021, 12, 1))
    assert check(settled, pingliang, year=2022, on=dt.date(2022, 9, 1)).eligible
    # 2024's notices set no such rule: nothing is assumed.
    assert check(
        Applicant(MAN_1980, series_transfer_on=dt.date(2024, 3, 1)), GANSU, year=2024, on=ON
    ).eligible
