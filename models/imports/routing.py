"""Which committee hears an imported declaration: the cycle's committees as the routing rule
(rules/routing.py) sees them, and each row routed (a refusal becomes that row's error)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from threading import Lock
from typing import Protocol

from pydantic import ValidationError
from sqlalchemy import func
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from calendars.cyclefile import DEFAULT_GRANTS, CommitteeSpec
from models.cycle import Committee, Cycle, Phase
from models.imports.regions import region_orgs
from models.imports.report import Problems
from models.org import Organisation, OrgKind
from rules.idcard import gansu_regions
from rules.routing import LEVEL_ORDER, Applicant, RefusalCode, RoutingRefused, route
from rules.routing import Committee as Hearing


class DeclaredRow(Protocol):
    row: int
    series: str
    specialty: str | None
    level: str
    committee: str | None


@dataclass(frozen=True)
class UnitPlace:
    """Where an applicant's unit sits: its city, whether it is grassroots (县以下基层), and the
    names of the unit and the bodies above it (a self-reviewing committee hears their staff)."""

    city: str
    city_name: str
    grassroots: bool
    names: frozenset[str]


def committees_of(session: Session, cycle: Cycle) -> dict[str, tuple[int, Hearing]]:
    """The cycle's committees by key, with their ids, as the routing rule sees them: an
    imported committee from its own columns, a cycle-file committee from the cycle's stored
    spec (so one stored before its columns were filled still routes by its file)."""
    file_specs = (cycle.spec or {}).get("committees") or {}
    rows = session.execute(
        select(Committee, col(Organisation.city_code), col(Organisation.name))
        .outerjoin(Organisation, col(Committee.owner_id) == col(Organisation.id))
        .where(col(Committee.cycle_id) == cycle.id)
        .order_by(col(Committee.id))
    )
    out: dict[str, tuple[int, Hearing]] = {}
    for c, owner_city, owner_name in rows:
        assert c.id is not None
        hearing = None
        if c.owner_id is None and c.key in file_specs:
            hearing = _from_file(c.key, file_specs[c.key])
        out[c.key] = (c.id, hearing or _from_row(c, cycle, owner_city, owner_name))
    return out


def _from_file(key: str, spec: dict[str, object]) -> Hearing | None:
    try:
        return Hearing.from_spec(key, CommitteeSpec.model_validate(spec))
    except ValidationError:  # a cycle stored before committees had regions and specialties
        return None


def _from_row(c: Committee, cycle: Cycle, owner_city: str | None, owner: str | None) -> Hearing:
    region = c.region or (owner_city if c.scope == "city" else None)
    if region is None:
        region = cycle.region_code if c.scope == "city" else cycle.region_code[:2] + "0000"
    return Hearing(
        key=c.key,
        name=c.name,
        series=c.series or "",
        specialties=frozenset(c.specialties) if c.specialties else None,
        grants=tuple(c.grants) if c.grants else DEFAULT_GRANTS[c.level],
        scope=c.scope,
        region=region,
        owners=frozenset(c.owners or ([owner] if owner else [])),
    )


def places(session: Session, paths: dict[str, str]) -> dict[str, UnitPlace]:
    """Each unit's place (by unit code, from its path), in one query for all the names. A
    unit with no city above it (a provincial unit, directly under the province or under a
    provincial department) belongs to the province: the province-wide committees hear it,
    no city's committee does."""
    codes = sorted({part for path in paths.values() for part in path.split("/")})
    names = dict(
        session.exec(
            select(col(Organisation.code), col(Organisation.name)).where(
                col(Organisation.code).in_(codes)
            )
        ).all()
    )
    counties = {k.code for c in gansu_regions() for k in c.counties if k.county_level}
    cities = {r.code for r in region_orgs().values() if r.kind == OrgKind.city}
    out = {}
    for unit, path in paths.items():
        parts = path.split("/")
        city = parts[1] if len(parts) > 1 and parts[1] in cities else parts[0]
        out[unit] = UnitPlace(
            city,
            PROVINCIAL if city == parts[0] else names.get(city, city),
            any(p in counties for p in parts),
            frozenset(names[p] for p in parts if p in names),
        )
    return out


PROVINCIAL = "省直单位"  # where a provincial unit's applicants belong, in a refusal's words

Outcome = int | tuple[str, str, str]  # a committee id, or (column, value, why)


