"""A value's source names a clause: the clause must exist in the notice and hold the quote
(issue 16); a city's rule carried into another region's file needs words saying it applies
there, or the plan warns; under CI=true a missing notice fails the test instead of skipping."""

from __future__ import annotations

from pathlib import Path

import pytest

from calendars.cyclefile import bundled_cycle, load_cycle
from calendars.planner import plan_cycle, plan_file
from calendars.workdays import WorkdayCalendar
from tests.domain import notices
from tests.domain.notices import clause_text
from tests.domain.test_provenance import untraced


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.load()


def tampered(tmp_path: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    text = bundled_cycle(name).read_text(encoding="utf-8")
    assert text.count(old) == count, old
    (tmp_path / f"{name}.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return tmp_path / f"{name}.yaml"


@pytest.mark.parametrize(
    ("number", "clause", "holds"),
    [
        ("004", "三(四)", "退回次数不超过3次"),
        ("004", "附件1 备注1", "12月20日前完成评审工作"),
        ("001", "附件3 序号2", "副高级职称关键信息审核"),
        ("001", "二(五)2(2)", "论文重复率核心期刊超过10%"),
        ("003", "附件1 注1", "12月31日前完成评审工作"),
        ("002", "申报条件(三)", "均计算到2022年12月31日为止"),
        ("000", "二(三)6", "同1个年度只能选择1个评委会"),
    ],
)
def test_a_clause_is_found_by_its_label(number: str, clause: str, holds: str) -> None:
    text = clause_text(number, clause)
    assert text is not None and holds in text


def test_a_clause_holds_only_its_own_text() -> None:
    after = clause_text("004", "三(五)")
    assert after is not None and "退回次数" not in after  # 三(四)'s words stop at 三(五)
    assert clause_text("004", "九") is None
    assert clause_text("001", "附件3 序号8") is None


def test_a_value_citing_a_clause_that_does_not_hold_its_quote_is_caught(tmp_path: Path) -> None:
    path = tampered(
        tmp_path,
        "gansu-2024",
        'clause: 三(四)\n    quote: "退回次数不超过3次"',
        'clause: 三(五)\n    quote: "退回次数不超过3次"',
    )
    assert untraced(load_cycle(path)) == [
        "policy.return_limit: 引文不在所引条款 004 三(五) 中：退回次数不超过3次"
    ]


def test_a_value_citing_a_clause_the_notice_lacks_is_caught(tmp_path: Path) -> None:
    path = tampered(
        tmp_path,
        "gansu-2024",
        'clause: 三(四)\n    quote: "退回次数不超过3次"',
        'clause: 三(十)\n    quote: "退回次数不超过3次"',
    )
    assert untraced(load_cycle(path)) == ["policy.return_limit: 通知 004 没有条款 三(十)"]


def test_words_of_application_the_notice_lacks_are_caught(tmp_path: Path) -> None:
    path = tampered(
        tmp_path,
        "gansu-2024",
        'applies: "事中监管要求各市州的关键信息审核"',
        'applies: "事中监管要求全省的关键信息审核"',
    )
    assert untraced(load_cycle(path)) == [
        "filing_items.key_information_audit: 适用范围的依据不在通知 003 中：事中监管要求全省的关键信息审核"
    ]


def test_the_province_passing_pingliangs_rules_to_every_city_is_flagged(
    calendar: WorkdayCalendar,
) -> None:
    borrowed = [
        "phases.unit_publicity.min_workdays",
        "policy.objection_investigation_months",
        "policy.unit_publicity_min_workdays",
    ]
    for name in ("gansu-2024", "jiayuguan-2024"):
        plan = plan_file(bundled_cycle(name), calendar)
        found = [f for f in plan.findings if f.code == "city_rule_carried"]
        assert sorted(f.message.split("（")[0] for f in found) == borrowed, name
        assert {f.level for f in found} == {"warning"}
        assert all("平凉市的规则" in f.message for f in found)
    # A provincial document the city's notice cites (甘办发〔2019〕55号), or words addressed to
    # every city (各市州): carried without a warning.
    for name in ("gansu-hr-training-2020", "gansu-2019", "pingliang-2021"):
        plan = plan_file(bundled_cycle(name), calendar)
        assert [f for f in plan.findings if f.code == "city_rule_carried"] == [], name


def test_a_city_rule_without_words_of_application_is_flagged(
    tmp_path: Path, calendar: WorkdayCalendar
) -> None:
    path = tampered(
        tmp_path,
        "gansu-hr-training-2020",
        '    applies: "省委办公厅《关于鼓励引导人才向艰苦边远地区和基层一线流动的实施意见》(甘办发〔2019〕55号)"\n',
        "",
        count=2,
    )
    plan = plan_cycle(load_cycle(path), calendar)
    found = [f for f in plan.findings if f.code == "city_rule_carried"]
    assert [f.message.split("（")[0] for f in found] == [
        "policy.remote_village_years_intermediate",
        "policy.remote_village_years_senior",
    ]


def test_a_citys_own_rules_raise_nothing(calendar: WorkdayCalendar) -> None:
    plan = plan_file(bundled_cycle("pingliang-engineering-2022"), calendar)
    assert [f for f in plan.findings if f.code == "city_rule_carried"] == []


def test_missing_notices_fail_under_ci_and_skip_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notices, "candidates", lambda: [tmp_path / "nowhere"])
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="ZHICHENG_NOTICES"):
        notices.notice_text("004")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception):
        notices.notice_text("004")


def test_a_notice_missing_from_the_directory_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZHICHENG_NOTICES", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.fail.Exception, match="004"):
        notices.notice_text("004")
