"""The synthetic applicants: each declares what a real one would — series, specialty, the level
sought, a committee when several may hear them — as a row of the declarations template (the
columns of 004 附件2), and the declarations import (``models.imports.declarations``) turns the
rows into people and drafts, routing every one to its committee by ``rules.routing``."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, islice
from typing import Any

from faker import Faker
from sqlalchemy import bindparam, update
from sqlmodel import Session, col, select

from models.application import Application
from models.imports.declarations import (
    COMMITTEE,
    HEADER_OF,
    LEVEL,
    MOBILE,
    ORIGINAL_AGE,
    SERIES,
    SPECIALTY,
    UNIT_CODE,
    application_ids,
    import_declarations,
)
from models.imports.report import chunks
from models.imports.routing import UnitPlace
from models.profiles import replace_profiles
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
        self.menus: dict[int, tuple[list[str], dict[str, list[Option]]]] = {}

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
        levels, fitting = self._menu(unit)
        level = level_sought(rng, levels)
        options = fitting[level]
        option = options[rng.randrange(len(options))]
        return option, chosen_committee(rng, option.candidates)

    def _menu(self, unit: SimUnit) -> tuple[list[str], dict[str, list[Option]]]:
        """A unit's levels in order and the options at each, sorted out once per unit (a
        unit has ~30 applicants)."""
        menu = self.menus.get(unit.id)
        if menu is None:
            options = self.options(unit)
            levels = sorted({o.level for o in options}, key=LEVEL_ORDER.index)
            menu = (levels, {lv: [o for o in options if o.level == lv] for lv in levels})
            self.menus[unit.id] = menu
        return menu


class Names:
    """``faker.name_male()`` / ``name_female()`` of the zh_CN locale, drawn from faker's own
    generator exactly as faker draws them — the format, the family name by its weight, the
    given name — but with the family names' weights summed once: faker sums its ~400 weights
    on every draw, half the time of drawing an applicant. Where faker would draw differently
    (another locale or version), the self-check at the start finds it and faker draws."""

    FORMAT = "{{last_name}}{{first_name}}"
    CHECKED = 32  # names drawn both ways at the start, the generator put back after

    def __init__(self, faker: Faker) -> None:
        self.faker = faker
        provider = getattr(faker.name_male, "__self__", None)
        self.random = faker.random
        self.formats = getattr(provider, "formats", None)
        last = getattr(provider, "last_names", None)
        self.first = getattr(provider, "first_names", None)
        self.fast = (
            self.formats == [self.FORMAT]
            and not hasattr(provider, "formats_male")
            and not hasattr(provider, "formats_female")
            and isinstance(last, dict)
            and isinstance(self.first, list)
        )
        if self.fast:
            assert isinstance(last, dict)
            self.last = tuple(last)
            self.cumulative = list(accumulate(last.values()))
            self.fast = self._same_as_faker()

    def _same_as_faker(self) -> bool:
        state = self.random.getstate()
        theirs = [
            self.faker.name_male() if n % 2 else self.faker.name_female()
            for n in range(self.CHECKED)
        ]
        self.random.setstate(state)
        ours = [self._draw() for _ in range(self.CHECKED)]
        self.random.setstate(state)
        return ours == theirs

    def _draw(self) -> str:
        random = self.random
        random.choice(self.formats)  # one format: drawn all the same, as faker does
        last = random.choices(self.last, cum_weights=self.cumulative)[0]
        return last + random.choice(self.first)

    def name(self, male: bool) -> str:
        if self.fast:
            return self._draw()
        return self.faker.name_male() if male else self.faker.name_female()


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
    facts: dict[str, object],
) -> dict[str, str]:
    row = {
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
    # a woman's original retirement age is a column of the template: the import stores it
    # in the draft's facts, as it does for an office's file
    if "female_original_age" in facts:
        row[ORIGINAL_AGE] = str(facts["female_original_age"])
    return row


@dataclass(frozen=True, slots=True)
class Drawn:
    """One applicant drawn: the template row, and what the form records beyond it — the
    eligibility facts and, for those with years in remote villages, the whole profile."""

    id_number: str
    row: dict[str, str]
    facts: dict[str, object]
    whole: dict[str, Any]


@dataclass
class Declarations:
    """Template rows by ID number, and what each applicant's form records beyond the sheet:
    the eligibility facts and, for those with years in remote villages, the whole profile."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    beyond: dict[str, tuple[dict[str, object], dict[str, Any]]] = field(default_factory=dict)