class Router:
    """Routes rows; applicants of one place (city, grassroots standing, the self-review
    owners above them) seeking the same thing route alike, so each distinct case is decided
    once (20,000 simulated rows make under 2,000)."""

    def __init__(
        self, committees: dict[str, tuple[int, Hearing]], columns: tuple[str, str, str, str]
    ) -> None:
        self.committees = committees
        self.columns = columns
        self.by_name = {h.name: key for key, (_, h) in committees.items()}
        self.names = {i: h.name for i, h in committees.values()}
        # Only the names a self-review committee is owned by tell units apart: applicants of
        # units that share their city, grassroots standing and those names route alike.
        self.owners = frozenset().union(
            *(h.owners for _, h in committees.values() if h.scope == "self")
        )
        self.decided: dict[tuple[object, ...], Outcome] = {}

    def route(self, row: DeclaredRow, place: UnitPlace, problems: Problems) -> int | None:
        """The id of the committee that hears the row, or None with the refusal recorded
        against the row (in the column the applicant would change)."""
        case = (
            place.city,
            place.city_name,
            place.grassroots,
            place.names & self.owners,
            row.series,
            row.specialty,
            row.level,
            row.committee,
        )
        outcome = self.decided.get(case)
        if outcome is None:
            outcome = self.decided[case] = self._decide(row, place)
        if isinstance(outcome, int):
            return outcome
        problems.add(row.row, *outcome)
        return None

    def _decide(self, row: DeclaredRow, place: UnitPlace) -> Outcome:
        series_col, specialty_col, level_col, committee_col = self.columns
        if row.level not in LEVEL_ORDER:
            return level_col, row.level, f"申报级别应为 {'、'.join(LEVEL_ORDER)} 之一"
        chosen = None
        if row.committee:
            chosen = row.committee if row.committee in self.committees else None
            chosen = chosen or self.by_name.get(row.committee)
            if chosen is None:
                return committee_col, row.committee, "本周期没有这个评委会（填编号或全称）"
        applicant = Applicant(
            city=place.city,
            series=row.series,
            specialty=row.specialty or "",
            level=row.level,
            grassroots=place.grassroots,
            units=place.names,
            city_name=place.city_name,
        )
        try:
            key = route(applicant, (h for _, h in self.committees.values()), chosen)
        except RoutingRefused as refused:
            if chosen is not None or refused.code == RefusalCode.SEVERAL_FIT:
                return committee_col, row.committee or "", refused.message
            if refused.code == RefusalCode.WRONG_SPECIALTY:
                return specialty_col, row.specialty or "", refused.message
            if refused.code in (RefusalCode.LEVEL_TOO_HIGH, RefusalCode.LEVEL_TOO_LOW):
                return level_col, row.level, refused.message
            return series_col, row.series, refused.message
        return self.committees[key][0]


# The columns a declaration names its series, specialty, level and committee in.
DECLARATION_COLUMNS = ("系列", "专业", "申报级别", "评委会")


@dataclass(frozen=True)
class CycleRouting:
    """What routing a cycle's declarations needs of the cycle, read once per stored revision:
    its year, the end of its declaration window, and a router over its committees (which
    also keeps every case it has decided: the evening's applicants are mostly cases already
    seen)."""

    cycle_id: str
    year: int
    declaration_end: dt.datetime | None
    router: Router

    def committee_name(self, committee_id: int) -> str | None:
        return self.router.names.get(committee_id)


@dataclass(frozen=True)
class _Routed:
    year: int
    router: Router


# Per database, cycle and stamp (below); a handful of entries.
_ROUTING: dict[tuple[object, ...], _Routed] = {}
_ROUTING_LOCK = Lock()
# Decided cases kept by a cached router before it starts afresh (a file of a whole province
# makes a few thousand).
MOST_CASES = 50_000


def cycle_routing(session: Session, cycle_id: str) -> CycleRouting | None:
    """The cycle's routing (None: no such cycle), cached by a stamp read in one small query
    with the declaration window's end: the cycle's revision (an extension and a committee
    import raise it), its launch instant, and the count and last id of its committees (a
    committee added any other way). Every
    process keeps its own copy and checks the stamp on each call, so a change made by
    another process is seen by the next request."""
    of_cycle = col(Committee.cycle_id) == cycle_id
    stamp = session.execute(
        sql_select(
            col(Cycle.revision),
            col(Cycle.launched_at),
            sql_select(func.count()).where(of_cycle).scalar_subquery(),
            sql_select(func.max(col(Committee.id))).where(of_cycle).scalar_subquery(),
            sql_select(col(Phase.end))
            .where(col(Phase.cycle_id) == cycle_id, col(Phase.key) == "declaration")
            .scalar_subquery(),
        ).where(col(Cycle.id) == cycle_id)
    ).first()
    if stamp is None:
        return None
    revision, launched_at, count, last, end = stamp
    key = (str(session.get_bind().engine.url), cycle_id, revision, launched_at, count, last)
    found = _ROUTING.get(key)
    if found is None:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        found = _Routed(cycle.year, Router(committees_of(session, cycle), DECLARATION_COLUMNS))
        with _ROUTING_LOCK:
            for old in [k for k in _ROUTING if k[:2] == key[:2]]:
                del _ROUTING[old]
            _ROUTING[key] = found
    elif len(found.router.decided) > MOST_CASES:
        found.router.decided.clear()
    # the window's end is read fresh each time (it is in the stamp's query anyway)
    return CycleRouting(cycle_id, found.year, end, found.router)
