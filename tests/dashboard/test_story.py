"""A phase's story on the shared simulated cycle: each curve's points are the counts an
auditor gets from the exported audit trail, the forecast was stored at exactly the schedule's
reminder instants, and the page shows the curve, the forecast while the phase is open and the
forecasts against what happened after it — within the viewer's scope only."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import true
from sqlmodel import col, select

from dashboard.app import create_app
from dashboard.scope import org_filter
from dashboard.story import STORIES, curve, population
from models.db import session_scope
from models.forecast import WINDOW, forecast_as_of, stored_evaluations
from models.org import Organisation
from models.outbox import Escalation
from models.plans import stored_plan
from tasks.sweeps import reminder_instants
from tests.conftest import exported
from tests.dashboard.conftest import Clocked, _once, token
from tests.factories import bj

AFTER = bj(2025, 1, 10, 10)
DURING = bj(2024, 10, 17, 10)  # declaration open, after its 10/17 09:00 reminder


def _hourly(firsts: list[dt.datetime]) -> list[tuple[dt.datetime, int]]:
    """Cumulative counts at the end of each hour in which some came, computed here."""
    by_hour = Counter(int(t.timestamp()) // 3600 for t in firsts)
    out, total = [], 0
    for hour in sorted(by_hour):
        total += by_hour[hour]
        out.append((dt.datetime.fromtimestamp((hour + 1) * 3600, dt.UTC), total))
    return out


def _firsts(audit: list[dict], actions: tuple[str, ...], apps: set[int]) -> list[dt.datetime]:
    first: dict[int, dt.datetime] = {}
    for row in audit:
        if row["action"] in actions and row["application_id"] in apps:
            at = dt.datetime.fromisoformat(row["at"])
            if row["application_id"] not in first or at < first[row["application_id"]]:
                first[row["application_id"]] = at
    return list(first.values())


def _city(name: str) -> Organisation:
    with session_scope() as session:
        found = session.exec(select(Organisation).where(Organisation.name == name)).first()
        assert found is not None
        return found


def test_each_curve_is_the_audit_trail_counted_by_the_hour(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    audit = exported("audit", cycle_id)
    apps = exported("applications", cycle_id)
    city_name = Counter(a["city"] for a in apps).most_common(1)[0][0]
    city = _city(city_name)
    everyone = {a["id"] for a in apps}
    in_city = {a["id"] for a in apps if a["city"] == city_name}
    assert 0 < len(in_city) < len(everyone)
    with session_scope() as session:
        for story in STORIES:
            whole = curve(session, cycle_id, story.actions, true())
            assert whole == _hourly(_firsts(audit, story.actions, everyone)), story.key
            assert whole, story.key
            scoped = org_filter(city.kind, city.id, city.path)
            assert curve(session, cycle_id, story.actions, scoped) == _hourly(
                _firsts(audit, story.actions, in_city)
            )
            # as of an instant: only what came by then
            cut = whole[len(whole) // 2][0]
            firsts = [t for t in _firsts(audit, story.actions, everyone) if t <= cut]
            assert curve(session, cycle_id, story.actions, true(), until=cut) == _hourly(firsts)
        entered = {r["application_id"] for r in audit if r["action"] == "submit"}
        assert population(session, cycle_id, ("submit",), true()) == len(entered)
        assert population(session, cycle_id, None, true()) == len(everyone)


def test_the_forecast_was_stored_at_the_reminder_instants(sim: dict) -> None:
    cycle_id = sim["report"].cycle_id
    with session_scope() as session:
        _, plan = stored_plan(session, cycle_id)
        instants = reminder_instants(plan)
        stored = stored_evaluations(session, cycle_id)
        assert instants["declaration"] and instants["unit_review"]
        for phase in ("declaration", "unit_review"):
            assert [e.at for e in stored if e.phase == phase] == instants[phase]
        # each as it stood then: recomputed now from the audit trail, the same projection
        latest = stored[-1]
        again, _ = forecast_as_of(session, cycle_id, latest.phase, latest.at, WINDOW)
        assert latest.projected == pytest.approx(again.projected, abs=1e-3)
        assert latest.waiting == again.waiting
        early = session.exec(
            select(Escalation).where(Escalation.cycle_id == cycle_id, Escalation.by == "forecast")
        ).all()
    assert early == []  # forecast_escalation_share is null in jiayuguan-2024


@pytest.fixture
def after(sim: dict, root_account: str) -> Iterator[TestClient]:
    with TestClient(create_app(clock=Clocked(AFTER))) as c:
        yield c


@pytest.fixture
def during(sim: dict, root_account: str) -> Iterator[TestClient]:
    with TestClient(create_app(clock=Clocked(DURING))) as c:
        yield c


def _province(client: TestClient, root: str) -> dict[str, str]:
    return token(client, _once("sim-province-viewer", by=root, org="620000", role="viewer"))


def test_after_the_deadline_the_page_sets_each_forecast_against_what_happened(
    sim: dict, after: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    headers = _province(after, root_account)
    overview = after.get(f"/cycles/{cycle_id}/org/620000", headers=headers).text
    assert f'href="/cycles/{cycle_id}/story?scope=620000"' in overview
    page = after.get(f"/cycles/{cycle_id}/story?phase=declaration&scope=620000", headers=headers)
    assert page.status_code == 200
    text = page.text
    assert 'data-testid="story-curve"' in text and 'data-testid="story-deadline"' in text
    assert "<script" not in text and " style=" not in text  # the CSP allows neither
    apps = exported("applications", cycle_id)
    submitted = sum(1 for a in apps if a["submitted_at"])
    assert re.search(r'data-testid="story-done">(\d+)<', text).group(1) == str(submitted)
    assert 'data-testid="story-forecast"' not in text  # closed: nothing left to forecast
    table = text[text.index('data-testid="hindsight"') :]
    rows = re.findall(r"<tr><td>[^<]+</td><td class=\"n\">([\d.]+)</td>", table)
    with session_scope() as session:
        stored = stored_evaluations(session, cycle_id, "declaration")
    assert len(rows) == len(stored) == 4
    expired = sum(1 for a in apps if a["status"] == "expired")
    actual = re.findall(
        r'<td class="n">([\d.]+)</td><td class="n">([\d.]+)</td><td class="n">(\d+)</td></tr>',
        table,
    )
    assert {int(float(row[0])) for row in actual} == {expired}


def test_while_open_the_page_shows_the_forecast_as_it_stood(
    sim: dict, during: TestClient, root_account: str
) -> None:
    cycle_id = sim["report"].cycle_id
    headers = _province(during, root_account)
    page = during.get(f"/cycles/{cycle_id}/story?phase=declaration", headers=headers)
    assert page.status_code == 200
    assert 'data-testid="story-forecast"' in page.text
    shown = re.search(r'data-testid="forecast-total">(\d+)<', page.text)
    with session_scope() as session:
        expected, _ = forecast_as_of(session, cycle_id, "declaration", DURING, WINDOW)
    assert shown is not None and int(shown.group(1)) == round(expected.projected)
    # the evaluations stored so far (10/13 and 10/17 09:00), not the later ones
    assert page.text.count("2024-10-1") >= 2 and "2024-10-19 09:00" not in page.text


def test_a_city_sees_its_own_story_only(sim: dict, after: TestClient, root_account: str) -> None:
    cycle_id = sim["report"].cycle_id
    apps = exported("applications", cycle_id)
    city_name = Counter(a["city"] for a in apps).most_common(1)[0][0]
    city = _city(city_name)
    user = _once(f"sim-city-{city.code}", by=root_account, org=city.code, role="viewer")
    headers = token(after, user)
    own = after.get(f"/cycles/{cycle_id}/story?phase=unit_review", headers=headers)
    assert own.status_code == 200
    in_city = [a for a in apps if a["city"] == city_name]
    assert re.search(r'data-testid="story-total">(\d+)<', own.text).group(1) == str(
        sum(1 for a in in_city if a["submitted_at"])
    )
    province = after.get(f"/cycles/{cycle_id}/story?scope=620000", headers=headers)
    assert province.status_code == 403
    with session_scope() as session:
        other = session.exec(
            select(Organisation.code).where(
                Organisation.kind == "city", col(Organisation.code) != city.code
            )
        ).first()
    if other is not None:
        assert (
            after.get(f"/cycles/{cycle_id}/story?scope={other}", headers=headers).status_code == 403
        )


def test_an_earlier_instant_shows_the_story_as_it_stood(
    sim: dict, after: TestClient, root_account: str
) -> None:
    """The pages' time control (?as_of=, Beijing time): the same page as on 10/17 10:00."""
    cycle_id = sim["report"].cycle_id
    headers = _province(after, root_account)
    page = after.get(
        f"/cycles/{cycle_id}/story?phase=declaration&as_of=2024-10-17T10:00:00", headers=headers
    )
    assert page.status_code == 200
    shown = re.search(r'data-testid="forecast-total">(\d+)<', page.text)
    with session_scope() as session:
        expected, _ = forecast_as_of(session, cycle_id, "declaration", DURING, WINDOW)
    assert shown is not None and int(shown.group(1)) == round(expected.projected)
    assert 'data-testid="as-of"' in page.text  # the banner: a page of the past
    # the time control keeps the phase and the scope (hidden fields), and so does "back to now"
    scoped = after.get(
        f"/cycles/{cycle_id}/story?phase=unit_review&scope=620000&as_of=2024-10-17T10:00:00",
        headers=headers,
    )
    form = scoped.text.split('data-testid="as-of-form"')[1].split("</form>")[0]
    assert '<input type="hidden" name="phase" value="unit_review">' in form
    assert '<input type="hidden" name="scope" value="620000">' in form
    assert 'href="?phase=unit_review&amp;scope=620000" data-testid="as-of-now"' in form
    later = after.get(f"/cycles/{cycle_id}/story?as_of=2030-01-01T00:00:00", headers=headers)
    assert later.status_code == 400