def draws(
    rng: random.Random,
    faker: Faker,
    province: Province,
    committees: CycleCommittees,
    *,
    year: int,
    count: int,
) -> Iterator[Drawn]:
    """``count`` draws of an applicant, one at a time; a drawn ID number already drawn is
    dropped."""
    county_codes = [k.code for c in gansu_regions() for k in c.counties]
    seeking = Seeking(committees)
    units = [u for u in province.unit_rows if seeking.options(u)]
    names = Names(faker)
    seen: set[str] = set()
    for _n in range(count):
        unit = units[rng.randrange(len(units))]
        birth = dt.date(year - rng.randint(26, 58), rng.randint(1, 12), rng.randint(1, 28))
        male = rng.random() < 0.5
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        id_number = make_id_number(county_codes[rng.randrange(len(county_codes))], birth, sequence)
        if id_number in seen:
            continue
        seen.add(id_number)
        name = names.name(male)
        option, committee = seeking.pick(rng, unit)
        facts = declared_facts(rng, male)
        sheet = profile(rng, birth, unit.series, option.level, year)
        remote = remote_village_years(rng)
        row = declaration_row(unit, id_number, name, mobile(rng), option, committee, sheet, facts)
        yield Drawn(
            id_number, row, facts, (sheet | {"remote_village_years": remote}) if remote else {}
        )


def declarations(
    rng: random.Random,
    faker: Faker,
    province: Province,
    committees: CycleCommittees,
    *,
    year: int,
    count: int,
) -> Declarations:
    """``count`` draws of an applicant held together, by ID number."""
    out = Declarations()
    for d in draws(rng, faker, province, committees, year=year, count=count):
        out.rows[d.id_number] = d.row
        out.beyond[d.id_number] = (d.facts, d.whole)
    return out


# Applicants imported at a time: the import holds each batch's rows, checked rows and writes
# (a few KB an applicant), so a province's year is never all in memory at once.
CHUNK = 5000


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
) -> int:
    """Drafts for up to ``count`` applicants through the declarations import, each with a
    person record (kept across years); how many. Imported in batches inside the caller's
    transaction: a batch refused refuses them all."""
    number = 3  # the template's first data row
    drawn = draws(rng, faker, province, committees, year=year, count=count)
    others = _other_cycles_this_year(session, year, cycle_id)
    while batch := {d.id_number: d for d in islice(drawn, CHUNK)}:
        elsewhere = _declared_elsewhere(session, sorted(batch), year, cycle_id) if others else []
        for id_number in elsewhere:
            del batch[id_number]  # one committee a year (000 二(三)6): a synthetic double drops out
        if not batch:  # all of them declared elsewhere (the same seed drawn again)
            continue
        rows = [d.row for d in batch.values()]
        result = import_declarations(
            session, list(enumerate(rows, start=number)), cycle_id=cycle_id, now=now
        )
        if not result.ok:
            raise SimulationDataRefused(result)
        number += len(rows)
        _record_beyond(session, batch.values(), year)
    return number - 3


_BEYOND = Application.metadata.tables["application"]
# Core, by (person, year) — one application each (one committee a year) through that unique
# index: no ids to look up first, and none of the ORM's per-row bookkeeping.
_SET_BEYOND = update(_BEYOND).where(
    _BEYOND.c.person_id == bindparam("person"), _BEYOND.c.year == bindparam("in_year")
)


def _record_beyond(session: Session, batch: Iterable[Drawn], year: int) -> None:
    """Writes what the template has no column for into the batch's drafts: facts beyond the
    declared age, and the whole summary sheet."""
    facts: list[dict[str, Any]] = []
    sheets: dict[str, dict[str, Any]] = {}
    for d in batch:
        if d.whole:
            sheets[d.id_number] = d.whole
        if d.whole or set(d.facts) - {"female_original_age"}:  # the age came with the row
            facts.append({"person": d.id_number, "in_year": year, "facts": d.facts})
    if facts:
        session.execute(_SET_BEYOND, facts)
    if sheets:
        drafts = application_ids(session, list(sheets), year)
        replace_profiles(session, {app_id: sheets[person] for person, app_id in drafts.items()})


def _other_cycles_this_year(session: Session, year: int, cycle_id: str) -> bool:
    """Whether any other cycle has applications this year: in a database of one simulated
    cycle none has, and no applicant needs looking up."""
    return (
        session.exec(
            select(col(Application.id))
            .where(col(Application.year) == year, col(Application.cycle_id) != cycle_id)
            .limit(1)
        ).first()
        is not None
    )


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
