"""Small worlds for tests: a stored cycle, a unit, a committee and some drafts."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import uuid
from typing import Any

import pendulum
from sqlalchemy import insert, select
from sqlmodel import Session, col

from calendars.cyclefile import bundled_cycle
from calendars.planner import plan_file
from dashboard.scope import Viewer
from models.application import Application, ApplicationProfile, Person
from models.cycle import Committee
from models.db import session_scope
from models.org import Organisation
from models.profiles import replace_profiles
from models.settings import workday_calendar
from rules.idcard import make_id_number
from tasks.store import write_cycle

BJ = "Asia/Shanghai"


def bj(*args: int) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=BJ)


def stored_cycle(name: str = "jiayuguan-2024") -> str:
    """The bundled cycle stored under a fresh id, so tests never share one."""
    cycle_id = f"t-{name}-{uuid.uuid4().hex[:8]}"
    plan = plan_file(bundled_cycle(name), workday_calendar())
    with session_scope() as session:
        write_cycle(session, plan, now=bj(2024, 9, 1), by="测试", cycle_id=cycle_id)
    return cycle_id


def _org(session: Session, code: str, **values: Any) -> Organisation:
    found = session.execute(
        select(Organisation).where(col(Organisation.code) == code)
    ).scalar_one_or_none()
    if found is None:
        found = Organisation(code=code, **values)
        session.add(found)
        session.flush()
    return found


def unit_in_tree(
    tag: str | None = None, city_code: str = "620200", city_name: str = "嘉峪关市"
) -> int:
    """A unit under a department, in a city (Jiayuguan), in the province: the escalation path."""
    tag = tag or uuid.uuid4().hex[:8]
    with session_scope() as session:
        province = _org(
            session, "620000", name="甘肃省人力资源和社会保障厅", kind="province", path="620000"
        )
        city = _org(
            session,
            city_code,
            name=city_name,
            kind="city",
            parent_id=province.id,
            city_code=city_code,
            path=f"620000/{city_code}",
        )
        dept = _org(
            session,
            f"D-{tag}",
            name=f"{city_name}工信局{tag}",
            kind="department",
            parent_id=city.id,
            city_code=city_code,
            path=f"620000/{city_code}/D-{tag}",
        )
        unit = _org(
            session,
            f"U-{tag}",
            name=f"测试单位{tag}",
            kind="unit",
            parent_id=city.id,
            department_id=dept.id,
            city_code=city_code,
            path=f"620000/{city_code}/U-{tag}",
        )
        assert unit.id is not None
        return unit.id


# What a drill's cycle file says beyond its phases and notifications: no committees or filing,
# and every policy key the schema requires, null (no notice states it) but the return limit.
DRILL_POLICY = """\
committees: {}
push_months: []
filing_items: {}
policy:
  return_limit: 3
  unit_publicity_min_workdays: null
  result_publicity_min_days: null
  objection_investigation_months: null
  achievement_cutoff: null
  tenure_cutoff: null
  retirement_reference_day: null
  plagiarism: null
  expert_recommendation_min_approval: null
  integrity_bar_years: null
  village_senior_quota: null
  remote_village_years_intermediate: null
  remote_village_years_senior: null
  committees_finish_by: null
  series_transfer_min_years: null
"""


# Each person of drafts() once per test process: random numbers met again after a few thousand
# people in one session's database (a person's ID number is unique). A random start keeps
# runs apart from each other; the count walks 500 odd sequence numbers a day from there.
_PEOPLE = itertools.count(random.SystemRandom().randrange(9000 * 500 // 2))


def next_people(count: int) -> list[tuple[dt.date, int]]:
    """``count`` (birth, sequence number) pairs no earlier call of this process gave."""
    out = []
    for _ in range(count):
        k = next(_PEOPLE) % (9000 * 500)
        out.append((dt.date(1970, 1, 1) + dt.timedelta(days=k // 500), (k % 500) * 2 + 1))
    return out


def drafts(
    cycle_id: str,
    count: int,
    committee_key: str = "jyg-gc-zj",
    unit_id: int | None = None,
    created: dt.datetime | None = None,
) -> list[int]:
    """``count`` draft applications from one unit (a new one by default) to one committee,
    created at ``created`` (2024-09-01 by default)."""
    tag = uuid.uuid4().hex[:8]
    now = created or bj(2024, 9, 1)
    unit_id = unit_id or unit_in_tree(tag)
    with session_scope() as session:
        unit = session.get(Organisation, unit_id)
        assert unit is not None
        committee = session.execute(
            select(col(Committee.id)).where(
                col(Committee.cycle_id) == cycle_id, col(Committee.key) == committee_key
            )
        ).scalar_one()
        people = [  # odd sequence numbers: men, whose retirement age needs no further input
            {
                "id_number": make_id_number("620201", birth, seq),
                "name": f"测试{i}",
                "male": True,
                "birth": birth,
            }
            for i, (birth, seq) in enumerate(next_people(count))
        ]
        session.execute(insert(Person), people)
        rows = [
            {
                "cycle_id": cycle_id,
                "year": 2024,
                "person_id": p["id_number"],
                "unit_id": unit.id,
                "committee_id": committee,
                "city_code": "620200",
                "series": "工程",
                "status": "draft",
                "created_at": now,
                "updated_at": now,
                "return_count": 0,
                "locked": False,
            }
            for p in people
        ]
        session.execute(insert(Application), rows)
        ids = (
            session.execute(
                select(col(Application.id))
                .where(col(Application.unit_id) == unit.id)
                .order_by(col(Application.id))
            )
            .scalars()
            .all()
        )
    return list(ids)


def status_of(app_id: int) -> str:
    with session_scope() as session:
        application = session.get(Application, app_id)
        assert application is not None
        return application.status


def recommended(cycle: str, count: int) -> list[int]:
    """Applications recommended by their unit on 2024-09-29 (a 2024 provincial-style cycle):
    the sweep of 9/30 puts them on unit publicity."""
    from models import services
    from models.db import session_scope

    apps = drafts(cycle, count)
    with session_scope() as session:
        for call, at in (
            (services.submit, bj(2024, 9, 20, 9)),
            (services.open_review, bj(2024, 9, 21, 9)),
            (services.recommend, bj(2024, 9, 29, 9)),
        ):
            assert call(session, cycle, apps, now=at, actor="单位").done == apps
    return apps


def set_profiles(session: Session, ids: list[int], profile: dict[str, Any]) -> None:
    """These applications' summary sheets (stored beside them, models.profiles) set to
    ``profile``."""
    replace_profiles(session, dict.fromkeys(ids, profile))


def profile_of(session: Session, app_id: int) -> dict[str, Any] | None:
    """An application's stored summary sheet (None without one)."""
    stored = session.get(ApplicationProfile, app_id)
    return stored.profile if stored is not None else None


def province_viewer(session: Session) -> tuple[Viewer, Organisation]:
    """The province's organisation and a viewer account of it (no account row: the figures
    take the viewer as it is)."""
    province = session.execute(
        select(Organisation).where(col(Organisation.kind) == "province")
    ).scalar_one()
    viewer = Viewer(
        account_id=0,
        username="t",
        display_name="t",
        role="viewer",
        kind="province",
        org_id=province.id,
        org_code=province.code,
        org_path=province.path,
        committee_id=None,
        committee_cycle=None,
    )
    return viewer, province
