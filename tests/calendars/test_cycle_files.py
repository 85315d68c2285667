"""Every bundled cycle file loads and says what its notice says; a malformed file is refused with
a message naming the file and the field.

Each row of the tables below carries the notice reference it checks (notice number and section).
Where the notice text is available (see tests/domain/notices.py: ``ZHICHENG_NOTICES``, else
``<repo>/../shared/notices``, else ``/work/shared/notices``; missing under ``CI=true`` fails), the
quotes and Pingliang's series lists are also checked word for word against it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from calendars.cyclefile import CycleFileError, bundled_cycle, bundled_cycles_dir, load_cycle
from calendars.plan import Plan
from calendars.planner import plan_file
from calendars.workdays import WorkdayCalendar
from tests.domain import notices

FILES = sorted(p.stem for p in bundled_cycles_dir().glob("*.yaml"))
NOTICE_FILES = {
    "000": "000_b49be184dd00b1c2.txt",
    "001": "001_b2515caf6b2495f0.txt",
    "002": "002_47b648eb260cd9e8.txt",
    "003": "003_911f38d1ddeab309.txt",
    "004": "004_f1e34629d5eb635f.txt",
}
# The cycle files written from notices 000–003, and the notice each one is from.
FROM_NOTICE = {
    "gansu-hr-training-2020": "000",
    "gansu-2019": "001",
    "pingliang-engineering-2022": "002",
    "pingliang-2021": "003",
}
XUN = {"11月上旬", "11月中旬", "11月下旬", "12月上旬", "12月中旬"}


@pytest.fixture(scope="module")
def calendar() -> WorkdayCalendar:
    return WorkdayCalendar.load()


_plans: dict[str, Plan] = {}


def plan(name: str, calendar: WorkdayCalendar) -> Plan:
    if name not in _plans:
        _plans[name] = plan_file(bundled_cycle(name), calendar)
    return _plans[name]


def d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


# ---------------------------------------------------------------- every bundled file


@pytest.mark.parametrize("name", FILES)
def test_every_bundled_file_loads(name: str) -> None:
    spec = load_cycle(bundled_cycle(name))
    assert spec.id == name
    assert spec.chain[0] == f"{name}.yaml"
    assert spec.source.notice in NOTICE_FILES.values()
    assert spec.phases


@pytest.mark.parametrize("name", FILES)
def test_every_bundled_file_plans(name: str, calendar: WorkdayCalendar) -> None:
    found = plan(name, calendar)
    assert found.phases
    assert all(f.code != "calendar_year_missing" for f in found.findings)


def test_every_notice_has_a_cycle_file() -> None:
    cited = {load_cycle(bundled_cycle(name)).source.notice for name in FILES}
    assert cited >= set(NOTICE_FILES.values())
    for name, notice in FROM_NOTICE.items():
        assert load_cycle(bundled_cycle(name)).source.notice == NOTICE_FILES[notice], name


# ---------------------------------------------------------------- the four files from 000–003


@pytest.mark.parametrize(
    ("name", "code", "level", "number", "date", "parent", "reference"),
    [
        (
            "gansu-2019",
            "620000",
            "province",
            "甘人社明电〔2019〕90号",
            "2019-07-08",
            None,
            "001 落款",
        ),
        (
            "gansu-hr-training-2020",
            "620000",
            "province",
            "甘人资培职办〔2020〕1号",
            "2020-09-01",
            None,
            "000 落款",
        ),
        ("pingliang-2021", "620800", "city", None, None, None, "003 附件未载文号和日期"),
        (
            "pingliang-engineering-2022",
            "620800",
            "city",
            "平工信发〔2022〕138号",
            "2022-08-26",
            None,
            "002 落款",
        ),
    ],
)
def test_region_and_source(
    name: str,
    code: str,
    level: str,
    number: str | None,
    date: str | None,
    parent: str | None,
    reference: str,
) -> None:
    spec = load_cycle(bundled_cycle(name))
    assert (spec.region.code, spec.region.level) == (code, level), reference
    assert (spec.source.number, spec.source.date) == (number, d(date)), reference
    assert spec.parent is parent, "parents' notices are not in the library"


# Every phase of the four files: start and last day as written; None = 未载明 / 另行通知.
BOUNDARIES = [
    ("gansu-2019", "declaration", None, "2019-09-30", "001 附件2 一(一)"),
    ("gansu-2019", "unit_review", None, "2019-09-30", "001 附件2 一(一)"),
    ("gansu-2019", "committee_review", None, "2019-12-31", "001 附件2 一(二)"),
    ("gansu-2019", "grassroots_review", None, "2019-09-30", "001 三(一)"),
    ("gansu-2019", "issuance", None, None, "001 附件2 四：发文时间未载明"),
    ("gansu-hr-training-2020", "declaration", "2020-09-01", "2020-09-30", "000 二(二)"),
    ("gansu-hr-training-2020", "unit_review", None, None, "000 三：另行通知"),
    ("gansu-hr-training-2020", "committee_review", None, None, "000 四：只写会议月份"),
    ("pingliang-2021", "committee_review", None, "2021-12-31", "003 附件1 注1"),
    ("pingliang-engineering-2022", "declaration", None, "2022-09-30", "002 一、五(一)"),
    ("pingliang-engineering-2022", "unit_review", None, "2022-09-30", "002 一"),
    ("pingliang-engineering-2022", "unit_publicity", None, "2022-09-30", "002 一、五(三)"),
    ("pingliang-engineering-2022", "committee_review", None, "2022-12-20", "002 一"),
    ("pingliang-engineering-2022", "city_review", None, "2022-10-31", "002 一"),
    ("pingliang-engineering-2022", "defence", None, "2022-12-20", "002 一"),
]


@pytest.mark.parametrize(("name", "phase", "start", "last_day", "reference"), BOUNDARIES)
def test_dates_as_written(
    name: str,
    phase: str,
    start: str | None,
    last_day: str | None,
    reference: str,
    calendar: WorkdayCalendar,
) -> None:
    planned = plan(name, calendar).phase(phase)
    first = planned.start.date() if planned.start else None
    assert (first, planned.last_day) == (d(start), d(last_day)), reference


@pytest.mark.parametrize("name", list(FROM_NOTICE))
def test_no_phase_left_out_of_the_table(name: str) -> None:
    listed = {phase for n, phase, *_ in BOUNDARIES if n == name}
    assert set(load_cycle(bundled_cycle(name)).phases) == listed
    # None of these notices states a length ("为期N天"): nothing to check against the dates.
    assert all(
        p.declared_days is None and p.declared_workdays is None
        for p in load_cycle(bundled_cycle(name)).phases.values()
    )


def test_2019_declaration_and_review_close_together_on_purpose(calendar: WorkdayCalendar) -> None:
    spec = load_cycle(bundled_cycle("gansu-2019"))
    assert "unit_review" in spec.phases["declaration"].overlaps  # 001 附件2 一(一)
    assert "declaration" in spec.phases["unit_review"].overlaps
    planned = plan("gansu-2019", calendar)
    closes = planned.phase("declaration").end
    assert closes is not None and closes == planned.phase("unit_review").end
    assert closes.isoformat() == "2019-10-01T00:00:00+08:00"  # 9月30日24时, Beijing
    assert planned.phase("grassroots_review").parent == "committee_review"  # 001 三(一)
    assert planned.phase("issuance").parent == "committee_review"


def test_2022_unit_publicity_follows_the_declaration() -> None:
    spec = load_cycle(bundled_cycle("pingliang-engineering-2022"))
    publicity = spec.phases["unit_publicity"]
    assert publicity.parent == "unit_review"
    assert publicity.follows == "declaration"  # 002 一: both close on 9/30
    assert publicity.min_workdays == 5  # 002 五(三)
    assert publicity.last_day == "unit_review.last_day"
    assert spec.phases["committee_review"].last_day == "defence.last_day"


# Policy numbers the notices give, or carry from a standing provincial rule (reference says which).
POLICY = [
    ("gansu-2019", "plagiarism.core", 0.10, "001 二(五)2(2)"),
    ("gansu-2019", "plagiarism.provincial", 0.20, "001 二(五)2(2)"),
    ("gansu-2019", "plagiarism.applies_from_year", 2020, "001 二(五)2"),
    ("gansu-2019", "village_senior_quota", 0.30, "001 三(二)"),
    ("gansu-2019", "committees_finish_by", dt.date(2019, 12, 31), "001 附件2 一(二)"),
    ("gansu-hr-training-2020", "achievement_cutoff", dt.date(2020, 9, 30), "000 七(一)1"),
    ("gansu-hr-training-2020", "tenure_cutoff", dt.date(2020, 12, 31), "000 七(一)2"),
    ("gansu-hr-training-2020", "retirement_reference_day", dt.date(2020, 12, 31), "000 七(三)3"),
    ("gansu-hr-training-2020", "plagiarism.core", 0.10, "carried: 001 二(五)2(2)"),
    ("gansu-hr-training-2020", "plagiarism.provincial", 0.20, "carried: 001 二(五)2(2)"),
    ("gansu-hr-training-2020", "plagiarism.applies_from_year", 2020, "carried: 001 二(五)2"),
    (
        "gansu-hr-training-2020",
        "remote_village_years_intermediate",
        20,
        "carried: 甘办发〔2019〕55号",
    ),
    ("gansu-hr-training-2020", "remote_village_years_senior", 30, "carried: 甘办发〔2019〕55号"),
    ("pingliang-2021", "objection_investigation_months", 1, "003 附件3 五(六)"),
    ("pingliang-2021", "plagiarism.core", 0.15, "003 附件3 五(三)"),
    ("pingliang-2021", "plagiarism.provincial", 0.25, "003 附件3 五(三)"),
    ("pingliang-2021", "plagiarism.applies_from_year", 2021, "003 附件3 五(三)"),
    ("pingliang-2021", "expert_recommendation_min_approval", 0.6667, "003 附件3 五(二)"),
    ("pingliang-2021", "village_senior_quota", 0.30, "carried: 001 三(二)"),
    ("pingliang-2021", "remote_village_years_intermediate", 20, "003 附件3 二(一)"),
    ("pingliang-2021", "remote_village_years_senior", 30, "003 附件3 二(一)"),
    ("pingliang-2021", "committees_finish_by", dt.date(2021, 12, 31), "003 附件1 注1"),
    ("pingliang-engineering-2022", "return_limit", 3, "002 五(六)"),
    ("pingliang-engineering-2022", "unit_publicity_min_workdays", 5, "002 五(三)"),
    ("pingliang-engineering-2022", "achievement_cutoff", dt.date(2022, 9, 30), "002 申报条件(二)"),
    ("pingliang-engineering-2022", "tenure_cutoff", dt.date(2022, 12, 31), "002 申报条件(三)"),
    ("pingliang-engineering-2022", "plagiarism.core", 0.15, "002 附件1 四"),
    ("pingliang-engineering-2022", "plagiarism.provincial", 0.25, "002 附件1 四"),
    ("pingliang-engineering-2022", "plagiarism.applies_from_year", 2021, "003 附件3 五(三)"),
    ("pingliang-engineering-2022", "expert_recommendation_min_approval", 0.6667, "002 附件1 三"),
    ("pingliang-engineering-2022", "integrity_bar_years", 3, "002 附件3 诚信承诺书"),
    ("pingliang-engineering-2022", "remote_village_years_intermediate", 20, "002 附件1 一"),
    ("pingliang-engineering-2022", "remote_village_years_senior", 30, "002 附件1 一"),
    ("pingliang-engineering-2022", "committees_finish_by", dt.date(2022, 12, 20), "002 一"),
    ("pingliang-engineering-2022", "series_transfer_min_years", 1, "002 申报条件(五)"),
    ("pingliang-engineering-2022", "return_count_from", dt.date(2022, 9, 30), "002 五(六)"),
    ("pingliang-engineering-2022", "commission_letter_required", True, "002 二"),
    ("gansu-2024", "return_limit", 3, "004 三(四)"),
    ("gansu-2024", "skilled_worker_years.deputy_senior", 4, "carried: 003 附件3 三"),
    ("gansu-2019", "exclusions", ["civil_servant"], "001 二(五)3(2)"),
    (
        "gansu-hr-training-2020",
        "exclusions",
        [
            "not_transferred",
            "failed_last_year",
            "under_review",
            "disciplinary_period",
            "one_committee_per_year",
        ],
        "000 七(三)1、2、4、5, 二(三)6",
    ),
    ("gansu-hr-training-2020", "county_service_years_senior", 1, "000 二(三)2"),
    ("pingliang-2021", "exclusions", [], "the attachments list none"),
    ("pingliang-2021", "skilled_worker_years.junior", 2, "003 附件3 三"),
    ("pingliang-2021", "skilled_worker_years.intermediate", 3, "003 附件3 三"),
    ("pingliang-2021", "skilled_worker_years.deputy_senior", 4, "003 附件3 三"),
    ("pingliang-2021", "exceptional_lower_post_years", 1, "003 附件3 五(一)"),
    ("pingliang-engineering-2022", "exclusions", ["continuing_education"], "002 申报条件(四)"),
    ("jiayuguan-2024", "return_limit", 3, "004 三(四), inherited from gansu-2024"),
    ("jiayuguan-2024", "result_publicity_min_days", 5, "004 三(七)"),
    ("jiayuguan-2024", "committees_finish_by", dt.date(2024, 12, 20), "004 附件1 备注1"),
]


def policy_value(name: str, key: str) -> Any:
    node: Any = load_cycle(bundled_cycle(name)).policy
    for part in key.split("."):
        node = getattr(node, part)
    return node


@pytest.mark.parametrize(("name", "key", "value", "reference"), POLICY)
def test_policy_numbers(name: str, key: str, value: object, reference: str) -> None:
    assert policy_value(name, key) == value, reference


@pytest.mark.parametrize("name", list(FROM_NOTICE))
def test_every_other_policy_key_is_null_because_the_notice_is_silent(name: str) -> None:
    """The table above lists every number; whatever it does not list the notice leaves unsaid."""
    stated = {key.split(".")[0] for n, key, *_ in POLICY if n == name}
    policy = load_cycle(bundled_cycle(name)).policy.model_dump()
    assert {k for k, v in policy.items() if v is not None} == stated


def test_two_of_three_blind_reviewers_is_enough_in_pingliang() -> None:
    from rules.eligibility import Applicant, ExpertRecommendation, expert_recommendation

    policy = load_cycle(bundled_cycle("pingliang-engineering-2022")).policy
    applicant = Applicant("620102198005170011", expert_recommendation=ExpertRecommendation(2, 3))
    assert expert_recommendation(applicant, policy) == []


PUSH_MONTHS = {  # 003 附件1《2021年度全市职称申报审核时间安排》, names exactly as written
    10: [
        "人力资源培训专业(含基层有效)",
        "质量监督工程专业",
        "食药工程专业",
        "林业(农口)工程专业(含基层有效)",
        "档案系列",
        "经济系列",
        "会计系列",
        "文博系列",
        "艺术系列",
        "图书资料系列",
        "体育教练员系列",
        "广播电视播音系列",
        "新闻系列",
        "出版系列",
    ],
    11: [
        "农业系列(含基层有效)",
        "农村实用技术人才专业",
        "交通运输专业(含基层有效)",
        "自然科学研究专业",
        "实验技术专业",
        "地质勘查测绘采矿土地工程专业",
        "生态环境保护专业(含基层有效)",
        "水利工程专业(含基层有效)",
        "工程系列",
        "建设工程专业",
    ],
    12: [
        "中小学教师系列(含基层有效)",
        "中专教师系列",
        "卫生系列(含基层有效)",
        "药学专业",
        "技工院校教师系列",
    ],
}


def test_pingliangs_push_months() -> None:
    spec = load_cycle(bundled_cycle("pingliang-2021"))
    assert [(m.month, m.series) for m in spec.push_months] == sorted(PUSH_MONTHS.items())
    every = [s for m in spec.push_months for s in m.series]
    assert len(every) == len(set(every)) == 29  # each series pushed in exactly one month


def test_only_pingliang_2021_has_push_months() -> None:
    for name in FROM_NOTICE:
        if name != "pingliang-2021":
            assert load_cycle(bundled_cycle(name)).push_months == [], name


@pytest.mark.parametrize(
    ("key", "scope", "first", "last", "reference"),
    [
        (
            "hrt-grassroots",
            "grassroots",
            "2020-11-01",
            "2020-11-30",
            "000 序言：基层有效 拟于11月份",
        ),
        ("hrt-province", "province", "2020-12-01", "2020-12-31", "000 序言：全省有效 拟于12月份"),
    ],
)
def test_hr_training_committees_meet_in_november_and_december(
    key: str, scope: str, first: str, last: str, reference: str, calendar: WorkdayCalendar
) -> None:
    committees = {c.key: c for c in plan("gansu-hr-training-2020", calendar).committees}
    assert len(committees) == 2
    c = committees[key]
    assert (c.scope, c.level, c.series) == (scope, "senior", "人力资源培训"), reference
    assert (c.window_start, c.window_last_day) == (d(first), d(last)), reference


CHECKLIST = [  # 001 附件3《全省职称改革备案管理项目清单》序号1–7
    "deputy_senior_documents",
    "key_information_audit",
    "intermediate_committee_approval",
    "university_self_review",
    "primary_secondary_senior_results",
    "annual_arrangements",
    "temporary",
]


def test_2019_filing_checklist_has_all_seven_items() -> None:
    items = load_cycle(bundled_cycle("gansu-2019")).filing_items
    assert list(items)[:7] == CHECKLIST
    assert set(items) - set(CHECKLIST) == {"grassroots_summary", "seal_impressions"}
    first = items["deputy_senior_documents"]
    assert (first.after, first.within_workdays) == ("issuance", 5)  # 评审通过发文后5个工作日内
    assert items["university_self_review"].before_days == 5  # 召开评审会前5天备案
    # The same checklist, shape for shape, as gansu-2024 carries it.
    assert CHECKLIST == list(load_cycle(bundled_cycle("gansu-2024")).filing_items)


@pytest.mark.parametrize(
    ("name", "before", "reference"),
    [
        ("gansu-2019", "issuance", "001 附件3 序号2：副高级职称资格文件发文前"),
        ("pingliang-2021", "committee_review", "003 附件3 五(七)：提交评委会评审前"),
        ("pingliang-engineering-2022", "defence", "carried: 003 附件3 五(七)"),
        ("gansu-2024", "committee_review", "003 附件3 五(七)"),
    ],
)
def test_key_information_audit_moved_before_the_committee_in_2021(
    name: str, before: str, reference: str
) -> None:
    assert load_cycle(bundled_cycle(name)).filing_items["key_information_audit"].before == before


@pytest.mark.parametrize(
    ("name", "item", "due", "reference"),
    [
        ("gansu-2019", "grassroots_summary", "2019-10-10", "001 三(一)"),
        ("gansu-2019", "seal_impressions", "2019-07-12", "001 附件2 三(四)2"),
        ("gansu-2019", "deputy_senior_documents", None, "发文日期未载明"),
        ("gansu-hr-training-2020", "applicants_report", "2020-09-30", "000 二(二)：申报时限内"),
        ("pingliang-2021", "key_information_audit", None, "评审开始时间未载明"),
    ],
)
def test_filing_deadlines(
    name: str, item: str, due: str | None, reference: str, calendar: WorkdayCalendar
) -> None:
    planned = {f.key: f for f in plan(name, calendar).filing}
    assert planned[item].due_last_day == d(due), reference


# What the planner reports on each file; each finding was checked against the notice.
FINDINGS = {
    "gansu-2019": {
        ("error", "date_not_stated", "declaration"),
        ("error", "date_not_stated", "unit_review"),
        ("error", "date_not_stated", "committee_review"),
        ("error", "date_not_stated", "grassroots_review"),
        ("error", "date_not_stated", "issuance"),
        ("info", "retirement_check_off", None),  # no reference day stated
    },
    "gansu-hr-training-2020": {
        ("error", "date_not_stated", "unit_review"),  # 另行通知
        ("error", "date_not_stated", "committee_review"),
        ("info", "value_carried", None),  # plagiarism (001), remote-village years (003)
    },
    "pingliang-2021": {
        ("error", "date_not_stated", "committee_review"),
        ("info", "value_carried", None),  # the village quota (001 三(二))
        ("info", "retirement_check_off", None),  # no reference day stated
        ("info", "exclusions_off", None),  # the attachments list no one who may not declare
    },
    "pingliang-engineering-2022": {
        ("error", "date_not_stated", "declaration"),
        ("error", "date_not_stated", "unit_review"),
        ("error", "date_not_stated", "unit_publicity"),
        ("error", "date_not_stated", "committee_review"),
        ("error", "date_not_stated", "city_review"),
        ("error", "date_not_stated", "defence"),
        # Publicity (≥ 5 working days) and the declaration both close on 9/30: whoever declares
        # on the last day cannot be publicised in time.
        ("warning", "publicity_too_short", "unit_publicity"),
        ("info", "value_carried", None),  # the key-information audit (003 附件3 五(七))
        ("info", "retirement_check_off", None),  # 002 states no reference day
    },
}


@pytest.mark.parametrize("name", list(FINDINGS))
def test_findings(name: str, calendar: WorkdayCalendar) -> None:
    found = {(f.level, f.code, f.phase) for f in plan(name, calendar).findings}
    assert found == FINDINGS[name]


# ---------------------------------------------------------------- word for word


def notice_text(number: str) -> str:
    return squeeze(notices.notice_text(number))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", list(FROM_NOTICE))
def test_quotes_are_the_notices_words(name: str) -> None:
    text = notice_text(FROM_NOTICE[name])
    for key, phase in load_cycle(bundled_cycle(name)).phases.items():
        for fragment in (phase.quote or "").split("……"):
            assert squeeze(fragment) in text, f"{name} phases.{key}.quote: {fragment}"


def test_push_month_series_are_the_notices_words() -> None:
    text = notice_text("003")
    for month, series in PUSH_MONTHS.items():
        assert squeeze("、".join(series) + "。") + f"{month}月" in text, month


# ---------------------------------------------------------------- 2024: province and Jiayuguan


def test_gansu_2024_has_65_committees_in_their_windows(calendar: WorkdayCalendar) -> None:
    spec = load_cycle(bundled_cycle("gansu-2024"))
    committees = list(spec.committees.values())
    assert len(committees) == 65  # 004 附件1《2024年全省高级职称评审计划》
    assert sorted(c.serial for c in committees) == list(range(1, 66))
    assert {c.window for c in committees} <= XUN
    assert all(c.window_start is None and c.window_last_day is None for c in committees)
    for c in plan("gansu-2024", calendar).committees:
        assert c.window_start and c.window_last_day
        assert dt.date(2024, 11, 1) <= c.window_start <= c.window_last_day <= dt.date(2024, 12, 20)


def test_jiayuguan_inherits_the_provinces_committees_and_return_limit() -> None:
    province = load_cycle(bundled_cycle("gansu-2024"))
    city = load_cycle(bundled_cycle("jiayuguan-2024"))
    assert city.chain == ["jiayuguan-2024.yaml", "gansu-2024.yaml"]
    inherited = {k: c for k, c in city.committees.items() if c.serial is not None}
    assert inherited == province.committees
    assert len(city.committees) == 65 + 4  # plus Jiayuguan's own four (004 各相关部门联系方式)
    raw = yaml.safe_load(bundled_cycle("jiayuguan-2024").read_text(encoding="utf-8"))
    assert "return_limit" not in (raw.get("policy") or {})  # not restated: inherited
    assert city.policy.return_limit == province.policy.return_limit == 3


# ---------------------------------------------------------------- malformed files


def source_data(name: str = "gansu-2019") -> dict[str, Any]:
    return yaml.safe_load(bundled_cycle(name).read_text(encoding="utf-8"))


def write(folder: Path, stem: str, data: dict[str, Any]) -> Path:
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def refused(path: Path) -> CycleFileError:
    with pytest.raises(CycleFileError) as caught:
        load_cycle(path)
    assert path.name in str(caught.value)
    return caught.value


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda c: c.update(remarks="x"), "remarks"),
        (
            lambda c: c["phases"]["declaration"].update(deadline="2019-09-30"),
            "phases.declaration.deadline",
        ),
        (lambda c: c["policy"].update(return_limt=3), "policy.return_limt"),
        (lambda c: c["filing_items"]["temporary"].update(due="随时"), "filing_items.temporary.due"),
        (
            lambda c: c["phases"]["declaration"].update(last_day="9月30日"),
            "phases.declaration.last_day",
        ),
        (lambda c: c["phases"]["declaration"].update(start="2019-9-1"), "phases.declaration.start"),
        (lambda c: c["policy"].update(achievement_cutoff="九月底"), "policy.achievement_cutoff"),
        (lambda c: c["policy"].update(return_limit="三次"), "policy.return_limit"),
        (lambda c: c["phases"]["issuance"].update(start="nowhere.start"), "phases.issuance.start"),
        (
            lambda c: c["phases"]["declaration"].update(overlaps=["nowhere"]),
            "phases.declaration.overlaps",
        ),
        (lambda c: c["phases"]["issuance"].update(follows="nowhere"), "phases.issuance.follows"),
        (lambda c: c["phases"]["issuance"].update(parent="nowhere"), "phases.issuance.parent"),
        (
            lambda c: c["filing_items"]["deputy_senior_documents"].update(after="nowhere"),
            "filing_items.deputy_senior_documents.after",
        ),
        (lambda c: c.update(parent="gansu-2018"), "parent"),
        (lambda c: c.update(id="gansu-2019"), "id"),
        (lambda c: c["region"].update(level="prefecture"), "region.level"),
        (lambda c: c["policy"].pop("village_senior_quota"), "policy.village_senior_quota"),
    ],
)
def test_malformed_files_name_the_file_and_the_field(tmp_path: Path, mutate, field: str) -> None:
    data = source_data()
    data["id"] = "broken-2019"
    mutate(data)
    error = refused(write(tmp_path, "broken-2019", data))
    assert error.field == field
    assert str(error).startswith(f"broken-2019.yaml: {field}: ")


def test_a_key_missing_in_child_and_parent_names_the_key(tmp_path: Path) -> None:
    province = source_data()
    province["id"] = "prov-2019"
    del province["policy"]["return_limit"]
    write(tmp_path, "prov-2019", province)
    city = {
        "id": "city-2019",
        "title": "某市2019年度职称评审",
        "region": {"code": "620800", "name": "平凉市", "level": "city"},
        "parent": "prov-2019",
        "source": {"issuer": "某市人社局", "number": None, "date": None, "notice": None},
        "phases": {"declaration": {"title": "网上申报", "last_day": dt.date(2019, 9, 20)}},
    }
    error = refused(write(tmp_path, "city-2019", city))
    assert error.field == "policy.return_limit"
    assert "city-2019.yaml" in str(error) and "上级 prov-2019.yaml" in str(error)
    assert "请显式写 null" in str(error)

    city["policy"] = {"return_limit": None}  # the child says the notice is silent: accepted
    spec = load_cycle(write(tmp_path, "city-2019", city))
    assert spec.policy.return_limit is None
    assert spec.policy.village_senior_quota == 0.30  # the rest still comes from the parent


def test_a_parent_that_does_not_exist(tmp_path: Path) -> None:
    data = source_data("pingliang-2021")
    data["parent"] = "gansu-2021"  # the 2021 provincial notice is not in the library
    error = refused(write(tmp_path, "pingliang-2021", data))
    assert error.field == "parent"
    assert "gansu-2021.yaml" in str(error)


def test_a_yaml_syntax_error(tmp_path: Path) -> None:
    text = bundled_cycle("gansu-2019").read_text(encoding="utf-8")
    path = tmp_path / "gansu-2019.yaml"
    path.write_text(
        text.replace("overlaps: [unit_review, committee_review]", "overlaps: [unit_review"), "utf-8"
    )
    error = refused(path)
    assert error.field == ""
    assert re.search(r"YAML 格式错误（第 \d+ 行第 \d+ 列）", str(error))


def test_an_id_that_is_not_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "gansu-2019-copy.yaml"
    path.write_text(bundled_cycle("gansu-2019").read_text(encoding="utf-8"), "utf-8")
    error = refused(path)
    assert error.field == "id"
    assert "'gansu-2019' 与文件名 gansu-2019-copy 不一致" in str(error)


def test_an_impossible_date_names_the_file(tmp_path: Path) -> None:
    text = bundled_cycle("gansu-2019").read_text(encoding="utf-8")
    path = tmp_path / "gansu-2019.yaml"
    path.write_text(text.replace("last_day: 2019-12-31", "last_day: 2019-12-32"), "utf-8")
    assert "有效日期" in str(refused(path))


def test_an_impossible_date_names_the_field(tmp_path: Path) -> None:
    text = bundled_cycle("gansu-2019").read_text(encoding="utf-8")
    path = tmp_path / "gansu-2019.yaml"
    path.write_text(text.replace("last_day: 2019-12-31", "last_day: 2019-09-31"), "utf-8")
    assert refused(path).field == "phases.committee_review.last_day"


# ---------------------------------------------------------------- who each committee hears


def annex1_names() -> dict[int, str]:
    """004 附件1 as printed: serial → committee name (with the notice's own typos)."""
    text = notices.notice_text("004")
    annex = text[text.index("2024年全省高级职称评审计划") : text.index("备注")]
    return {int(m[1]): m[2] for m in re.finditer(r"^(\d+)\t([^\t]+)\t", annex, re.M)}


def provincial_committees() -> dict[str, Any]:
    return load_cycle(bundled_cycle("gansu-2024")).committees


def test_annex1_is_read_whole() -> None:
    assert sorted(annex1_names()) == list(range(1, 66))


def test_specialties_are_those_the_notice_names() -> None:
    """A 专业 committee hears the specialty its name gives (004 附件1); a 系列 committee whose
    name names no specialty hears the whole series."""
    names = annex1_names()
    for key, c in provincial_committees().items():
        printed = squeeze(names[c.serial]).replace(
            "安业", "专业"
        )  # gs-05's typo, noted in the file
        if c.specialties == "all":
            assert "专业" not in printed and "系列" in printed, key
        else:
            for specialty in c.specialties:
                assert squeeze(specialty) in printed, (key, specialty)
                if "专业" in printed:
                    assert squeeze(specialty) + "专业" in printed, (key, specialty)


def test_the_29_engineering_committees_differ_only_by_specialty_or_owner() -> None:
    engineering = {k: c for k, c in provincial_committees().items() if c.series == "工程"}
    names = annex1_names()
    assert len(engineering) == 29 == sum("工程" in n for n in names.values())  # 004 附件1
    shared = {(c.level, c.region, c.granted_levels()) for c in engineering.values()}
    assert shared == {("senior", "620000", ("正高级", "副高级"))}
    open_to_all = [c for c in engineering.values() if c.scope != "self"]
    heard = [(c.scope, tuple(c.specialties)) for c in open_to_all]
    assert len(heard) == len(set(heard)), "two committees hear the same specialty in one scope"
    assert [c.serial for c in open_to_all if c.specialties == "all"] == [65]  # 甘肃省工程系列


def test_grassroots_committees_are_the_ones_named_so() -> None:
    names = annex1_names()
    for key, c in provincial_committees().items():
        assert (c.scope == "grassroots") == ("县以下基层" in names[c.serial]), key
    grassroots = [c for c in provincial_committees().values() if c.scope == "grassroots"]
    assert len(grassroots) == 10
    # every grassroots committee has a province-wide twin for the same series and specialties
    # (000 二(三)6: a grassroots applicant may choose either)
    province = {
        (c.series, str(c.specialties))
        for c in provincial_committees().values()
        if c.scope == "province"
    }
    assert all((c.series, str(c.specialties)) in province for c in grassroots)


def test_self_review_committees_hear_the_units_their_names_give() -> None:
    names = annex1_names()
    own = {k: c for k, c in provincial_committees().items() if c.scope == "self"}
    assert len(own) == 17
    for key, c in own.items():
        assert c.owners, key
        for owner in c.owners:
            assert squeeze(owner) in squeeze(names[c.serial]), (key, owner)
        assert not squeeze(names[c.serial]).startswith(("甘肃省工程", "甘肃省卫生")), key


def test_jiayuguans_own_committees_hear_jiayuguan_at_their_level() -> None:
    city = load_cycle(bundled_cycle("jiayuguan-2024")).committees
    own = {k: c for k, c in city.items() if c.serial is None}
    assert {c.region for c in own.values()} == {"620200"}
    assert {c.scope for c in own.values()} == {"city"}
    assert all(c.specialties == "all" for c in own.values())
    levels = {k: c.granted_levels() for k, c in own.items()}
    assert levels["jyg-ny-zj"] == levels["jyg-gc-zj"] == ("中级",)  # cannot grant 副高级
    assert "副高级" in levels["jyg-ws-gj"] and "副高级" in levels["jyg-zxxjs-gj"]


def test_hr_training_committees_hear_one_specialty() -> None:
    spec = load_cycle(bundled_cycle("gansu-hr-training-2020"))
    assert {k: c.specialties for k, c in spec.committees.items()} == {
        "hrt-grassroots": ["人力资源培训"],
        "hrt-province": ["人力资源培训"],
    }  # 000 标题：人力资源培训专业


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda c: c.pop("specialties"), "specialties", "缺少此项"),
        (lambda c: c.update(specialties=[]), "specialties", "至少写一个专业"),
        (lambda c: c.update(specialties="全部"), "specialties", ""),
        (lambda c: c.pop("region"), "region", "缺少此项"),
        (lambda c: c.update(region="6202"), "region", "不是6位行政区划代码"),
        (lambda c: c.update(region="620200"), "region", "应为省级代码"),
        (lambda c: c.update(scope="city"), "region", "应为市（州）代码"),
        (
            lambda c: c.update(level="intermediate", grants=["副高级"]),
            "grants",
            "中级评委会不能评审副高级",
        ),
        (lambda c: c.update(grants=["中级"]), "grants", "高级评委会不能评审中级"),
        (lambda c: c.update(grants=["高级"]), "grants.0", ""),
        (lambda c: c.update(grants=[]), "grants", "至少写一个"),
        (lambda c: c.update(scope="self"), "owners", "须写明"),
        (lambda c: c.update(owners=["某公司"]), "owners", "只有自主评审"),
    ],
)
def test_a_malformed_committee_names_it_and_the_field(
    tmp_path: Path, mutate, field: str, words: str
) -> None:
    data = source_data("gansu-2024")
    data["id"] = "broken-2024"
    mutate(data["committees"]["gs-01"])
    error = refused(write(tmp_path, "broken-2024", data))
    assert error.field == f"committees.gs-01.{field}"
    assert words in error.problem


def test_a_committee_may_narrow_what_it_grants(tmp_path: Path) -> None:
    data = source_data("gansu-2024")
    data["id"] = "narrow-2024"
    data["committees"]["gs-01"]["grants"] = ["副高级"]
    data["committees"]["gs-02"].update(level="intermediate", grants=["中级", "初级"])
    spec = load_cycle(write(tmp_path, "narrow-2024", data))
    assert spec.committees["gs-01"].granted_levels() == ("副高级",)
    assert spec.committees["gs-02"].granted_levels() == ("中级", "初级")
