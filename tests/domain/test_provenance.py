"""Every value in each bundled cycle file traces to its source (issue 16): a value the notice
states quotes the notice's own words, and the quote — found verbatim in the notice's text —
holds the value; a carried value names its notice and why; a default says why.

Where the notices are found (and why a missing directory fails under CI): tests/domain/notices.py."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from calendars.cyclefile import (
    CycleSpec,
    PlagiarismSpec,
    SkilledWorkerYears,
    bundled_cycle,
    bundled_cycles_dir,
    load_cycle,
    provenance_paths,
)
from tests.domain.notices import clause_text, notice_text

CYCLES = sorted(p.stem for p in bundled_cycles_dir().glob("*.yaml"))
CHINESE_DIGITS = "零一二三四五六七八九十"


def renderings(value: object) -> list[str]:
    """How a notice writes a value: 5 as 5 or 五, 0.30 as 30%, 0.6667 as 2/3, a date as 9月30日."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        out = [str(value)]
        if value <= 10:
            out.append(CHINESE_DIGITS[value])
        return out
    if isinstance(value, float):
        if abs(value - 2 / 3) < 0.001:
            return ["2/3", "三分之二"]
        return [f"{round(value * 100)}%"]
    if isinstance(value, dt.date):
        return [f"{value.month}月{value.day}日", f"{value.month} 月 {value.day} 日"]
    return []


def values_at(spec: CycleSpec, path: str) -> list[object]:
    parts = path.split(".")
    if parts[0] == "filing_items":
        item = spec.filing_items[parts[1]]
        stated = (item.within_workdays, item.before_days, item.last_day)
        # A reference to a phase's edge ("issuance.last_day") is ours, not the notice's words.
        return [v for v in stated if v is not None and not isinstance(v, str)]
    if parts[:2] == ["policy", "exclusions"]:
        return []  # a kind of person excluded: the quote says it in words, not a number
    holder: object = spec.policy if parts[0] == "policy" else spec.phases[parts[1]]
    value = getattr(holder, parts[-1])
    if isinstance(value, PlagiarismSpec):
        return [value.core, value.provincial]
    if isinstance(value, SkilledWorkerYears):
        return [value.junior, value.intermediate, value.deputy_senior]
    if isinstance(value, bool):
        return []  # a rule that applies (service-rules): the quote states it in words
    return [value]


@pytest.fixture(params=CYCLES)
def spec(request: pytest.FixtureRequest) -> CycleSpec:
    return load_cycle(bundled_cycle(request.param))


def test_every_value_says_where_it_comes_from(spec: CycleSpec) -> None:
    missing = [p for p in provenance_paths(spec) if spec.source_of(p) is None]
    assert missing == [], f"{spec.id}: 未记录出处 {missing}"


def untraced(spec: CycleSpec) -> list[str]:
    """The entries whose quote is not in their notice, or does not hold their value."""
    problems = []
    for path, source in spec.provenance.items():
        if source.quote is None:
            continue
        assert source.notice is not None
        if source.quote not in notice_text(source.notice):
            problems.append(f"{path}: 引文不在通知 {source.notice} 中：{source.quote}")
            continue
        assert source.clause is not None
        clause = clause_text(source.notice, source.clause)
        if clause is None:
            problems.append(f"{path}: 通知 {source.notice} 没有条款 {source.clause}")
            continue
        if source.quote not in clause:
            problems.append(
                f"{path}: 引文不在所引条款 {source.notice} {source.clause} 中：{source.quote}"
            )
            continue
        if source.applies is not None and source.applies not in notice_text(source.notice):
            problems.append(f"{path}: 适用范围的依据不在通知 {source.notice} 中：{source.applies}")
        for value in values_at(spec, path):
            if not any(form in source.quote for form in renderings(value)):
                problems.append(
                    f"{path}: 值 {value} 不在所引 {source.notice} {source.clause} 原文中"
                )
    return problems


def test_every_quote_is_in_its_notice_and_holds_the_value(spec: CycleSpec) -> None:
    assert untraced(spec) == [], spec.id


def test_stated_means_this_cycles_notice(spec: CycleSpec) -> None:
    own = spec.own_notice()
    wrong = {
        p: s.notice for p, s in spec.provenance.items() if s.kind == "stated" and s.notice != own
    }
    assert wrong == {}, f"{spec.id}: 标为 stated 的值须出自本通知 {own}"
    carried_from_self = [
        p for p, s in spec.provenance.items() if s.kind == "carried" and s.notice == own
    ]
    assert carried_from_self == [], f"{spec.id}: carried 须出自其他通知"


def test_declared_days_only_where_the_notice_states_a_length(spec: CycleSpec) -> None:
    for key, phase in spec.phases.items():
        if phase.declared_days is None:
            continue
        source = spec.source_of(f"phases.{key}.declared_days")
        assert source is not None and source.kind == "stated", f"{spec.id} {key}"
        assert source.quote is not None and "为期" in source.quote, (
            f"{spec.id} {key}: {source.quote}"
        )


def test_2024_prep_states_no_length() -> None:
    for name in ("gansu-2024", "jiayuguan-2024"):
        assert load_cycle(bundled_cycle(name)).phases["prep"].declared_days is None


def test_2024_values_borrowed_from_pingliang_say_so() -> None:
    spec = load_cycle(bundled_cycle("gansu-2024"))
    for path, notice in (
        ("policy.unit_publicity_min_workdays", "002"),
        ("policy.objection_investigation_months", "003"),
    ):
        source = spec.source_of(path)
        assert source is not None and source.kind == "carried" and source.notice == notice
        assert source.why is not None and "平凉" in source.why


def tampered(tmp_path: Path, old: str, new: str) -> CycleSpec:
    text = bundled_cycle("gansu-2024").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (tmp_path / "gansu-2024.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return load_cycle(tmp_path / "gansu-2024.yaml")


def test_a_quote_the_notice_does_not_hold_is_caught(tmp_path: Path) -> None:
    spec = tampered(tmp_path, 'quote: "退回次数不超过3次"', 'quote: "退回次数不超过4次"')
    assert untraced(spec) == ["policy.return_limit: 引文不在通知 004 中：退回次数不超过4次"]


def test_a_value_its_quote_does_not_hold_is_caught(tmp_path: Path) -> None:
    spec = tampered(tmp_path, "return_limit: 3 ", "return_limit: 4 ")
    assert untraced(spec) == ["policy.return_limit: 值 4 不在所引 004 三(四) 原文中"]


def test_a_plagiarism_rate_its_quote_does_not_hold_is_caught(tmp_path: Path) -> None:
    spec = tampered(tmp_path, "core: 0.10", "core: 0.15")
    assert untraced(spec) == ["policy.plagiarism: 值 0.15 不在所引 001 二(五)2(2) 原文中"]
