"""The planner on the bundled 2024 cycle and on crafted files, one per finding."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from calendars.cyclefile import CycleFileError, bundled_cycle, load_cycle
from calendars.planner import plan_cycle, plan_file
from calendars.workdays import WorkdayCalendar


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.load()


@pytest.fixture(scope="module")
def jiayuguan(calendar: WorkdayCalendar) -> dict:
    return plan_file(bundled_cycle("jiayuguan-2024"), calendar).as_dict(calendar)


def phase(plan: dict, key: str) -> dict:
    return next(p for p in plan["phases"] if p["key"] == key)


def codes(plan: dict) -> set[tuple[str, str | None]]:
    return {(f["code"], f["phase"]) for f in plan["findings"]}


def test_declaration_boundaries_are_the_notices(jiayuguan: dict) -> None:
    declaration = phase(jiayuguan, "declaration")
    assert declaration["start"] == "2024-09-11T00:00:00+08:00"
    assert declaration["end"] == "2024-10-21T00:00:00+08:00"
    assert declaration["last_day"] == "2024-10-20"
    assert declaration["days"] == 40
    assert declaration["declared_days"] == 40
    assert declaration["parent"] is None


@pytest.mark.parametrize(
    ("key", "start", "end", "days"),
    [
        ("prep", "2024-09-01T00:00:00+08:00", "2024-09-11T00:00:00+08:00", 10),
        ("unit_review", "2024-10-21T00:00:00+08:00", "2024-11-01T00:00:00+08:00", 11),
        ("committee_review", "2024-11-01T00:00:00+08:00", "2024-12-26T00:00:00+08:00", 55),
        ("re_review", "2024-11-01T00:00:00+08:00", "2024-11-11T00:00:00+08:00", 10),
        ("defence", "2024-11-11T00:00:00+08:00", "2024-12-11T00:00:00+08:00", 30),
        ("filing", "2024-12-26T00:00:00+08:00", "2025-01-01T00:00:00+08:00", 6),
    ],
)
def test_every_boundary(jiayuguan: dict, key: str, start: str, end: str, days: int) -> None:
    p = phase(jiayuguan, key)
    assert (p["start"], p["end"], p["days"]) == (start, end, days)


def test_unit_review_stated_ten_days_spans_eleven(jiayuguan: dict) -> None:
    finding = next(f for f in jiayuguan["findings"] if f["code"] == "length_mismatch")
    assert finding["phase"] == "unit_review"
    assert finding["level"] == "warning"
    assert "10" in finding["message"] and "11" in finding["message"]
    assert [f["phase"] for f in jiayuguan["findings"] if f["code"] == "length_mismatch"] == [
        "unit_review"
    ]


def test_sub_steps_carry_their_parent(jiayuguan: dict) -> None:
    parents = {p["key"]: p["parent"] for p in jiayuguan["phases"]}
    assert parents["re_review"] == parents["defence"] == "committee_review"
    assert parents["publicity"] == parents["issuance"] == "committee_review"
    assert parents["unit_publicity"] == "unit_review"


def test_a_sunday_deadline_is_worth_knowing(jiayuguan: dict) -> None:
    weekend = {f["phase"]: f for f in jiayuguan["findings"] if f["code"] == "deadline_on_weekend"}
    assert weekend["declaration"]["level"] == "info"  # 2024-10-20 is a Sunday
    assert "2024-10-20" in weekend["declaration"]["message"]


def test_december_committees_cannot_issue_by_the_deadline(calendar: WorkdayCalendar) -> None:
    plan = plan_file(bundled_cycle("gansu-2024"), calendar)
    late = {f.phase for f in plan.findings if f.code == "committee_cannot_issue_in_time"}
    mid_december = {c.key for c in plan.committees if c.window == "12月中旬"}
    assert late == mid_december and len(late) == 9


def test_the_province_has_65_committees_with_windows(calendar: WorkdayCalendar) -> None:
    plan = plan_file(bundled_cycle("gansu-2024"), calendar)
    assert len(plan.committees) == 65
    first = next(c for c in plan.committees if c.key == "gs-01")
    assert (first.window_start.isoformat(), first.window_last_day.isoformat()) == (
        "2024-11-01",
        "2024-11-10",
    )
    late_nov = next(c for c in plan.committees if c.window == "11月下旬")
    assert late_nov.window_last_day.isoformat() == "2024-11-30"


# ------------------------------------------------------------ crafted files, one per finding


def write_cycle(tmp_path: Path, name: str, changes: dict, base: str = "gansu-2024") -> Path:
    """A copy of a bundled file with some phases or policy changed."""
    data = yaml.safe_load(bundled_cycle(base).read_text(encoding="utf-8"))
    data["id"] = name
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split(".")
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("changes", "code", "level", "where"),
    [
        ({"phases.declaration.last_day": "2024-10-25"}, "phase_overlap", "warning", "unit_review"),
        ({"phases.unit_review.start": "2024-10-23"}, "phase_gap", "warning", "unit_review"),
        ({"phases.declaration.last_day": "2024-09-05"}, "phase_inverted", "error", "declaration"),
        ({"phases.declaration.last_day": None}, "date_not_stated", "error", "declaration"),
        ({"phases.issuance.last_day": "2024-12-28"}, "substep_outside_phase", "error", "issuance"),
        (
            {"phases.declaration.last_day": "2024-10-01", "phases.unit_review.start": "2024-10-02"},
            "deadline_on_holiday",
            "warning",
            "declaration",
        ),
        (
            {"phases.unit_publicity.min_workdays": 12},
            "publicity_too_short",
            "error",
            "unit_publicity",
        ),
        ({"committees.gs-01.meeting": "2024-11-20"}, "meeting_outside_window", "error", "gs-01"),
        ({"committees.gs-01.window": "10月下旬"}, "committee_outside_phase", "error", "gs-01"),
        (
            {"committees.gs-01.scope": "city", "committees.gs-01.region": "620200"},
            "committee_after_finish_by",
            "warning",
            "gs-01",
        ),
        ({"phases.prep.declared_days": 12}, "length_mismatch", "warning", "prep"),
    ],
)
def test_each_finding(
    tmp_path: Path, calendar: WorkdayCalendar, changes: dict, code: str, level: str, where: str
) -> None:
    if code == "committee_after_finish_by":
        changes = {
            **changes,
            "committees.gs-01.window": "12月下旬",
            "phases.committee_review.last_day": "2024-12-31",
            "phases.issuance.last_day": "2024-12-31",
        }
    plan = plan_file(write_cycle(tmp_path, "crafted-2024", changes), calendar)
    found = [f for f in plan.findings if f.code == code and f.phase == where]
    assert found, [f.as_dict() for f in plan.findings]
    assert found[0].level == level


def test_publicity_after_the_last_submission_is_too_short(
    tmp_path: Path, calendar: WorkdayCalendar
) -> None:
    """Units recommending with publicity by the day declaration closes (Pingliang 2022's shape)."""
    path = write_cycle(
        tmp_path,
        "squeezed-2024",
        {
            "phases.unit_review.start": "declaration.start",
            "phases.unit_review.last_day": "2024-10-20",
            "phases.unit_review.overlaps": ["declaration"],
            "phases.unit_review.declared_days": None,
            "phases.committee_review.start": "2024-10-21",
            "phases.committee_review.declared_days": None,
        },
    )
    plan = plan_file(path, calendar)
    found = [
        f for f in plan.findings if f.code == "publicity_too_short" and f.phase == "unit_publicity"
    ]
    assert found and found[0].level == "warning"
    assert not [f for f in plan.findings if f.code == "phase_overlap"]


def test_a_city_deadline_outside_the_province(tmp_path: Path, calendar: WorkdayCalendar) -> None:
    data = yaml.safe_load(bundled_cycle("jiayuguan-2024").read_text(encoding="utf-8"))
    data["id"] = "late-city-2024"
    data["phases"]["declaration"]["last_day"] = "2024-10-22"
    data["phases"]["unit_review"]["start"] = "2024-10-23"
    (tmp_path / "late-city-2024.yaml").write_text(
        yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    plan = plan_file(tmp_path / "late-city-2024.yaml", calendar)
    outside = [f for f in plan.findings if f.code == "outside_parent_window"]
    assert {f.phase for f in outside} == {"declaration"}  # unit review 10/23–10/31 stays inside
    assert all(f.level == "error" for f in outside)


def test_a_year_without_calendar_data_is_an_error_not_a_guess(
    tmp_path: Path, calendar: WorkdayCalendar
) -> None:
    data = yaml.safe_load(bundled_cycle("gansu-2024").read_text(encoding="utf-8"))
    text = yaml.safe_dump(data, allow_unicode=True).replace("2024-", "2031-")
    raw = yaml.safe_load(text)
    raw["id"], raw["year"] = "gansu-2031", 2031
    (tmp_path / "gansu-2031.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8"
    )
    plan = plan_file(tmp_path / "gansu-2031.yaml", calendar)
    missing = [f for f in plan.findings if f.code == "calendar_year_missing"]
    assert len(missing) == 1 and missing[0].level == "error" and "2031" in missing[0].message


def test_findings_come_errors_first(tmp_path: Path, calendar: WorkdayCalendar) -> None:
    plan = plan_file(
        write_cycle(tmp_path, "mixed-2024", {"phases.declaration.last_day": "2024-09-05"}), calendar
    )
    levels = [f.level for f in plan.findings]
    assert levels == sorted(levels, key=["error", "warning", "info"].index)


def test_a_reference_ties_a_sub_step_to_its_phase(calendar: WorkdayCalendar) -> None:
    spec = load_cycle(bundled_cycle("jiayuguan-2024"))
    moved = spec.model_copy(
        update={
            "phases": {
                **spec.phases,
                "defence": spec.phases["defence"].model_copy(
                    update={"start": __import__("datetime").date(2024, 11, 12)}
                ),
            }
        }
    )
    plan = plan_cycle(moved, calendar)
    assert plan.phase("publicity").start == plan.phase("defence").start


def test_stored_specs_round_trip_through_json(calendar: WorkdayCalendar) -> None:
    from calendars.cyclefile import CycleSpec

    spec = load_cycle(bundled_cycle("jiayuguan-2024"))
    again = CycleSpec.model_validate(json.loads(json.dumps(spec.model_dump(mode="json"))))
    assert plan_cycle(again, calendar).as_dict() == plan_cycle(spec, calendar).as_dict()


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["policy"].pop("return_limit"), "policy.return_limit"),
        (
            lambda d: d["phases"]["declaration"].update(last_day="2024-13-01"),
            "phases.declaration.last_day",
        ),
        (lambda d: d["phases"]["declaration"].update(lenght=3), "phases.declaration.lenght"),
        (lambda d: d["phases"]["issuance"].update(start="nowhere.start"), "phases.issuance.start"),
        (lambda d: d.update(parent="no-such-parent"), "parent"),
        (lambda d: d["phases"].update(summary={"title": "x"}), "phases.summary"),
        (lambda d: d["committees"]["gs-01"].update(window="11月初"), "committees.gs-01.window"),
    ],
)
def test_malformed_files_name_the_field(tmp_path: Path, mutate, field: str) -> None:
    data = yaml.safe_load(bundled_cycle("gansu-2024").read_text(encoding="utf-8"))
    data["id"] = "broken-2024"
    mutate(data)
    path = tmp_path / "broken-2024.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CycleFileError) as caught:
        load_cycle(path)
    assert caught.value.field == field
    assert "broken-2024.yaml" in str(caught.value)


