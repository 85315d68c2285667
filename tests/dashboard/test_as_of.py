"""Figures as of any instant (issue 17 item 1), on the session's seeded simulated cycle: what
the dashboard shows at an instant is what the exported audit trail says then, replayed here
in Python independently of the SQL that computes it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from dashboard import figures
from dashboard.app import create_app
from models.asof import AsOf
from models.cycle import Committee, Cycle, Phase
from models.db import read_scope
from models.states import FINAL, Status
from tests.conftest import exported
from tests.dashboard.conftest import Clocked, _once, token
from tests.factories import bj, province_viewer

AFTER = bj(2025, 1, 10, 10)  # past the cycle's end: the clock of "today"
DECLARATION_DAY_END = bj(2024, 10, 20, 23)
RESULTS = {
    Status.result_publicity.value,
    Status.objection.value,
    Status.issued.value,
    Status.failed.value,
    Status.revoked.value,
}


def _instant(text: str) -> dt.datetime:
    parsed = pendulum.parse(text)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed


def replay(audit: list[dict[str, Any]], at: dt.datetime) -> dict[int, str]:
    """Each application's status at ``at`` from the exported audit rows (no SQL)."""
    status: dict[int, str] = {}
    for row in sorted(audit, key=lambda r: (_instant(r["at"]), r["id"])):
        if _instant(row["at"]) <= at:
            status[row["application_id"]] = row["to_status"]
    return status


def _overview(cycle_id: str, at: dt.datetime, *, trail: bool = False) -> Any:
    with read_scope() as session:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        viewer, province = province_viewer(session)
        return figures.overview(session, cycle, viewer, province, at, trail=trail)


def _counts(data: Any) -> dict[str, int]:
    return {s.status: s.count for s in data.statuses}


def _phase_start(cycle_id: str, key: str) -> dt.datetime:
    with read_scope() as session:
        phase = session.exec(
            select(Phase).where(Phase.cycle_id == cycle_id, Phase.key == key)
        ).one()
        assert phase.start is not None
        return phase.start


