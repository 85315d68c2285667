"""Which review committee (评委会) hears an application: a pure rule over the applicant's facts
and the cycle's committees.

The rule, from the notices and DOMAIN.md ("Eligibility", last paragraphs):

- a committee of the applicant's **series**, hearing the applicant's **specialty** (a 专业
  committee hears the specialties its name gives; a 系列 committee the whole series; 004 附件1);
- granting the **level sought** — an intermediate committee cannot grant a 副高级 title;
- within its **scope**: a province-wide (全省有效) committee hears the whole province, a city's
  committee that city's applicants only, a self-review (自主评审, 004 附件1 备注1) committee its
  own units' staff only, a grassroots (县以下基层有效) committee grassroots applicants only.

Of the committees that fit, the most particular hears the application: a unit's own committee
before a city's, a city's before the province's, and one that names the specialty before one
that hears the whole series (004 附件1 lists 28 engineering committees by specialty or unit
beside the one 工程系列 committee, which therefore hears the remaining specialties). A grassroots
applicant may choose the grassroots committee or the one that would otherwise hear them, but
only one a year (000 二(三)6 "县以下基层人员，也可申报全省范围职称评审，但同1个年度只能选择1个评委会
申报职称"): with no committee named, that choice is refused with both listed, and the applicant
chooses. A named committee that does not fit is refused with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from calendars.cyclefile import CommitteeSpec

# The order of title levels (资格级别), lowest first.
LEVEL_ORDER = ("初级", "中级", "副高级", "正高级")
SCOPE_NAMES = {
    "province": "全省有效",
    "grassroots": "县以下基层有效",
    "city": "市州",
    "self": "自主评审",
}
# How particular a scope is: the lower, the nearer the applicant (see the module docstring).
_LOCALITY = {"self": 0, "city": 1, "province": 2, "grassroots": 2}


class RefusalCode(StrEnum):
    UNKNOWN_COMMITTEE = "unknown_committee"
    WRONG_SERIES = "wrong_series"
    WRONG_SPECIALTY = "wrong_specialty"
    LEVEL_TOO_HIGH = "level_too_high"
    LEVEL_TOO_LOW = "level_too_low"
    OTHER_REGION = "other_region"
    NOT_OWN_UNIT = "not_own_unit"
    NOT_GRASSROOTS = "not_grassroots"
    HEARD_ELSEWHERE = "heard_elsewhere"
    SEVERAL_FIT = "several_fit"
    NONE_FITS = "none_fits"


class RoutingRefused(ValueError):
    """No committee can be chosen; ``code`` says why, the message says it in Chinese, and
    ``candidates`` lists (key, name) of the committees the applicant may choose among."""

    def __init__(
        self, code: RefusalCode, message: str, candidates: Sequence[tuple[str, str]] = ()
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.candidates = tuple(candidates)


@dataclass(frozen=True)
class Applicant:
    """The facts routing needs. ``city`` is the 6-digit code of the applicant's city (市州;
    兰州新区 counts as one), ``units`` the names of the applicant's unit and the bodies above
    it (for self-review committees)."""

    city: str
    series: str
    specialty: str
    level: str
    grassroots: bool = False
    units: frozenset[str] = frozenset()
    city_name: str = ""

    def __post_init__(self) -> None:
        if self.level not in LEVEL_ORDER:
            raise ValueError(f"申报级别 '{self.level}' 应为 {'、'.join(LEVEL_ORDER)} 之一")


@dataclass(frozen=True)
class Committee:
    """A committee as routing sees it. ``specialties`` None: the whole series."""

    key: str
    name: str
    series: str
    specialties: frozenset[str] | None
    grants: tuple[str, ...]
    scope: str
    region: str
    owners: frozenset[str] = frozenset()
    region_name: str = ""

    @classmethod
    def from_spec(cls, key: str, spec: CommitteeSpec, region_name: str = "") -> Committee:
        return cls(
            key=key,
            name=spec.name,
            series=spec.series or "",
            specialties=None if spec.specialties == "all" else frozenset(spec.specialties),
            grants=spec.granted_levels(),
            scope=spec.scope,
            region=spec.region,
            owners=frozenset(spec.owners),
            region_name=region_name,
        )

    @property
    def grassroots(self) -> bool:
        return self.scope == "grassroots"


def committees_of(specs: dict[str, CommitteeSpec]) -> list[Committee]:
    """A cycle file's committees, in the file's order."""
    return [Committee.from_spec(key, spec) for key, spec in specs.items()]


def route(applicant: Applicant, committees: Iterable[Committee], chosen: str | None = None) -> str:
    """The key of the committee that hears ``applicant``, or ``RoutingRefused``."""
    every = list(committees)
    candidates = _candidates(applicant, every)
    if chosen is not None:
        named = next((c for c in every if c.key == chosen), None)
        if named is None:
            raise RoutingRefused(
                RefusalCode.UNKNOWN_COMMITTEE, f"本周期没有编号为 '{chosen}' 的评委会"
            )
        misfit = _misfit(applicant, named)
        if misfit is not None:
            raise misfit
        if named not in candidates:
            raise RoutingRefused(
                RefusalCode.HEARD_ELSEWHERE,
                f"{named.name}可以评审此类申报，但本申报应由{_listing(candidates)}评审"
                "（本单位、本市或本专业的评委会优先）",
                [(c.key, c.name) for c in candidates],
            )
        return named.key
    if len(candidates) == 1:
        return candidates[0].key
    if not candidates:
        raise RoutingRefused(
            RefusalCode.NONE_FITS,
            f"本周期没有评审{applicant.series}系列{applicant.specialty}专业{applicant.level}、"
            f"且受理{_city(applicant)}申报人的评委会，请与主管部门联系",
        )
    raise RoutingRefused(
        RefusalCode.SEVERAL_FIT,
        f"有 {len(candidates)} 个评委会可以评审本申报：{_listing(candidates)}。"
        "请申报人选择其中一个（县以下基层人员也可申报全省范围评审，但同一年度只能选择 1 个评委会，"
        "000 二(三)6）",
        [(c.key, c.name) for c in candidates],
    )


def _candidates(applicant: Applicant, committees: list[Committee]) -> list[Committee]:
    fitting = [c for c in committees if _misfit_code(applicant, c) is None]
    chosen: set[int] = set()
    for grassroots in (False, True):
        group = [c for c in fitting if c.grassroots is grassroots]
        if group:
            best = min(_particularity(c) for c in group)
            chosen.update(id(c) for c in group if _particularity(c) == best)
    return [c for c in fitting if id(c) in chosen]


def _particularity(committee: Committee) -> tuple[int, int]:
    return _LOCALITY[committee.scope], 0 if committee.specialties is not None else 1


def _misfit_code(applicant: Applicant, c: Committee) -> RefusalCode | None:
    """Why ``c`` cannot hear ``applicant`` (the first reason in the order a person checks), or
    None when it can. Cheap: a file's routing asks it for every committee of every case."""
    if c.series != applicant.series:
        return RefusalCode.WRONG_SERIES
    if c.specialties is not None and applicant.specialty not in c.specialties:
        return RefusalCode.WRONG_SPECIALTY
    if applicant.level not in c.grants:
        return RefusalCode.LEVEL_TOO_HIGH if _above(applicant, c) else RefusalCode.LEVEL_TOO_LOW
    if c.scope == "city" and applicant.city != c.region:
        return RefusalCode.OTHER_REGION
    if c.scope != "city" and applicant.city[:2] != c.region[:2]:
        return RefusalCode.OTHER_REGION
    if c.scope == "self" and not (c.owners & applicant.units):
        return RefusalCode.NOT_OWN_UNIT
    if c.grassroots and not applicant.grassroots:
        return RefusalCode.NOT_GRASSROOTS
    return None


