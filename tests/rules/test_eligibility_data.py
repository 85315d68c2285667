"""Rules that were comments, now data with their clause (issue 16): each cycle applies only the
exclusions its file lists; county-level service for senior titles in provincial and city units
(000 二(三)2); the skilled-worker path (003 附件3 三); 破格 ≥ 1 year in the lower post
(003 附件3 五(一)); one committee a year (000 二(三)6). A fact not declared refuses no one."""

from __future__ import annotations

import datetime as dt

import pytest

from calendars.cyclefile import PolicySpec, SkilledWorkerYears, bundled_cycle, load_cycle
from rules.eligibility import Applicant, applicant_from_facts, check, exclusions_on
from rules.idcard import make_id_number

ON = dt.date(2024, 10, 1)
MAN = make_id_number("620102", dt.date(1980, 5, 17), 11)


def policy(name: str) -> PolicySpec:
    return load_cycle(bundled_cycle(name)).policy


def findings(applicant: Applicant, rules: PolicySpec, year: int = 2024) -> dict[str, bool]:
    """Each finding's code and whether it blocks."""
    return {f.code: f.blocking for f in check(applicant, rules, year=year, on=ON).findings}


def test_each_cycle_applies_the_exclusions_its_file_lists() -> None:
    civil = Applicant(MAN, civil_servant=True)
    untransferred = Applicant(MAN, transferred_in=False)
    no_education = Applicant(MAN, continuing_education_done=False)
    # 2024 (004 一 states civil servants; 000 七(三)1 carried): both refused
    assert findings(civil, policy("gansu-2024")) == {"civil_servant": True}
    assert findings(untransferred, policy("gansu-2024")) == {"not_transferred": True}
    # 2019 (001 二(五)3(2)): civil servants only
    assert findings(civil, policy("gansu-2019"), 2019) == {"civil_servant": True}
    assert findings(untransferred, policy("gansu-2019"), 2019) == {}
    # 2020 HR training (000 七(三)): no civil-servant clause, the untransferred refused
    assert findings(civil, policy("gansu-hr-training-2020"), 2020) == {}
    assert findings(untransferred, policy("gansu-hr-training-2020"), 2020) == {
        "not_transferred": True
    }
    # Pingliang 2022 (002 申报条件(四)): continuing education only; Pingliang 2021 lists none
    assert findings(no_education, policy("pingliang-engineering-2022"), 2022) == {
        "continuing_education": True
    }
    assert findings(civil, policy("pingliang-engineering-2022"), 2022) == {}
    assert exclusions_on(policy("pingliang-2021")) == ()
    assert findings(no_education, policy("pingliang-2021"), 2021) == {}


def test_a_carried_exclusion_is_marked_carried() -> None:
    spec = load_cycle(bundled_cycle("jiayuguan-2024"))  # inherits gansu-2024's
    stated = spec.source_of("policy.exclusions.civil_servant")
    carried = spec.source_of("policy.exclusions.not_transferred")
    assert stated is not None and (stated.kind, stated.notice, stated.clause) == (
        "stated",
        "004",
        "一",
    )
    assert carried is not None and (carried.kind, carried.notice, carried.clause) == (
        "carried",
        "000",
        "七(三)1",
    )
    assert carried.why


def test_a_policy_without_the_list_excludes_no_one() -> None:
    silent = policy("gansu-2024").model_copy(update={"exclusions": None})
    assert findings(Applicant(MAN, civil_servant=True, retired=True), silent) == {}


HR_2020 = policy("gansu-hr-training-2020")  # county_service_years_senior: 1 (000 二(三)2)


@pytest.mark.parametrize(
    ("facts", "level", "expected"),
    [
        ({"unit_level": "city", "county_service_years": 0.9}, "副高级", {"county_service": True}),
        ({"unit_level": "city", "county_service_years": 1}, "副高级", {}),  # the boundary
        ({"unit_level": "province", "county_service_years": 0}, "正高级", {"county_service": True}),
        ({"unit_level": "county", "county_service_years": 0}, "副高级", {}),  # a county unit
        (
            {"unit_level": "city", "county_service_years": 0, "county_service_exempt": True},
            "副高级",
            {},
        ),  # 艰苦条件单位 / enterprises
        ({"unit_level": "city", "county_service_years": 0}, "中级", {}),  # not senior
        ({"unit_level": "city"}, "副高级", {"county_service_unknown": False}),  # not declared
        ({}, "副高级", {"county_service_unknown": False}),
        ({}, None, {}),  # level unknown: nothing to say
    ],
)
def test_county_service_for_senior_titles_in_provincial_and_city_units(
    facts: dict[str, object], level: str | None, expected: dict[str, bool]
) -> None:
    applicant = applicant_from_facts(MAN, facts, level_sought=level)
    assert findings(applicant, HR_2020, 2020) == expected
    assert findings(applicant, policy("gansu-2024")) == {}  # 004 states no such rule


