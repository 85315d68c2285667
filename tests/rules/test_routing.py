"""Committee routing over the committees of the bundled 2024 cycle files (004 附件1 and
Jiayuguan's own four): each case of issue 11 by name, then the rest of the rule."""

from __future__ import annotations

import pytest

from calendars.cyclefile import bundled_cycle, load_cycle
from rules.routing import Applicant, Committee, RefusalCode, RoutingRefused, committees_of, route

JIAYUGUAN, TIANSHUI = "620200", "620500"


@pytest.fixture(scope="module")
def committees() -> list[Committee]:
    """Everything an applicant can reach in 2024: the province's 65 and Jiayuguan's 4."""
    return committees_of(load_cycle(bundled_cycle("jiayuguan-2024")).committees)


def applicant(
    *,
    city: str = TIANSHUI,
    series: str = "工程",
    specialty: str = "水利工程",
    level: str = "副高级",
    grassroots: bool = False,
    units: frozenset[str] = frozenset(),
) -> Applicant:
    name = {TIANSHUI: "天水市", JIAYUGUAN: "嘉峪关市"}.get(city, "")
    return Applicant(city, series, specialty, level, grassroots, units, name)


def refused(a: Applicant, committees: list[Committee], chosen: str | None = None) -> RoutingRefused:
    with pytest.raises(RoutingRefused) as caught:
        route(a, committees, chosen)
    assert isinstance(caught.value, ValueError)
    return caught.value


# ---------------------------------------------------------------- the cases of issue 11


def test_intermediate_committee_for_a_deputy_senior_applicant_is_refused(
    committees: list[Committee],
) -> None:
    a = applicant(city=JIAYUGUAN, specialty="机械工程")
    error = refused(a, committees, "jyg-gc-zj")  # 嘉峪关市工程系列中级职称评审委员会
    assert error.code == RefusalCode.LEVEL_TOO_HIGH
    assert "不能评审申报人申报的副高级" in error.message
    assert "中级评委会不能评审副高级" in error.message


def test_another_citys_committee_is_refused(committees: list[Committee]) -> None:
    a = applicant(series="卫生", specialty="临床医学")  # a Tianshui doctor
    error = refused(a, committees, "jyg-ws-gj")  # 嘉峪关市卫生系列高级职称评审委员会
    assert error.code == RefusalCode.OTHER_REGION
    assert "只评审本市（州）的申报人" in error.message and "天水市" in error.message


def test_wrong_specialty_is_refused(committees: list[Committee]) -> None:
    error = refused(applicant(specialty="水利工程"), committees, "gs-01")  # 质量监督工程
    assert error.code == RefusalCode.WRONG_SPECIALTY
    assert "只评审质量监督工程专业" in error.message and "水利工程" in error.message


def test_grassroots_applicant_with_two_fitting_committees_and_none_named_is_refused_listing_both(
    committees: list[Committee],
) -> None:
    error = refused(applicant(grassroots=True), committees)
    assert error.code == RefusalCode.SEVERAL_FIT
    assert error.candidates == (
        ("gs-53", "甘肃省水利工程专业高级职称评审委员会"),
        ("gs-54", "甘肃省水利工程专业县以下基层高级职称评审委员会"),
    )
    for key, name in error.candidates:
        assert key in error.message and name in error.message
    assert "同一年度只能选择 1 个评委会" in error.message


def test_one_fitting_committee_and_none_named_is_routed(committees: list[Committee]) -> None:
    assert route(applicant(), committees) == "gs-53"


# ---------------------------------------------------------------- the rest of the rule


@pytest.mark.parametrize("choice", ["gs-53", "gs-54"])
def test_a_grassroots_applicant_routes_to_the_committee_chosen(
    committees: list[Committee], choice: str
) -> None:
    assert route(applicant(grassroots=True), committees, choice) == choice


def test_a_grassroots_committee_refuses_other_applicants(committees: list[Committee]) -> None:
    error = refused(applicant(), committees, "gs-54")
    assert error.code == RefusalCode.NOT_GRASSROOTS


def test_a_named_committee_that_fits_is_kept(committees: list[Committee]) -> None:
    assert route(applicant(), committees, "gs-53") == "gs-53"