def test_a_missing_key_in_child_and_parent_names_the_key(tmp_path: Path) -> None:
    parent = yaml.safe_load(bundled_cycle("gansu-2024").read_text(encoding="utf-8"))
    parent["id"] = "prov-2024"
    del parent["policy"]["tenure_cutoff"]
    (tmp_path / "prov-2024.yaml").write_text(
        yaml.safe_dump(parent, allow_unicode=True), encoding="utf-8"
    )
    child = yaml.safe_load(bundled_cycle("jiayuguan-2024").read_text(encoding="utf-8"))
    child["id"], child["parent"] = "city-2024", "prov-2024"
    (tmp_path / "city-2024.yaml").write_text(
        yaml.safe_dump(child, allow_unicode=True), encoding="utf-8"
    )
    with pytest.raises(CycleFileError) as caught:
        load_cycle(tmp_path / "city-2024.yaml")
    assert caught.value.field == "policy.tenure_cutoff"
    assert "上级" in str(caught.value)


def test_an_impossible_date_is_a_message_naming_the_field(tmp_path: Path) -> None:
    text = (
        bundled_cycle("gansu-2024")
        .read_text(encoding="utf-8")
        .replace("id: gansu-2024", "id: feb-2024")
    )
    path = tmp_path / "feb-2024.yaml"
    path.write_text(text.replace("last_day: 2024-09-10", "last_day: 2024-09-31"), encoding="utf-8")
    with pytest.raises(CycleFileError, match="有效日期") as caught:
        load_cycle(path)
    assert caught.value.field == "phases.prep.last_day"


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad-2024.yaml"
    path.write_text("id: bad-2024\nphases:\n  declaration: [unclosed\n", encoding="utf-8")
    with pytest.raises(CycleFileError, match="第 .* 行"):
        load_cycle(path)
