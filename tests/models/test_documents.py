"""Issue 16 item 4: what the notices require before an application moves on, recorded with who
and when, refused with a code and a Chinese reason where missing (Jiayuguan 2024, 004):
the collective review of 破格/基层有效/艰苦单位 applicants before recommendation (四(一)), the
unit's publicity report before forwarding (三(三)), the commissioned-review letter of central
units' staff (二(二)), a video defence's recording before results (001 附件1 三), and each
department's 汇总表 to city HR by 10/31, late ones not accepted (三(四))."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from models import services
from models.application import Application
from models.cycle import Cycle
from models.db import session_scope
from models.documents import ApplicationDocument, DocumentKind, record_meeting
from models.filing import filing_status, record_filing
from models.org import Organisation
from models.plans import stored_plan
from models.refusals import RefusalCode, Refused
from tests.factories import bj, drafts, set_profiles, status_of, stored_cycle, unit_in_tree

pytestmark = pytest.mark.usefixtures("db")

K = DocumentKind


def act(call, *args, **kwargs) -> services.Outcome:
    with session_scope() as session:
        return call(session, *args, **kwargs)


def document(cycle: str, ids: list[int], kind: DocumentKind, at, reference="见附件", who="单位"):
    return act(services.record_document, cycle, ids, kind, now=at, actor=who, reference=reference)


def set_values(ids: list[int], **values: object) -> None:
    with session_scope() as session:
        session.execute(update(Application).where(col(Application.id).in_(ids)).values(**values))


def with_sheet(ids: list[int], profile: dict[str, object]) -> None:
    with session_scope() as session:
        set_profiles(session, ids, profile)


def submitted(cycle: str, count: int, **kwargs: object) -> list[int]:
    apps = drafts(cycle, count, **kwargs)
    assert act(services.submit, cycle, apps, now=bj(2024, 9, 20, 9), actor="申报人").done == apps
    return apps


def test_a_special_category_applicant_is_recommended_only_after_a_collective_review() -> None:
    cycle = stored_cycle()
    exceptional, regular = submitted(cycle, 2)
    (grassroots,) = submitted(cycle, 1, committee_key="gs-02")  # 县以下基层有效
    with_sheet([exceptional], {"promotion_type": "破格晋升"})
    first = act(
        services.recommend,
        cycle,
        [exceptional, regular, grassroots],
        now=bj(2024, 9, 22),
        actor="单位",
    )
    assert first.done == [regular]
    for app in (exceptional, grassroots):
        assert first.refusals[app].code == RefusalCode.document_missing
        assert "职工大会集体评议" in first.refusals[app].message
    assert not any("公示" in w for w in first.warnings)
    blank = document(cycle, [exceptional], K.collective_review, bj(2024, 9, 23), reference=" ")
    assert blank.refusals[exceptional].code == RefusalCode.reason_required
    recorded = document(
        cycle, [exceptional, grassroots], K.collective_review, bj(2024, 9, 23), "9月23日职工大会"
    )
    assert recorded.done == [exceptional, grassroots]
    again = document(cycle, [exceptional], K.collective_review, bj(2024, 9, 23, 10))
    assert again.refusals[exceptional].code == RefusalCode.already_recorded
    with session_scope() as session:
        row = session.execute(
            select(ApplicationDocument).where(ApplicationDocument.application_id == exceptional)
        ).scalar_one()
        assert (row.kind, row.by, row.at, row.reference) == (
            "collective_review",
            "单位",
            bj(2024, 9, 23),
            "9月23日职工大会",
        )
    second = act(
        services.recommend, cycle, [exceptional, grassroots], now=bj(2024, 9, 24), actor="单位"
    )
    assert sorted(second.done) == sorted([exceptional, grassroots])
    # 004 四(一) gives no length for their longer publicity: a reminder, not a block.
    assert any("2 名破格晋升" in w and "适当延长公示期" in w for w in second.warnings)
    late = document(cycle, [regular], K.collective_review, bj(2024, 9, 25))
    assert late.refusals[regular].code == RefusalCode.wrong_status


def publicised(cycle: str, count: int, **kwargs: object) -> list[int]:
    """Recommended on Sunday 9/22, on publicity from Monday 9/23 for 5 working days: to 9/27 24:00."""
    from models.context import CycleContext
    from tasks.sweeps import open_unit_publicity

    apps = submitted(cycle, count, **kwargs)
    assert act(services.recommend, cycle, apps, now=bj(2024, 9, 22), actor="单位").done == apps
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        assert open_unit_publicity(session, ctx, bj(2024, 9, 23, 0, 30)) == count
    return apps


def close_publicity(cycle: str, at) -> None:
    from models.context import CycleContext
    from tasks.sweeps import close_unit_publicity

    with session_scope() as session:
        close_unit_publicity(session, CycleContext.load(session, cycle), at)


def test_the_publicity_report_comes_after_publicity_and_before_forwarding() -> None:
    cycle = stored_cycle()
    (app,) = publicised(cycle, 1)
    early = document(cycle, [app], K.publicity_report, bj(2024, 9, 27, 23, 59))
    assert early.refusals[app].code == RefusalCode.publicity_not_over
    assert "2024年9月27日24:00" in early.refusals[app].message
    on_time = document(cycle, [app], K.publicity_report, bj(2024, 9, 28, 0, 0), "公示无异议")
    assert on_time.done == [app]
    assert status_of(app) == "unit_publicity"  # a record: the sweep still moves it on


def test_forwarding_needs_the_units_publicity_report() -> None:
    cycle = stored_cycle()
    with_report, without = publicised(cycle, 2)
    close_publicity(cycle, bj(2024, 9, 28, 0, 30))
    document(cycle, [with_report], K.publicity_report, bj(2024, 9, 28, 9))
    out = act(
        services.forward, cycle, [with_report, without], now=bj(2024, 10, 8), actor="主管部门"
    )
    assert out.done == [with_report]
    assert out.refusals[without].code == RefusalCode.document_missing
    assert "公示结果报告" in out.refusals[without].message
    assert status_of(without) == "department_review"


def test_a_central_units_staff_go_to_the_committee_only_with_a_commission_letter() -> None:
    cycle = stored_cycle()
    central = unit_in_tree()
    with session_scope() as session:
        session.execute(
            update(Organisation)
            .where(col(Organisation.id) == central)
            .values(unit_type="central_unit")
        )
    (app,) = publicised(cycle, 1, unit_id=central)
    close_publicity(cycle, bj(2024, 9, 28, 0, 30))
    document(cycle, [app], K.publicity_report, bj(2024, 9, 28, 9))
    refused = act(services.forward, cycle, [app], now=bj(2024, 10, 8), actor="主管部门")
    assert refused.refusals[app].code == RefusalCode.document_missing
    assert "委托函" in refused.refusals[app].message
    letter = services.by_name
    with session_scope() as session:
        out = letter(
            session,
            "commission_letter",
            cycle,
            [app],
            now=bj(2024, 10, 9),
            actor="省职改办",
            reason="中央在甘单位委托函（已审核同意）",
        )
    assert out.done == [app]
    assert act(services.forward, cycle, [app], now=bj(2024, 10, 10), actor="主管部门").done == [app]


def test_results_wait_for_a_video_defences_recording() -> None:
    cycle = stored_cycle()
    recorded, waiting = drafts(cycle, 2)  # committee jyg-gc-zj: 11/11 – 12/10
    set_values([recorded, waiting], status="committee_review")
    with session_scope() as session:
        record_meeting(
            session,
            cycle,
            "jyg-gc-zj",
            dt.date(2024, 11, 20),
            video=True,
            recording=None,
            by="市工信局",
            now=bj(2024, 11, 20, 18),
        )
    out = act(
        services.record_result, cycle, [waiting], passed=True, now=bj(2024, 11, 21), actor="评委会"
    )
    assert out.refusals[waiting].code == RefusalCode.recording_missing
    assert "全程录像" in out.refusals[waiting].message
    with session_scope() as session:
        record_meeting(
            session,
            cycle,
            "jyg-gc-zj",
            dt.date(2024, 11, 20),
            video=True,
            recording="市工信局档案室 光盘 2024-GC-01",
            by="市工信局",
            now=bj(2024, 11, 21, 9),
        )
    out = act(
        services.record_result,
        cycle,
        [recorded, waiting],
        passed=True,
        now=bj(2024, 11, 21, 10),
        actor="评委会",
    )
    assert sorted(out.done) == sorted([recorded, waiting])


def test_a_meeting_is_recorded_after_it_is_held() -> None:
    cycle = stored_cycle()
    with session_scope() as session, pytest.raises(Refused) as refused:
        record_meeting(
            session,
            cycle,
            "jyg-gc-zj",
            dt.date(2024, 11, 20),
            video=False,
            recording=None,
            by="市工信局",
            now=bj(2024, 11, 19, 9),
        )
    assert refused.value.code == RefusalCode.not_open


def test_each_departments_summary_sheet_by_10_31_and_no_later() -> None:
    cycle = stored_cycle()
    (app,) = submitted(cycle, 1)
    act(services.recommend, cycle, [app], now=bj(2024, 9, 22), actor="单位")
    with session_scope() as session:
        unit = session.get(Organisation, session.get(Application, app).unit_id)
        department = session.get(Organisation, unit.department_id).code
        _, plan = stored_plan(session, cycle)
        before = {
            s.key: s.status for s in filing_status(session, cycle, plan, bj(2024, 10, 31, 12))
        }
        after = {s.key: s.status for s in filing_status(session, cycle, plan, bj(2024, 11, 1, 9))}
    assert (before["summary_sheet"], after["summary_sheet"]) == ("open", "overdue")
    with session_scope() as session, pytest.raises(Refused) as refused:
        record_filing(session, cycle, plan, "summary_sheet", by="工信局", now=bj(2024, 10, 30))
    assert refused.value.code == RefusalCode.no_department
    with session_scope() as session, pytest.raises(Refused) as refused:
        record_filing(
            session,
            cycle,
            plan,
            "summary_sheet",
            by="工信局",
            now=bj(2024, 11, 1, 0, 0),
            department=department,
        )
    assert refused.value.code == RefusalCode.filing_late
    assert (
        "2024年10月31日24:00" in refused.value.message and "不再单独受理" in refused.value.message
    )
    with session_scope() as session:
        record_filing(
            session,
            cycle,
            plan,
            "summary_sheet",
            by="工信局",
            now=bj(2024, 10, 31, 23, 59),
            department=department,
        )
    with session_scope() as session:
        status = {s.key: s.status for s in filing_status(session, cycle, plan, bj(2024, 11, 1, 9))}
    assert status["summary_sheet"] == "filed"


def test_no_sheet_is_owed_while_no_department_lists_anyone() -> None:
    cycle = stored_cycle()
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
        status = {s.key: s.status for s in filing_status(session, cycle, plan, bj(2024, 11, 2))}
    assert status["summary_sheet"] == "none_due"


def test_the_cycle_file_switches_the_rules_off() -> None:
    """Where the cycle file does not ask for the collective review (null: the notice is
    silent), a 破格 applicant is recommended without one, and nothing is flagged."""
    cycle = stored_cycle()
    with session_scope() as session:
        stored = session.get(Cycle, cycle)
        spec = dict(stored.spec)
        spec["policy"] = {**spec["policy"], "collective_review_required": None}
        session.execute(update(Cycle).where(col(Cycle.id) == cycle).values(spec=spec))
    (app,) = submitted(cycle, 1)
    with_sheet([app], {"promotion_type": "破格晋升"})
    out = act(services.recommend, cycle, [app], now=bj(2024, 9, 22), actor="单位")
    assert out.done == [app] and out.warnings == []


def test_a_set_length_holds_a_special_applicants_publicity_report_back() -> None:
    """With policy.special_category_publicity_min_workdays set (a number of ours; 004 gives
    none), recommending warns of nothing and the 破格 applicant's publicity report waits for
    that many working days from the day the publicity opened; the others' does not."""
    from models.context import CycleContext
    from tasks.sweeps import open_unit_publicity

    cycle = stored_cycle()
    with session_scope() as session:
        stored = session.get(Cycle, cycle)
        spec = dict(stored.spec)
        spec["policy"] = {**spec["policy"], "special_category_publicity_min_workdays": 10}
        session.execute(update(Cycle).where(col(Cycle.id) == cycle).values(spec=spec))
    special, regular = submitted(cycle, 2)
    with_sheet([special], {"promotion_type": "破格晋升"})
    document(cycle, [special], K.collective_review, bj(2024, 9, 21), "职工大会")
    out = act(services.recommend, cycle, [special, regular], now=bj(2024, 9, 22), actor="单位")
    assert sorted(out.done) == sorted([special, regular]) and out.warnings == []
    opened = bj(2024, 9, 23, 0, 30)
    with session_scope() as session:
        assert open_unit_publicity(session, CycleContext.load(session, cycle), opened) == 2
    longer = services.unit_publicity_end(opened, 10)
    assert longer > bj(2024, 9, 28)  # past the others' 5 working days (9/27 24:00)
    early = document(
        cycle, [special, regular], K.publicity_report, longer.subtract(minutes=1), "公示无异议"
    )
    assert early.done == [regular]
    assert early.refusals[special].code == RefusalCode.publicity_not_over
    on_time = document(cycle, [special], K.publicity_report, longer, "公示无异议")
    assert on_time.done == [special]
