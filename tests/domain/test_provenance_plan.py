"""What provenance does to a plan: carried values and defaults are `info` findings naming their
source, the timetable marks them, and a provenance entry that names nothing or lacks its
source is refused when the file is read. No planned date moves."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from calendars.cyclefile import CycleFileError, bundled_cycle, load_cycle
from calendars.plan import Plan
from calendars.planner import plan_file
from calendars.workdays import WorkdayCalendar
from zhicheng.plan_view import plan_table


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.load()


def rendered(plan: Plan) -> str:
    console = Console(width=200, record=True)
    console.print(plan_table(plan))
    return console.export_text()


def child(tmp_path: Path, body: str) -> Path:
    """A city cycle nested in gansu-2024 that adds ``body`` (YAML) to it."""
    path = tmp_path / "city-2024.yaml"
    path.write_text("id: city-2024\nparent: gansu-2024\n" + body, encoding="utf-8")
    return path


def test_province_2024_lists_what_it_borrows_from_pingliang(calendar: WorkdayCalendar) -> None:
    plan = plan_file(bundled_cycle("gansu-2024"), calendar)
    carried = [f for f in plan.findings if f.code == "value_carried"]
    assert all(f.level == "info" for f in carried)
    spec = plan.spec
    assert len(carried) == sum(1 for s in spec.provenance.values() if s.kind == "carried")
    publicity = [f for f in carried if "policy.unit_publicity_min_workdays" in f.message]
    assert len(publicity) == 1
    assert "002 五(三)" in publicity[0].message and "平凉" in publicity[0].message
    months = [f for f in carried if "policy.objection_investigation_months" in f.message]
    assert "003 附件3 五(六)" in months[0].message
    length = [f for f in carried if f.phase == "unit_publicity"]
    assert len(length) == 1 and "phases.unit_publicity.min_workdays（5）" in length[0].message


def test_stated_values_raise_nothing(calendar: WorkdayCalendar) -> None:
    plan = plan_file(bundled_cycle("gansu-2024"), calendar)
    assert not any("return_limit" in f.message for f in plan.findings)
    assert not any(f.code == "value_default" for f in plan.findings)


def test_a_city_inherits_the_provinces_sources(calendar: WorkdayCalendar) -> None:
    plan = plan_file(bundled_cycle("jiayuguan-2024"), calendar)
    codes = {(f.code, f.phase) for f in plan.findings if f.level == "info"}
    assert ("value_carried", "unit_publicity") in codes


def test_the_timetable_marks_carried_lengths_only(calendar: WorkdayCalendar) -> None:
    text = rendered(plan_file(bundled_cycle("gansu-2024"), calendar))
    assert "≥5 个工作日（沿用 002 五(三)）" in text
    assert "40 天" in text and "40 天（" not in text
    assert "≥5 天（" not in text  # result publicity: stated by 004 三(七)


def test_a_default_of_ours_is_listed_and_marked(tmp_path: Path, calendar: WorkdayCalendar) -> None:
    path = child(
        tmp_path,
        "provenance:\n  phases.publicity.min_days:\n    kind: default\n"
        "    why: 试运行期间按省级口径\n",
    )
    plan = plan_file(path, calendar)
    defaults = [f for f in plan.findings if f.code == "value_default"]
    assert [(f.level, f.phase) for f in defaults] == [("info", "publicity")]
    assert "试运行期间按省级口径" in defaults[0].message
    assert "≥5 天（本系统默认）" in rendered(plan)


def test_provenance_moves_no_date(tmp_path: Path, calendar: WorkdayCalendar) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    text = bundled_cycle("gansu-2024").read_text(encoding="utf-8")
    (bare / "gansu-2024.yaml").write_text(text[: text.index("\nprovenance:")], encoding="utf-8")
    without = plan_file(bare / "gansu-2024.yaml", calendar)
    with_ = plan_file(bundled_cycle("gansu-2024"), calendar)
    assert without.spec.provenance == {}
    assert [p.as_dict(calendar) for p in without.phases] == [
        p.as_dict(calendar) for p in with_.phases
    ]
    assert [f.as_dict() for f in without.filing] == [f.as_dict() for f in with_.filing]


@pytest.mark.parametrize(
    ("entry", "field", "problem"),
    [
        (
            "policy.no_such_key:\n    kind: default\n    why: x",
            "provenance.policy.no_such_key",
            "不是可记录出处的值",
        ),
        (
            "phases.declaration.title:\n    kind: default\n    why: x",
            "provenance.phases.declaration.title",
            "不是可记录出处的值",
        ),
        (
            "filing_items.nothing:\n    kind: default\n    why: x",
            "provenance.filing_items.nothing",
            "不是可记录出处的值",
        ),
        (
            'policy.return_limit:\n    kind: stated\n    notice: "004"\n    clause: 三(四)',
            "provenance.policy.return_limit",
            "须写 notice、clause 和 quote",
        ),
        (
            'policy.return_limit:\n    kind: carried\n    notice: "002"\n    clause: 五(六)\n'
            '    quote: "退回次数不得超过3次"',
            "provenance.policy.return_limit",
            "须写 why",
        ),
        (
            'policy.return_limit:\n    kind: default\n    notice: "002"\n    why: x',
            "provenance.policy.return_limit",
            "不写 notice",
        ),
        (
            "policy.return_limit:\n    kind: guessed\n    why: x",
            "provenance.policy.return_limit.kind",
            "取值应为",
        ),
        (
            "policy.return_limit:\n    kind: default\n    why: x\n    page: 3",
            "provenance.policy.return_limit.page",
            "不认识的键",
        ),
        (
            'policy.return_limit:\n    kind: carried\n    notice: "4"\n    clause: 三\n'
            "    quote: q\n    why: x",
            "provenance.policy.return_limit.notice",
            "应为通知编号",
        ),
    ],
)
def test_a_provenance_entry_that_names_nothing_or_lacks_its_source_is_refused(
    tmp_path: Path, entry: str, field: str, problem: str
) -> None:
    path = child(tmp_path, "provenance:\n  " + entry + "\n")
    with pytest.raises(CycleFileError) as caught:
        load_cycle(path)
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_the_json_plan_carries_the_sources(calendar: WorkdayCalendar) -> None:
    sources = plan_file(bundled_cycle("jiayuguan-2024"), calendar).as_dict()["provenance"]
    assert isinstance(sources, dict)
    assert sources["policy.return_limit"] == {
        "kind": "stated",
        "notice": "004",
        "clause": "三(四)",
        "quote": "退回次数不超过3次",
    }
    assert sources["policy.objection_investigation_months"]["notice"] == "003"
