"""The simulated cycle's applications were routed as a real office's would be: each went to a
committee that may hear it, and each certificate names a title its committee may grant.
Checked twice — by the routing rule itself, and by a plain reading of the cycle file's
committee entries written here (region, series, specialty, level), so a fault in the rule
does not hide behind the rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from calendars.cyclefile import CommitteeSpec, bundled_cycle, load_cycle
from models.application import Application
from models.certificate import Certificate
from models.cycle import Committee
from models.db import engine, read_scope
from models.org import Organisation
from outputs.certificates import create_certificates
from rules.idcard import gansu_regions
from rules.routing import Applicant, committees_of, route
from tests.factories import bj

# What a committee's level lets it grant where the file states no ``grants`` (004 附件1: a
# 高评会 grants 正高级 and 副高级, a 中评会 中级).
GRANTS_OF_LEVEL = {"senior": {"正高级", "副高级"}, "intermediate": {"中级"}}
TITLE_LEVELS = ("正高级", "副高级", "中级", "初级")


@dataclass(frozen=True)
class Routed:
    id: int
    city: str
    series: str
    specialty: str
    level: str
    committee: str
    unit_city: str
    grassroots: bool
    names: frozenset[str]


def _routed(session: Session, cycle_id: str) -> list[Routed]:
    rows = session.execute(
        select(
            col(Application.id),
            col(Application.city_code),
            col(Application.series),
            col(Application.specialty),
            col(Application.level_sought),
            col(Committee.key),
            col(Organisation.path),
        )
        .join(Committee, col(Committee.id) == col(Application.committee_id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(col(Application.cycle_id) == cycle_id)
        .order_by(col(Application.id))
    ).all()
    codes = sorted({part for *_, path in rows for part in path.split("/")})
    names = dict(
        session.execute(
            select(col(Organisation.code), col(Organisation.name)).where(
                col(Organisation.code).in_(codes)
            )
        ).all()
    )
    county_level = {k.code for c in gansu_regions() for k in c.counties if k.county_level}
    out = []
    for app_id, city, series, specialty, level, key, path in rows:
        parts = path.split("/")
        out.append(
            Routed(
                app_id,
                city,
                series,
                specialty or "",
                level,
                key,
                parts[1],
                any(p in county_level for p in parts),
                frozenset(names[p] for p in parts if p in names),
            )
        )
    return out


@pytest.fixture
def cycle(sim: dict) -> Iterator[tuple[str, dict[str, CommitteeSpec], list[Routed]]]:
    cycle_id = sim["report"].cycle_id
    with read_scope() as session:
        routed = _routed(session, cycle_id)
    specs = load_cycle(bundled_cycle(sim["report"].source_cycle)).committees
    yield cycle_id, specs, routed


def test_every_application_went_to_a_committee_the_routing_rule_allows(cycle: Any) -> None:
    _, specs, routed = cycle
    committees = committees_of(specs)
    assert len(routed) >= 390
    for app in routed:
        applicant = Applicant(
            city=app.city,
            series=app.series,
            specialty=app.specialty,
            level=app.level,
            grassroots=app.grassroots,
            units=app.names,
        )
        assert route(applicant, committees, chosen=app.committee) == app.committee, app


def test_every_committee_fits_its_applications_city_series_specialty_and_level(
    cycle: Any,
) -> None:
    _, specs, routed = cycle
    for app in routed:
        spec = specs[app.committee]
        grants = set(spec.grants) if spec.grants is not None else GRANTS_OF_LEVEL[spec.level]
        assert app.city == app.unit_city, app  # the application's city is its unit's
        assert spec.series == app.series, (app, spec.name)
        assert spec.specialties == "all" or app.specialty in spec.specialties, (app, spec.name)
        assert app.level in grants, (app, spec.name)
        if spec.scope == "city":
            assert app.city == spec.region, (app, spec.name)
        else:
            assert app.city[:2] == spec.region[:2], (app, spec.name)
        if spec.scope == "grassroots":
            assert app.grassroots, (app, spec.name)
        if spec.scope == "self":
            assert app.names & set(spec.owners), (app, spec.name)


def test_the_cases_the_issue_names_do_not_occur_and_routing_had_choices_to_make(
    cycle: Any,
) -> None:
    """No 副高级 in a 中评会, no other city's applicant in Jiayuguan's own committees; and the
    province is varied enough for that to mean something."""
    _, specs, routed = cycle
    intermediate = [a for a in routed if specs[a.committee].level == "intermediate"]
    assert {a.level for a in intermediate} <= {"中级"}
    jiayuguan = [a for a in routed if specs[a.committee].scope == "city"]
    assert jiayuguan and {a.city for a in jiayuguan} == {"620200"}
    assert {a.city for a in routed} > {"620200", "620100", "620500"}  # 天水 is heard elsewhere
    assert {specs[a.committee].scope for a in routed} >= {"city", "province", "grassroots"}
    assert {a.level for a in routed} >= {"副高级", "正高级"}
    named = {a.committee for a in routed if specs[a.committee].specialties != "all"}
    assert named  # some heard by a committee of their specialty


def test_every_certificate_names_a_title_its_committee_may_grant(
    sim: dict, cycle: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from models.settings import settings

    cycle_id, specs, routed = cycle
    monkeypatch.setenv("ZHICHENG_SIGNING_KEY", "test-key-routing")
    settings.cache_clear()
    by_name = {spec.name: spec for spec in specs.values()}
    level_of = {a.id: a.level for a in routed}
    # Rolled back: whatever the outputs tests issue stays theirs; the ones they issued count.
    with Session(engine(), expire_on_commit=False) as session:
        try:
            create_certificates(session, cycle_id, 2024, bj(2025, 1, 10))
            session.flush()
            certificates = (
                session.execute(select(Certificate).where(col(Certificate.cycle_id) == cycle_id))
                .scalars()
                .all()
            )
            session.expunge_all()
        finally:
            session.rollback()
            settings.cache_clear()
    issued = [a for a in sim["applications"] if a["status"] == "issued"]
    assert len(certificates) == len(issued) > 0
    for cert in certificates:
        spec = by_name[cert.committee]
        grants = set(spec.grants) if spec.grants is not None else GRANTS_OF_LEVEL[spec.level]
        (title_level,) = [lv for lv in TITLE_LEVELS if lv in cert.title]
        assert title_level in grants, (cert.title, cert.committee)
        assert title_level == level_of[cert.application_id], cert.title
        assert cert.title.startswith(spec.series or ""), (cert.title, cert.committee)
