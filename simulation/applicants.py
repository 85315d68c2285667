"""The synthetic applicants: each declares what a real one would — series, specialty, the level
sought, a committee when several may hear them — as a row of the declarations template (the
columns of 004 附件2), and the declarations import (``models.imports.declarations``) turns the
rows into people and drafts, routing every one to its committee by ``rules.routing``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from sqlalchemy import update
from sqlmodel import Session, col, select

from models.application import Application
from models.imports.declarations import (
    COMMITTEE,
    HEADER_OF,
    LEVEL,
    MOBILE,
    SERIES,
    SPECIALTY,
    UNIT_CODE,
    import_declarations,
)
from models.imports.report import chunks
from models.imports.routing import UnitPlace
from rules.idcard import gansu_regions, make_id_number
from rules.routing import LEVEL_ORDER, Applicant, RefusalCode, RoutingRefused, route
from rules.routing import Committee as Hearing
from simulation.behaviour import chosen_committee, level_sought
from simulation.province import CycleCommittees, Province, SimulationDataRefused, SimUnit, mobile

# Specialties declared in a series whose committee hears the whole series (the named ones
# come from the committees themselves); a series not listed is declared as its own name.
SPECIALTIES = {
    "中小学教师": ("语文", "数学", "英语"),
    "卫生": ("临床医学", "护理"),
    "农业": ("农学", "畜牧兽医"),
    "工程": ("机械工程", "电气工程"),
}
# The levels a committee grants; 初级 is recognised by the unit itself, without a committee.
SOUGHT = tuple(level for level in LEVEL_ORDER if level != "初级")
EDUCATION = ("本科", "本科", "硕士研究生", "大专", "博士研究生")


@dataclass(frozen=True)
class Option:
    level: str
    specialty: str
    candidates: tuple[Hearing, ...]  # one: routed without a choice; several: the applicant chooses


class Seeking:
    """What an applicant of a unit may seek: every (level, specialty) that some committee of
    the cycle hears for that unit's place, decided once per place and series."""

    def __init__(self, committees: CycleCommittees) -> None:
        self.committees = committees
        self.owners = frozenset(owner for owner, _, _ in committees.owners())
        self.known: dict[tuple[object, ...], list[Option]] = {}

    def options(self, unit: SimUnit) -> list[Option]:
        # Units differ for routing only by the self-reviewing bodies above them.
        place = unit.place
        case = (place.city, place.grassroots, place.names & self.owners, unit.series)
        if case not in self.known:
            self.known[case] = self._options(place, unit.series)
        return self.known[case]

    def _options(self, place: UnitPlace, series: str) -> list[Option]:
        hearings = self.committees.by_series.get(series, [])
        by_key = {h.key: h for h in hearings}
        named = sorted({s for h in hearings if h.specialties is not None for s in h.specialties})
        if any(h.specialties is None for h in hearings):
            named += [s for s in SPECIALTIES.get(series, (series,)) if s not in named]
        out = []
        for level in SOUGHT:
            for specialty in named:
                applicant = Applicant(
                    city=place.city,
                    series=series,
                    specialty=specialty,
                    level=level,
                    grassroots=place.grassroots,
                    units=place.names,
                    city_name=place.city_name,
                )
                try:
                    keys: Sequence[str] = [route(applicant, hearings)]
                except RoutingRefused as refused:
                    if refused.code != RefusalCode.SEVERAL_FIT:
                        continue
                    keys = [key for key, _ in refused.candidates]
                if all(k in self.committees.meeting for k in keys):
                    out.append(Option(level, specialty, tuple(by_key[k] for k in keys)))
        return out

    def pick(self, rng: random.Random, unit: SimUnit) -> tuple[Option, str | None]:
        """The applicant's level and specialty, and the committee they name (None: routing
        decides)."""
        options = self.options(unit)
        level = level_sought(rng, sorted({o.level for o in options}, key=LEVEL_ORDER.index))
        fitting = [o for o in options if o.level == level]
        option = fitting[rng.randrange(len(fitting))]
        return option, chosen_committee(rng, option.candidates)


def declared_facts(rng: random.Random, male: bool) -> dict[str, object]:
    """What an applicant declares for the eligibility rules: mostly clean, a few excluded."""
    facts: dict[str, object] = {}
    if not male:
        facts["female_original_age"] = 50 if rng.random() < 0.2 else 55
    r = rng.random()
    if r < 0.005:
        facts["civil_servant"] = True
    elif r < 0.015:
        facts["continuing_education_done"] = False
    elif r < 0.02:
        facts["summoned_or_under_review"] = True
    return facts


