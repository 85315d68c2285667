"""The service layer on both databases: cut-offs to the second, returns and their limit,
only allowed transitions, and an audit row for every change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import services
from models.application import Application, AuditEvent
from models.db import session_scope
from models.refusals import RefusalCode
from tests.factories import bj, drafts, status_of, stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def act(call, *args, **kwargs) -> services.Outcome:
    with session_scope() as session:
        return call(session, *args, **kwargs)


def audit(app_id: int) -> list[tuple[str, str, str]]:
    with session_scope() as session:
        rows = session.execute(
            select(AuditEvent.action, AuditEvent.from_status, AuditEvent.to_status)
            .where(AuditEvent.application_id == app_id)
            .order_by(AuditEvent.id)
        ).all()
    return [tuple(r) for r in rows]


def test_submission_at_the_last_second_is_accepted_and_at_midnight_refused() -> None:
    cycle = stored_cycle()
    early, late = drafts(cycle, 2)
    ok = act(services.submit, cycle, [early], now=bj(2024, 10, 20, 23, 59, 59), actor="申报人")
    assert ok.done == [early]
    refused = act(services.submit, cycle, [late], now=bj(2024, 10, 21, 0, 0, 0), actor="申报人")
    assert refused.done == []
    assert "2024年10月20日24:00（北京时间）" in refused.refused[late]
    assert refused.refusals[late].code == RefusalCode.closed
    assert status_of(late) == "draft"
    assert audit(late) == []


def test_submission_before_the_window_opens_is_refused() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    outcome = act(services.submit, cycle, [app], now=bj(2024, 9, 10, 23, 0), actor="申报人")
    assert "尚未开始" in outcome.refused[app]
    assert outcome.refusals[app].code == RefusalCode.not_open


def test_submitted_at_keeps_the_first_submission() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    act(services.submit, cycle, [app], now=bj(2024, 10, 1, 9), actor="申报人")
    act(
        services.return_for_changes,
        cycle,
        [app],
        now=bj(2024, 10, 2, 9),
        actor="单位",
        reason="补充材料",
    )
    act(services.resubmit, cycle, [app], now=bj(2024, 10, 3, 9), actor="申报人")
    with session_scope() as session:
        row = session.get(Application, app)
        assert row.submitted_at == bj(2024, 10, 1, 9)
        assert row.status == "unit_review"


def test_resubmission_stays_open_until_the_returning_levels_deadline() -> None:
    cycle = stored_cycle()
    app, other = drafts(cycle, 2)
    act(services.submit, cycle, [app, other], now=bj(2024, 10, 20, 12), actor="申报人")
    act(
        services.return_for_changes,
        cycle,
        [app, other],
        now=bj(2024, 10, 25, 9),
        actor="单位",
        reason="补充论文",
    )
    after_declaration = act(
        services.resubmit, cycle, [app], now=bj(2024, 10, 28, 9), actor="申报人"
    )
    assert after_declaration.done == [app]
    too_late = act(services.resubmit, cycle, [other], now=bj(2024, 11, 1, 0, 0), actor="申报人")
    assert "2024年10月31日24:00" in too_late.refused[other]


def test_the_fourth_return_is_refused_and_locks_the_materials() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    act(services.submit, cycle, [app], now=bj(2024, 9, 20, 9), actor="申报人")
    for day in (21, 23, 25):
        out = act(
            services.return_for_changes,
            cycle,
            [app],
            now=bj(2024, 9, day, 9),
            actor="单位",
            reason="一次性修改意见",
        )
        assert out.done == [app]
        act(services.resubmit, cycle, [app], now=bj(2024, 9, day + 1, 9), actor="申报人")
    fourth = act(
        services.return_for_changes,
        cycle,
        [app],
        now=bj(2024, 9, 28, 9),
        actor="单位",
        reason="再改",
    )
    assert "上限 3 次" in fourth.refused[app]
    assert fourth.refusals[app].code == RefusalCode.return_limit
    with session_scope() as session:
        row = session.get(Application, app)
        assert (row.return_count, row.locked, row.status) == (3, True, "unit_review")
    assert audit(app)[-1] == ("lock", "unit_review", "unit_review")
    assert act(services.recommend, cycle, [app], now=bj(2024, 9, 29, 9), actor="单位").done == [app]


def test_one_resubmission_serves_both_levels_and_refuses_the_rest_by_code() -> None:
    cycle = stored_cycle()
    by_unit, by_department, draft = drafts(cycle, 3)
    act(services.submit, cycle, [by_unit, by_department], now=bj(2024, 10, 1, 9), actor="申报人")
    with session_scope() as session:
        session.get(Application, by_department).status = "department_review"
    act(
        services.return_for_changes,
        cycle,
        [by_unit, by_department],
        now=bj(2024, 10, 25, 9),
        actor="审核人",
        reason="补充论文",
    )
    missing = 987654321
    out = act(
        services.resubmit,
        cycle,
        [draft, by_department, missing, by_unit],
        now=bj(2024, 10, 28, 9),
        actor="申报人",
    )
    assert sorted(out.done) == sorted([by_unit, by_department])
    assert (status_of(by_unit), status_of(by_department)) == ("unit_review", "department_review")
    assert [(i, r.code) for i, r in out.refusals.items()] == [
        (draft, RefusalCode.wrong_status),
        (missing, RefusalCode.no_application),
    ]


def test_every_code_a_refusal_is_raised_with_is_a_known_one() -> None:
    """A code given as text must name a ``RefusalCode``: found here, not as a crash in place of
    the refusal the day that path runs."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    packages = ["calendars", "models", "rules", "tasks", "flows", "simulation"]
    packages += ["notifications", "outputs", "zhicheng", "dashboard"]
    unknown = []
    for package in packages:
        for path in (root / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Refused")):
                    continue
                code = node.args[1] if len(node.args) > 1 else None
                code = next((k.value for k in node.keywords if k.arg == "code"), code)
                if isinstance(code, ast.Constant) and code.value not in set(RefusalCode):
                    unknown.append(f"{path.relative_to(root)}:{node.lineno} {code.value}")
    assert unknown == []


def test_a_return_needs_the_changes_written_down() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    act(services.submit, cycle, [app], now=bj(2024, 9, 20, 9), actor="申报人")
    out = act(
        services.return_for_changes, cycle, [app], now=bj(2024, 9, 21), actor="单位", reason=" "
    )
    assert "一次性写明" in out.refused[app]
    assert out.refusals[app].code == RefusalCode.reason_required


def test_only_allowed_transitions_happen() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    for call, kwargs, code in [
        (services.recommend, {}, RefusalCode.wrong_status),
        (services.forward, {}, RefusalCode.wrong_status),
        (services.resubmit, {}, RefusalCode.wrong_status),
        # Before the committee review phase the closed window speaks first.
        (services.record_result, {"passed": True}, RefusalCode.not_open),
    ]:
        out = act(call, cycle, [app], now=bj(2024, 10, 1, 9), actor="某人", **kwargs)
        assert out.done == [] and app in out.refused, call.__name__
        assert out.refusals[app].code == code, call.__name__
    assert status_of(app) == "draft"
    assert audit(app) == []


def test_an_unknown_application_is_refused_by_name() -> None:
    cycle = stored_cycle()
    out = act(services.submit, cycle, [987654321], now=bj(2024, 10, 1), actor="申报人")
    assert "987654321" in out.refused[987654321]
    assert out.refusals[987654321].code == RefusalCode.no_application


def test_the_whole_path_writes_one_audit_row_per_transition() -> None:
    from models.context import CycleContext
    from tasks.sweeps import close_unit_publicity, issue_after_publicity, open_unit_publicity

    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    act(services.submit, cycle, [app], now=bj(2024, 9, 20, 9), actor="申报人")
    act(services.open_review, cycle, [app], now=bj(2024, 9, 21, 9), actor="单位")
    act(services.recommend, cycle, [app], now=bj(2024, 9, 22, 9), actor="单位")
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        assert open_unit_publicity(session, ctx, bj(2024, 9, 23, 0, 30)) == 1
        # Monday 9/23 + 5 working days: publicity runs to Friday 9/27 24:00.
        assert close_unit_publicity(session, ctx, bj(2024, 9, 27, 23, 0)) == 0
        assert close_unit_publicity(session, ctx, bj(2024, 9, 28, 0, 30)) == 1
    # 004 三(三): the unit's publicity report first (a record, not a transition).
    act(
        services.record_document,
        cycle,
        [app],
        services.DocumentKind.publicity_report,
        now=bj(2024, 9, 29, 9),
        actor="单位",
        reference="公示无异议",
    )
    act(services.forward, cycle, [app], now=bj(2024, 10, 8, 9), actor="主管部门")
    act(services.record_result, cycle, [app], passed=True, now=bj(2024, 11, 20, 10), actor="评委会")
    with session_scope() as session:
        ctx = CycleContext.load(session, cycle)
        assert issue_after_publicity(session, ctx, bj(2024, 11, 25, 12)) == 0
        assert issue_after_publicity(session, ctx, bj(2024, 11, 26, 0, 30)) == 1
    assert [a[0] for a in audit(app)] == [
        "submit",
        "open_review",
        "recommend",
        "start_unit_publicity",
        "finish_unit_publicity",
        "forward",
        "pass",
        "issue",
    ]
    chain = audit(app)
    assert all(chain[i][2] == chain[i + 1][1] for i in range(len(chain) - 1))
    assert status_of(app) == "issued"


def test_a_committee_records_only_inside_its_window() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    with session_scope() as session:
        session.get(Application, app).status = "committee_review"
    out = act(
        services.record_result, cycle, [app], passed=True, now=bj(2024, 12, 15, 10), actor="评委会"
    )
    assert "评审时间" in out.refused[app] and "2024年12月10日24:00" in out.refused[app]
    assert out.refusals[app].code == RefusalCode.closed


def test_objection_upheld_revokes_and_dismissed_returns_to_publicity() -> None:
    cycle = stored_cycle()
    upheld, dismissed = drafts(cycle, 2)
    with session_scope() as session:
        for app in (upheld, dismissed):
            session.get(Application, app).status = "committee_review"
    act(
        services.record_result,
        cycle,
        [upheld, dismissed],
        passed=True,
        now=bj(2024, 11, 20, 10),
        actor="评委会",
    )
    after = act(
        services.object_to,
        cycle,
        [upheld],
        now=bj(2024, 11, 26, 0, 0),
        actor="群众",
        reason="业绩造假",
    )
    assert "已于" in after.refused[upheld]  # publicity ended 11/25 24:00
    assert after.refusals[upheld].code == RefusalCode.publicity_ended
    act(
        services.object_to,
        cycle,
        [upheld, dismissed],
        now=bj(2024, 11, 22, 9),
        actor="群众",
        reason="业绩造假",
    )
    with session_scope() as session:
        assert session.get(Application, upheld).objection_due == bj(2024, 12, 22, 9)
    act(
        services.decide_objection,
        cycle,
        [upheld],
        upheld=True,
        now=bj(2024, 12, 1),
        actor="组建单位",
        reason="属实",
    )
    act(
        services.decide_objection,
        cycle,
        [dismissed],
        upheld=False,
        now=bj(2024, 12, 1),
        actor="组建单位",
        reason="不属实",
    )
    assert (status_of(upheld), status_of(dismissed)) == ("revoked", "result_publicity")


def set_facts(app_id: int, facts: dict) -> None:
    with session_scope() as session:
        session.get(Application, app_id).facts = facts


def test_eligibility_is_checked_at_declaration() -> None:
    cycle = stored_cycle()
    clean, official, garbled = drafts(cycle, 3)
    set_facts(official, {"civil_servant": True})
    set_facts(garbled, {"salary": 3000})
    out = act(
        services.submit, cycle, [clean, official, garbled], now=bj(2024, 10, 1, 9), actor="申报人"
    )
    assert out.done == [clean]
    assert out.refused[official].startswith("不符合申报条件：公务员")
    assert "不认识的申报事项：salary" in out.refused[garbled]
    codes = {i: r.code for i, r in out.refusals.items()}
    assert codes == {official: RefusalCode.ineligible, garbled: RefusalCode.bad_facts}
    assert status_of(official) == "draft"


def test_eligibility_is_checked_again_at_unit_review() -> None:
    cycle = stored_cycle()
    fine, summoned = drafts(cycle, 2)
    act(services.submit, cycle, [fine, summoned], now=bj(2024, 10, 1, 9), actor="申报人")
    set_facts(summoned, {"summoned_or_under_review": True})  # learned after the declaration
    out = act(services.open_review, cycle, [fine, summoned], now=bj(2024, 10, 2, 9), actor="单位")
    assert out.done == [fine]
    assert (status_of(fine), status_of(summoned)) == ("unit_review", "refused")
    assert audit(summoned)[-1] == ("refuse", "submitted", "refused")
    with session_scope() as session:
        reason = session.execute(
            select(AuditEvent.reason).where(
                AuditEvent.application_id == summoned, AuditEvent.action == "refuse"
            )
        ).scalar_one()
    assert "约谈或审查" in reason


def test_last_years_failure_without_new_achievement_follows_the_person() -> None:
    cycle = stored_cycle()
    (app,) = drafts(cycle, 1)
    with session_scope() as session:
        this_year = session.get(Application, app)
        last = Application(
            cycle_id=cycle,
            year=2023,
            person_id=this_year.person_id,
            unit_id=this_year.unit_id,
            committee_id=this_year.committee_id,
            city_code="620200",
            status="failed",
            created_at=bj(2023, 9, 1),
            updated_at=bj(2023, 12, 20),
        )
        session.add(last)
    refused = act(services.submit, cycle, [app], now=bj(2024, 10, 1, 9), actor="申报人")
    assert "上年度评审未通过" in refused.refused[app]
    set_facts(app, {"new_achievement_since_last_year": True})
    assert act(services.submit, cycle, [app], now=bj(2024, 10, 1, 9), actor="申报人").done == [app]