def test_just_before_the_declaration_opens_nothing_is_beyond_draft(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    before = _phase_start(cycle_id, "declaration") - dt.timedelta(seconds=1)
    data = _overview(cycle_id, before)
    assert set(_counts(data)) <= {Status.draft.value}
    assert all(p.through == 0 for p in data.phases if p.key != "prep")
    assert data.escalations == [] and all(c.escalations == 0 for c in data.children)
    assert all(c.issued == 0 for c in data.children)


def test_on_the_declaration_day_beyond_draft_is_what_was_submitted_by_then(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    audit = exported("audit", cycle_id)
    first_submission = {}
    for row in audit:
        if row["action"] == "submit":
            at = _instant(row["at"])
            first_submission[row["application_id"]] = min(
                at, first_submission.get(row["application_id"], at)
            )
    submitted = sum(at <= DECLARATION_DAY_END for at in first_submission.values())
    assert 0 < submitted < len(exported("applications", cycle_id))
    data = _overview(cycle_id, DECLARATION_DAY_END)
    counts = _counts(data)
    assert data.total - counts.get(Status.draft.value, 0) == submitted
    # and status by status, as the audit trail replayed here says
    replayed = Counter(replay(audit, DECLARATION_DAY_END).values())
    assert {k: v for k, v in counts.items() if k != "draft"} == {
        k: v for k, v in replayed.items() if k != "draft"
    }
    declaration = next(p for p in data.phases if p.key == "declaration")
    assert declaration.state == "进行中" and declaration.through == submitted
    assert declaration.percent < 100


def test_no_result_appears_before_any_committee_met(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    with read_scope() as session:
        days = session.exec(
            select(col(Committee.meeting)).where(Committee.cycle_id == cycle_id)
        ).all()
    first_day = min(d for d in days if d is not None)
    before = bj(first_day.year, first_day.month, first_day.day)  # 00:00 of the first meeting
    data = _overview(cycle_id, before)
    assert not RESULTS & set(_counts(data))
    assert all(c.issued == 0 for c in data.children)
    with read_scope() as session:
        viewer, _ = province_viewer(session)
        rows = figures.committees(session, cycle_id, viewer, before)
    assert rows and all(r.passed == 0 and r.failed == 0 for r in rows)
    # while afterwards there are results, as the audit trail says
    audit = exported("audit", cycle_id)
    assert RESULTS & set(replay(audit, AFTER).values())
    assert not RESULTS & set(replay(audit, before).values())


def test_phase_progress_is_that_of_the_instant(sim: dict) -> None:
    """The issue's example: on 10/30 10:00 unit review is under way and not all done, and
    committee review has not started and is not done either."""
    cycle_id = sim["report"].cycle_id
    phases = {p.key: p for p in _overview(cycle_id, bj(2024, 10, 30, 10)).phases}
    assert phases["unit_review"].state == "进行中" and phases["unit_review"].percent < 100
    assert phases["committee_review"].state == "未开始"
    assert phases["committee_review"].percent < 100
    # what a not-yet-started committee review counts as through it is only what left the
    # workflow before it (missed declarations, withdrawals, refusals): no verdict
    left = sum(
        n for s, n in _counts(_overview(cycle_id, bj(2024, 10, 30, 10))).items() if s in FINAL
    )
    assert phases["committee_review"].through == left


def test_as_of_the_end_the_figures_are_todays(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    today = _overview(cycle_id, AFTER)
    rebuilt = _overview(cycle_id, AFTER, trail=True)
    assert rebuilt.model_dump() == today.model_dump()
    assert today.messages == Counter(m["status"] for m in exported("messages", cycle_id))
    assert _counts(today) == Counter(a["status"] for a in exported("applications", cycle_id))
    with read_scope() as session:
        viewer, _ = province_viewer(session)
        assert figures.committees(session, cycle_id, viewer, AFTER, trail=True) == (
            figures.committees(session, cycle_id, viewer, AFTER)
        )


def test_at_every_week_the_counts_are_the_trails(sim: dict) -> None:
    """Weekly through the cycle: per status at the province, and per city."""
    cycle_id = sim["report"].cycle_id
    audit = exported("audit", cycle_id)
    apps = {a["id"]: a for a in exported("applications", cycle_id)}
    at = _phase_start(cycle_id, "declaration")
    while at < AFTER:
        data = _overview(cycle_id, at)
        then = replay(audit, at)
        expected = Counter(then.values())
        assert {k: v for k, v in _counts(data).items() if k != "draft"} == {
            k: v for k, v in expected.items() if k != "draft"
        }, at
        issued = Counter(apps[i]["city"] for i, s in then.items() if s == "issued")
        assert {c.name: c.issued for c in data.children if c.issued} == issued, at
        at += dt.timedelta(days=7)


def test_exports_as_of_an_instant(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    at = bj(2024, 11, 5, 12)
    audit = exported("audit", cycle_id)
    then = replay(audit, at)
    apps = exported_at("applications", cycle_id, at)
    assert {a["id"]: a["status"] for a in apps if a["status"] != "draft"} == {
        i: s for i, s in then.items() if s != "draft"
    }
    assert all(_instant(a["submitted_at"]) <= at for a in apps if a["submitted_at"])
    returns = Counter(
        r["application_id"]
        for r in audit
        if r["action"] == "return" and _instant(r["at"]) <= at and r["to_status"] == "returned"
    )
    assert {a["id"]: a["return_count"] for a in apps if a["return_count"]} == dict(returns)
    assert exported_at("audit", cycle_id, at) == [r for r in audit if _instant(r["at"]) <= at]
    messages = exported_at("messages", cycle_id, at)
    assert all(m["sent_at"] is None or _instant(m["sent_at"]) <= at for m in messages)
    assert {m["status"] for m in messages} <= {"sent", "failed", "pending", "expired", "no_channel"}
    assert Counter(m["status"] for m in messages) == _overview(cycle_id, at).messages
    every = exported("escalations", cycle_id)
    times = sorted({_instant(e["at"]) for e in every})
    assert len(times) > 1
    middle = times[len(times) // 2 - 1]
    escalations = exported_at("escalations", cycle_id, middle)
    assert escalations == [e for e in every if _instant(e["at"]) <= middle]
    assert 0 < len(escalations) < len(every)


def exported_at(kind: str, cycle_id: str, at: dt.datetime) -> list[dict]:
    import io
    import json

    from zhicheng import export

    out = io.StringIO()
    export.write(kind, cycle_id, "json", out, at)
    return list(json.loads(out.getvalue()))


# --- the pages' time control ---


@pytest.fixture
def after_client(sim: dict, root_account: str) -> Iterator[TestClient]:
    with TestClient(create_app(clock=Clocked(AFTER))) as c:
        yield c


def test_the_page_as_of_an_instant_and_bad_instants(
    sim: dict, after_client: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    headers = token(
        after_client, _once("asof-viewer", by=root_account, org="620000", role="viewer")
    )
    page = after_client.get(
        f"/cycles/{cycle_id}/org/620000?as_of=2024-10-20T23:00", headers=headers
    )
    assert page.status_code == 200
    assert 'data-testid="as-of"' in page.text and 'value="2024-10-20T23:00"' in page.text
    then = Counter(replay(exported("audit", cycle_id), DECLARATION_DAY_END).values())
    for status, n in then.items():
        if status != "draft":
            assert f'<tr data-status="{status}"><td>' in page.text
            assert f'<td class="n">{n}</td></tr>' in page.text
    # links down keep the instant
    assert "?as_of=2024-10-20T23%3A00" in page.text
    for bad, says in (
        ("2024-13-40T25:00", "不是有效的日期时间"),
        ("yesterday", "格式错误"),
        ("2025-06-01T10:00", "晚于现在"),
    ):
        answer = after_client.get(f"/cycles/{cycle_id}/org/620000?as_of={bad}", headers=headers)
        assert answer.status_code == 400 and says in answer.text, bad
    committees = after_client.get(
        f"/cycles/{cycle_id}/committees?as_of=2024-11-01T00:00", headers=headers
    )
    assert committees.status_code == 200 and 'data-testid="as-of"' in committees.text
    filing = after_client.get(f"/cycles/{cycle_id}/filing?as_of=2024-09-01T00:00", headers=headers)
    assert filing.status_code == 200 and "已按时备案" not in filing.text


def test_one_pass_over_the_trail_and_the_probes_agree(
    sim: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wide page (from figures.WIDE_FROM applications) reads its statuses by one pass over
    the trail — from the start (each application's last event up to the instant) or from the
    end (its first event after it) — a small one by a probe per application: weekly, early
    and late instants alike, all three give the same page."""
    cycle_id = sim["report"].cycle_id
    at = _phase_start(cycle_id, "declaration")
    chosen: set[bool] = set()
    while at < AFTER:
        monkeypatch.setattr(figures, "WIDE_FROM", 10**9)
        probed = _overview(cycle_id, at).model_dump()
        with read_scope() as session:
            viewer, _ = province_viewer(session)
            probed_committees = figures.committees(session, cycle_id, viewer, at)
            chosen.add(AsOf(session, cycle_id, at, trail=True).from_the_end())
        monkeypatch.setattr(figures, "WIDE_FROM", 1)
        for from_the_end in (False, True):
            monkeypatch.setattr(AsOf, "from_the_end", lambda self, e=from_the_end: e)
            assert _overview(cycle_id, at).model_dump() == probed, (at, from_the_end)
            with read_scope() as session:
                assert figures.committees(session, cycle_id, viewer, at) == probed_committees, (
                    at,
                    from_the_end,
                )
        monkeypatch.undo()
        at += dt.timedelta(days=7)
    assert chosen == {False, True}  # the instants lie on both sides of the trail's middle