def test_an_unknown_committee(committees: list[Committee]) -> None:
    error = refused(applicant(), committees, "gs-99")
    assert error.code == RefusalCode.UNKNOWN_COMMITTEE and "'gs-99'" in error.message


def test_wrong_series(committees: list[Committee]) -> None:
    error = refused(applicant(), committees, "gs-33")  # 会计系列
    assert error.code == RefusalCode.WRONG_SERIES
    assert "评审会计系列，申报人申报的是工程系列" in error.message


def test_a_senior_committee_for_an_intermediate_applicant(committees: list[Committee]) -> None:
    error = refused(applicant(level="中级"), committees, "gs-53")
    assert error.code == RefusalCode.LEVEL_TOO_LOW


def test_an_intermediate_applicant_in_jiayuguan_goes_to_the_citys_intermediate_committee(
    committees: list[Committee],
) -> None:
    a = applicant(city=JIAYUGUAN, specialty="机械工程", level="中级")
    assert route(a, committees) == "jyg-gc-zj"


def test_no_intermediate_engineering_committee_for_tianshui_in_these_files(
    committees: list[Committee],
) -> None:
    error = refused(applicant(specialty="机械工程", level="中级"), committees)
    assert error.code == RefusalCode.NONE_FITS
    assert "工程系列机械工程专业中级" in error.message and "天水市" in error.message
    assert error.candidates == ()


def test_a_specialty_no_specialised_committee_hears_goes_to_the_series_committee(
    committees: list[Committee],
) -> None:
    assert route(applicant(specialty="机械工程"), committees) == "gs-65"  # 甘肃省工程系列
    assert route(applicant(specialty="机械工程", level="正高级"), committees) == "gs-65"


def test_the_series_committee_named_for_a_specialised_one_is_refused(
    committees: list[Committee],
) -> None:
    error = refused(applicant(), committees, "gs-65")
    assert error.code == RefusalCode.HEARD_ELSEWHERE
    assert error.candidates == (("gs-53", "甘肃省水利工程专业高级职称评审委员会"),)


def test_a_units_own_committee_hears_its_staff_only(committees: list[Committee]) -> None:
    jisco = frozenset({"酒泉钢铁(集团)有限责任公司", "甘肃省国资委"})
    a = applicant(city="620900", specialty="冶金工程", units=jisco)
    assert route(a, committees) == "gs-15"
    error = refused(applicant(specialty="冶金工程"), committees, "gs-15")
    assert error.code == RefusalCode.NOT_OWN_UNIT
    assert "酒泉钢铁(集团)有限责任公司的自主评审评委会" in error.message


def test_a_jiayuguan_teacher_goes_to_the_citys_committee(committees: list[Committee]) -> None:
    teacher = applicant(city=JIAYUGUAN, series="中小学教师", specialty="数学")
    assert route(teacher, committees) == "jyg-zxxjs-gj"
    elsewhere = applicant(series="中小学教师", specialty="数学")
    assert route(elsewhere, committees) == "gs-50"


def test_a_grassroots_teacher_in_jiayuguan_chooses_city_or_grassroots(
    committees: list[Committee],
) -> None:
    teacher = applicant(city=JIAYUGUAN, series="中小学教师", specialty="数学", grassroots=True)
    error = refused(teacher, committees)
    assert [key for key, _ in error.candidates] == ["gs-51", "jyg-zxxjs-gj"]


def test_pharmacy_goes_to_its_own_committee_not_the_health_series_one(
    committees: list[Committee],
) -> None:
    assert route(applicant(series="卫生", specialty="药学"), committees) == "gs-62"
    assert route(applicant(series="卫生", specialty="护理"), committees) == "gs-60"


def test_an_applicant_from_another_province(committees: list[Committee]) -> None:
    error = refused(applicant(city="610100"), committees, "gs-53")
    assert error.code == RefusalCode.OTHER_REGION


def test_an_unknown_level_is_refused_when_the_facts_are_built() -> None:
    with pytest.raises(ValueError, match="申报级别 '高级'"):
        applicant(level="高级")
