"""The village quota (001 三(二)): in series with village units, at least the policy's share
(30 %) of senior titles go to village-unit talent. A warning, never a block: recommending and
recording results go ahead, and the outcome says, per committee and series, where the share
falls short — at 29 of 100, not at 30 of 100."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from models import services
from models.application import Application
from models.db import session_scope
from tests.factories import bj, drafts, stored_cycle

pytestmark = pytest.mark.usefixtures("db")

SENIOR = "jyg-ws-gj"  # 嘉峪关市卫生系列高级职称评审委员会; Jiayuguan 2024 inherits 0.30


def _declared(village: int, total: int = 100) -> tuple[str, list[int]]:
    cycle = stored_cycle()
    apps = drafts(cycle, total, committee_key=SENIOR)
    with session_scope() as session:
        session.execute(
            update(Application)
            .where(col(Application.id).in_(apps[:village]))
            .values(facts={"village_unit": True})
        )
    return cycle, apps


def _recommend(cycle: str, apps: list[int]) -> services.Outcome:
    with session_scope() as session:
        for call, at in (
            (services.submit, bj(2024, 9, 20, 9)),
            (services.open_review, bj(2024, 9, 21, 9)),
        ):
            assert sorted(call(session, cycle, apps, now=at, actor="单位").done) == apps
        return services.recommend(session, cycle, apps, now=bj(2024, 9, 22, 9), actor="单位")


@pytest.mark.parametrize(("village", "short"), [(29, True), (30, False)])
def test_recommendation_warns_below_the_quota_and_goes_ahead(village: int, short: bool) -> None:
    cycle, apps = _declared(village)
    outcome = _recommend(cycle, apps)
    assert sorted(outcome.done) == apps  # a warning, not a block
    warned = [w for w in outcome.warnings if "嘉峪关市卫生系列高级职称评审委员会" in w]
    assert bool(warned) is short
    if short:
        assert f"{village}/100" in warned[0] and "30%" in warned[0]


@pytest.mark.parametrize(("village", "short"), [(29, True), (30, False)])
def test_the_result_warns_on_the_titles_passed(village: int, short: bool) -> None:
    cycle, apps = _declared(village)
    with session_scope() as session:
        session.execute(
            update(Application)
            .where(col(Application.id).in_(apps))
            .values(status="committee_review")
        )
        outcome = services.record_result(
            session, cycle, apps, passed=True, now=bj(2024, 11, 20, 10), actor="评委会"
        )
    assert sorted(outcome.done) == apps
    assert bool(outcome.warnings) is short
    if short:
        assert f"{village}/100" in outcome.warnings[0]


def test_a_series_without_village_units_is_not_held_to_the_quota() -> None:
    """The quota is for "有乡村单位的系列（专业）": with no applicant from a village unit the
    series has none, and nothing is flagged; one village applicant who is not recommended
    makes it such a series, and then 0 of 99 falls short."""
    cycle, apps = _declared(0)
    assert _recommend(cycle, apps).warnings == []
    cycle, apps = _declared(1)
    outcome = _recommend(cycle, apps[1:])
    assert [w for w in outcome.warnings if "0/99" in w], outcome.warnings
