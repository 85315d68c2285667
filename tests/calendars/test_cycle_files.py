"""Every bundled cycle file loads, and says what its notice says."""

from __future__ import annotations

import datetime as dt

import pytest

from calendars.cyclefile import bundled_cycle, bundled_cycles_dir, load_cycle
from calendars.planner import plan_file
from calendars.workdays import default_calendar

FILES = sorted(p.stem for p in bundled_cycles_dir().glob("*.yaml"))


def test_one_file_per_notice() -> None:
    notices = {load_cycle(bundled_cycle(name)).source.notice for name in FILES}
    assert notices == {
        "000_b49be184dd00b1c2.txt",
        "001_b2515caf6b2495f0.txt",
        "002_47b648eb260cd9e8.txt",
        "003_911f38d1ddeab309.txt",
        "004_f1e34629d5eb635f.txt",
    }


@pytest.mark.parametrize("name", FILES)
def test_every_bundled_file_plans(name: str) -> None:
    plan = plan_file(bundled_cycle(name), default_calendar())
    assert plan.phases
    assert all(f.code != "calendar_year_missing" for f in plan.findings)


@pytest.mark.parametrize(
    ("name", "phase", "last_day", "reference"),
    [
        ("gansu-2019", "declaration", "2019-09-30", "001 附件2 一(一)"),
        ("gansu-2019", "committee_review", "2019-12-31", "001 附件2 一(二)"),
        ("gansu-2019", "grassroots_review", "2019-09-30", "001 三(一)"),
        ("gansu-hr-training-2020", "declaration", "2020-09-30", "000 二(二)"),
        ("pingliang-2021", "committee_review", "2021-12-31", "003 附件1 注1"),
        ("pingliang-engineering-2022", "declaration", "2022-09-30", "002 一"),
        ("pingliang-engineering-2022", "unit_review", "2022-09-30", "002 一"),
        ("pingliang-engineering-2022", "city_review", "2022-10-31", "002 一"),
        ("pingliang-engineering-2022", "defence", "2022-12-20", "002 一"),
        ("gansu-2024", "declaration", "2024-10-20", "004 二(三)"),
        ("jiayuguan-2024", "defence", "2024-12-10", "004 三(六)"),
    ],
)
def test_last_days_as_written(name: str, phase: str, last_day: str, reference: str) -> None:
    plan = plan_file(bundled_cycle(name), default_calendar())
    assert plan.phase(phase).last_day == dt.date.fromisoformat(last_day), reference


@pytest.mark.parametrize(
    ("name", "key", "value", "reference"),
    [
        ("gansu-2019", "plagiarism.core", 0.10, "001 二(五)2(2)"),
        ("gansu-2019", "plagiarism.applies_from_year", 2020, "001 二(五)2(2)"),
        ("gansu-2019", "village_senior_quota", 0.30, "001 三(二)"),
        ("gansu-hr-training-2020", "achievement_cutoff", dt.date(2020, 9, 30), "000 七(一)1"),
        ("gansu-hr-training-2020", "tenure_cutoff", dt.date(2020, 12, 31), "000 七(一)2"),
        ("pingliang-2021", "plagiarism.provincial", 0.25, "003 附件3 五(三)"),
        ("pingliang-2021", "objection_investigation_months", 1, "003 附件3 五(六)"),
        ("pingliang-engineering-2022", "return_limit", 3, "002 五(六)"),
        ("pingliang-engineering-2022", "unit_publicity_min_workdays", 5, "002 五(三)"),
        ("pingliang-engineering-2022", "integrity_bar_years", 3, "002 附件3"),
        (
            "pingliang-engineering-2022",
            "expert_recommendation_min_approval",
            0.6667,
            "002 附件1 三",
        ),
        ("jiayuguan-2024", "return_limit", 3, "004 三(四), inherited from gansu-2024"),
        ("jiayuguan-2024", "result_publicity_min_days", 5, "004 三(七)"),
        ("jiayuguan-2024", "committees_finish_by", dt.date(2024, 12, 20), "004 附件1 备注1"),
    ],
)
def test_policy_numbers(name: str, key: str, value: object, reference: str) -> None:
    node: object = load_cycle(bundled_cycle(name)).policy
    for part in key.split("."):
        node = getattr(node, part)
    assert node == value, reference


def test_pingliangs_push_months() -> None:
    months = {m.month: m.series for m in load_cycle(bundled_cycle("pingliang-2021")).push_months}
    assert sorted(months) == [10, 11, 12]
    assert (
        "会计系列" in months[10]
        and "工程系列" in months[11]
        and "卫生系列(含基层有效)" in months[12]
    )


def test_jiayuguan_inherits_the_provinces_committees() -> None:
    spec = load_cycle(bundled_cycle("jiayuguan-2024"))
    provincial = [c for c in spec.committees.values() if c.serial]
    assert sorted(c.serial for c in provincial) == list(range(1, 66))
    assert {c.window for c in provincial} == {
        "11月上旬",
        "11月中旬",
        "11月下旬",
        "12月上旬",
        "12月中旬",
    }
    assert len(spec.committees) == 69 and spec.chain == ["jiayuguan-2024.yaml", "gansu-2024.yaml"]


def test_a_notice_silent_on_dates_is_flagged_not_guessed() -> None:
    plan = plan_file(bundled_cycle("gansu-hr-training-2020"), default_calendar())
    assert {f.phase for f in plan.findings if f.code == "date_not_stated"} == {
        "unit_review",
        "committee_review",
    }


def test_pingliang_2022_publicity_cannot_fit_after_the_last_submission() -> None:
    plan = plan_file(bundled_cycle("pingliang-engineering-2022"), default_calendar())
    found = [f for f in plan.findings if f.code == "publicity_too_short"]
    assert [(f.level, f.phase) for f in found] == [("warning", "unit_publicity")]