PINGLIANG_2021 = policy("pingliang-2021")


@pytest.mark.parametrize(
    ("skill", "years", "level", "expected"),
    [
        ("高级工", 1.9, "初级", {"skilled_worker_years": True}),
        ("高级工", 2, "初级", {}),
        ("技师", 2.9, "中级", {"skilled_worker_years": True}),
        ("技师", 3, "中级", {}),
        ("高级技师", 3.9, "副高级", {"skilled_worker_years": True}),
        ("高级技师", 4, "副高级", {}),
        ("技师", 1, "副高级", {}),  # not the title this skill leads to: another path
        ("高级技师", None, "副高级", {"skilled_worker_years_unknown": False}),
    ],
)
def test_the_skilled_worker_path(
    skill: str, years: float | None, level: str, expected: dict[str, bool]
) -> None:
    facts: dict[str, object] = {"skill_level": skill}
    if years is not None:
        facts["skill_years"] = years
    applicant = applicant_from_facts(MAN, facts, level_sought=level)
    assert findings(applicant, PINGLIANG_2021, 2021) == expected


def test_the_skilled_worker_years_are_the_files() -> None:
    longer = PINGLIANG_2021.model_copy(
        update={
            "skilled_worker_years": SkilledWorkerYears(junior=2, intermediate=3, deputy_senior=5)
        }
    )
    applicant = applicant_from_facts(
        MAN, {"skill_level": "高级技师", "skill_years": 4}, level_sought="副高级"
    )
    assert findings(applicant, longer, 2021) == {"skilled_worker_years": True}
    assert (
        findings(applicant, PINGLIANG_2021.model_copy(update={"skilled_worker_years": None}), 2021)
        == {}
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"exceptional": True, "lower_post_years": 0.5}, {"exceptional_lower_post": True}),
        ({"exceptional": True, "lower_post_years": 1}, {}),
        ({"exceptional": True}, {"exceptional_lower_post_unknown": False}),
        ({"lower_post_years": 0}, {}),  # not 破格
    ],
)
def test_an_exceptional_promotion_needs_a_year_in_the_lower_post(
    facts: dict[str, object], expected: dict[str, bool]
) -> None:
    applicant = applicant_from_facts(MAN, facts, level_sought="副高级")
    assert findings(applicant, PINGLIANG_2021, 2021) == expected
    assert findings(applicant, policy("gansu-2024")) == {}  # 004 states no length


def test_one_committee_a_year_where_the_file_lists_it() -> None:
    twice = Applicant(MAN, other_committees_this_year=1)
    assert findings(twice, HR_2020, 2020) == {"one_committee_per_year": True}  # 000 二(三)6
    assert findings(twice, policy("gansu-2024")) == {"one_committee_per_year": True}  # carried
    assert findings(twice, policy("gansu-2019"), 2019) == {}  # 001 does not say it


def test_the_level_sought_is_not_a_declared_fact() -> None:
    from rules.eligibility import FactsError

    with pytest.raises(FactsError, match="level_sought"):
        applicant_from_facts(MAN, {"level_sought": "副高级"})


def test_every_exclusion_has_a_rule_and_a_name_the_plan_shows() -> None:
    import typing

    from calendars.cyclefile import Exclusion
    from calendars.planner import plan_file
    from calendars.workdays import WorkdayCalendar
    from rules.eligibility import EXCLUSION_LABELS

    assert set(typing.get_args(Exclusion)) == set(EXCLUSION_LABELS)
    plan = plan_file(bundled_cycle("gansu-2024"), WorkdayCalendar.load())
    carried = [
        f.message
        for f in plan.findings
        if f.code == "value_carried" and f.message.startswith("policy.exclusions.")
    ]
    assert [m.split("（")[0] for m in carried] == [
        "policy.exclusions.not_transferred",
        "policy.exclusions.failed_last_year",
        "policy.exclusions.under_review",
        "policy.exclusions.one_committee_per_year",
    ]
    assert "未办理正式调入手续的不予受理" in carried[0] and "000 七(三)1" in carried[0]