def profile(
    rng: random.Random, birth: dt.date, series: str, level: str, year: int
) -> dict[str, object]:
    """The summary sheet's columns for a synthetic applicant, as the import stores them
    (dates as ISO text, counts as numbers, yes/no as booleans)."""
    work_start = dt.date(birth.year + rng.randint(21, 25), rng.randint(7, 9), 1)
    obtained = dt.date(min(year - rng.randint(5, 12), year - 5), rng.randint(1, 12), 1)
    current = LEVEL_ORDER[LEVEL_ORDER.index(level) - 1]
    return {
        "work_start": work_start.isoformat(),
        "education": EDUCATION[rng.randrange(len(EDUCATION))],
        "current_title": f"{series}系列{current}",
        "title_obtained": obtained.isoformat(),
        "title_appointed": dt.date(obtained.year, min(obtained.month + 1, 12), 1).isoformat(),
        "title_sought": f"{series}系列{level}",
        "years_in_field": year - work_start.year,
        "paper_level": "核心" if rng.random() < 0.4 else "省级",
        "paper_count": rng.randint(1, 5),
        "achievements_ok": True,
        "continuing_education_done": True,
        "appraisal": "称职",
        "promotion_type": "破格晋升" if rng.random() < 0.03 else "正常晋升",
        "vacancy": True,
        "review_opinion": "同意推荐",
    }


def remote_village_years(rng: random.Random) -> int:
    """A few have served long in remote villages (outside the quota, 003 附件3 二(一)); the
    summary sheet has no column for it, the declaration form records it."""
    return 31 if rng.random() < 0.03 else 0


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def declaration_row(
    unit: SimUnit,
    id_number: str,
    name: str,
    phone: str,
    option: Option,
    committee: str | None,
    sheet: dict[str, object],
) -> dict[str, str]:
    return {
        UNIT_CODE: unit.code,
        HEADER_OF["#unit"]: unit.name,
        HEADER_OF["#name"]: name,
        HEADER_OF["#id"]: id_number,
        **{HEADER_OF[key]: _text(value) for key, value in sheet.items()},
        SERIES: unit.series,
        SPECIALTY: option.specialty,
        LEVEL: option.level,
        COMMITTEE: committee or "",
        MOBILE: phone,
    }


@dataclass
class Declarations:
    """Template rows by ID number, and what each applicant's form records beyond the sheet:
    the eligibility facts and, for those with years in remote villages, the whole profile."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    beyond: dict[str, tuple[dict[str, object], dict[str, Any]]] = field(default_factory=dict)


def declarations(
    rng: random.Random,
    faker: Faker,
    province: Province,
    committees: CycleCommittees,
    *,
    year: int,
    count: int,
) -> Declarations:
    """``count`` draws of an applicant; a drawn ID number already drawn is dropped."""
    county_codes = [k.code for c in gansu_regions() for k in c.counties]
    seeking = Seeking(committees)
    units = [u for u in province.unit_rows if seeking.options(u)]
    out = Declarations()
    for _n in range(count):
        unit = units[rng.randrange(len(units))]
        birth = dt.date(year - rng.randint(26, 58), rng.randint(1, 12), rng.randint(1, 28))
        male = rng.random() < 0.5
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        id_number = make_id_number(county_codes[rng.randrange(len(county_codes))], birth, sequence)
        if id_number in out.rows:
            continue
        name = faker.name_male() if male else faker.name_female()
        option, committee = seeking.pick(rng, unit)
        facts = declared_facts(rng, male)
        sheet = profile(rng, birth, unit.series, option.level, year)
        remote = remote_village_years(rng)
        out.rows[id_number] = declaration_row(
            unit, id_number, name, mobile(rng), option, committee, sheet
        )
        out.beyond[id_number] = (
            facts,
            (sheet | {"remote_village_years": remote}) if remote else {},
        )
    return out


def add_applicants(
    session: Session,
    rng: random.Random,
    faker: Faker,
    province: Province,
    committees: CycleCommittees,
    *,
    cycle_id: str,
    year: int,
    count: int,
    now: dt.datetime,
) -> list[int]:
    """Drafts for up to ``count`` applicants through the declarations import, each with a
    person record (kept across years); their ids in the order they were declared."""
    declared = declarations(rng, faker, province, committees, year=year, count=count)
    rows = declared.rows
    for id_number in _declared_elsewhere(session, sorted(rows), year, cycle_id):
        del rows[id_number]  # one committee a year (000 二(三)6): a synthetic double drops out
    result = import_declarations(
        session, list(enumerate(rows.values(), start=3)), cycle_id=cycle_id, now=now
    )
    if not result.ok:
        raise SimulationDataRefused(result)
    stored = session.exec(
        select(col(Application.person_id), col(Application.id))
        .where(col(Application.cycle_id) == cycle_id)
        .order_by(col(Application.id))
    ).all()
    beyond = [
        {"id": app_id, "facts": facts} | ({"profile": whole} if whole else {})
        for person, app_id in stored
        for facts, whole in [declared.beyond[person]]
        if facts or whole
    ]
    # One executemany per set of columns: rows updating different columns cannot share one.
    for batch in (
        [b for b in beyond if "profile" not in b],
        [b for b in beyond if "profile" in b],
    ):
        if batch:
            session.execute(update(Application), batch)
    return [app_id for _, app_id in stored if app_id is not None]


def _declared_elsewhere(
    session: Session, id_numbers: list[str], year: int, cycle_id: str
) -> list[str]:
    found: list[str] = []
    for part in chunks(id_numbers):
        found.extend(
            session.exec(
                select(col(Application.person_id)).where(
                    col(Application.person_id).in_(part),
                    col(Application.year) == year,
                    col(Application.cycle_id) != cycle_id,
                )
            )
        )
    return found