def _above(applicant: Applicant, c: Committee) -> bool:
    """The level sought is above every level ``c`` grants."""
    sought = LEVEL_ORDER.index(applicant.level)
    return all(LEVEL_ORDER.index(g) < sought for g in c.grants)


def _misfit(applicant: Applicant, c: Committee) -> RoutingRefused | None:
    """The refusal, with its reason in Chinese, when ``c`` cannot hear ``applicant``."""
    code = _misfit_code(applicant, c)
    if code is None:
        return None
    if code == RefusalCode.WRONG_SERIES:
        why = f"{c.name}评审{c.series}系列，申报人申报的是{applicant.series}系列"
    elif code == RefusalCode.WRONG_SPECIALTY:
        why = (
            f"{c.name}只评审{'、'.join(sorted(c.specialties or ()))}专业，"
            f"申报人的专业是{applicant.specialty}"
        )
    elif code in (RefusalCode.LEVEL_TOO_HIGH, RefusalCode.LEVEL_TOO_LOW):
        higher = code == RefusalCode.LEVEL_TOO_HIGH
        why = f"{c.name}只能评审{'、'.join(c.grants)}，不能评审申报人申报的{applicant.level}" + (
            "（中级评委会不能评审副高级、正高级）" if higher and "中级" in c.grants else ""
        )
    elif code == RefusalCode.OTHER_REGION and c.scope == "city":
        why = (
            f"{c.name}是{c.region_name or c.region}的评委会，只评审本市（州）的申报人；"
            f"申报人属{_city(applicant)}"
        )
    elif code == RefusalCode.OTHER_REGION:
        why = f"{c.name}只评审{c.region_name or c.region}的申报人；申报人属{_city(applicant)}"
    elif code == RefusalCode.NOT_OWN_UNIT:
        why = f"{c.name}是{'、'.join(sorted(c.owners))}的自主评审评委会，只评审本单位人员"
    else:
        why = f"{c.name}为县以下基层有效评委会，只评审县以下基层单位的申报人"
    return RoutingRefused(code, why)


def _listing(committees: list[Committee]) -> str:
    return "；".join(f"{c.key} {c.name}（{SCOPE_NAMES[c.scope]}）" for c in committees)


def _city(applicant: Applicant) -> str:
    return applicant.city_name or f"区划代码 {applicant.city}"
