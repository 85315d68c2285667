"""Cycle files: one year's timetable and policy for one region, as data.

A cycle file may nest in a parent (a city's cycle inside the province's). The child inherits
every key it does not set; a key missing from both is an error that names it — policy is never
silently defaulted. An explicit ``null`` is different: it records that the notice is silent
(未载明 / 另行通知), and the planner reports it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from calendars.plain_yaml import WithoutAliases

TOP_LEVEL_PHASES = ("prep", "declaration", "unit_review", "committee_review", "filing")
REFERENCE = re.compile(r"^(?P<key>[a-z_]+)\.(?P<edge>start|end|last_day)$")
WINDOW = re.compile(r"^(?P<month>1[0-2]|[1-9])月(?P<part>上旬|中旬|下旬)$")
# The largest province file is about 30 KB; a file far larger is a mistake (a wrong file, an
# export pasted in) and is refused before it is parsed, not after minutes of parsing.
LARGEST_FILE_BYTES = 1024 * 1024


class CycleFileError(ValueError):
    """A cycle file that cannot be used as written: names the file, the field and the fault."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        self.file, self.field, self.problem = file, field, problem
        where = f"{file}: {field}" if field else file
        super().__init__(f"{where}: {problem}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# A date field holds a day (00:00 for a start, 24:00 for a last day), an instant (an ISO
# datetime; with an offset it is that instant, without one it is Beijing time), or a reference
# to another phase's edge ("declaration.end"): references are the ties that an extension of one
# phase carries into the phases that follow it.
Moment = dt.date | dt.datetime | str | None
_DATE_TEXT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_DATETIME_TEXT = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[T ]")
# A stored cycle read back from JSON writes seconds: only ":00" is accepted.
_CLOCK = re.compile(r"^(?P<hour>[01]?\d|2[0-3]):(?P<minute>[0-5]\d)(:00)?$")


def _moment(value: Moment) -> Moment:
    """Dates may arrive as text (YAML keeps them so, and a stored cycle read back from JSON):
    parse them here."""
    if not isinstance(value, str) or REFERENCE.match(value):
        return value
    text = value.strip()
    if _DATE_TEXT.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{value}' 不是有效日期（该日不存在）") from None
    if _DATETIME_TEXT.match(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{value}' 不是有效的时刻（应写作如 2024-09-11T09:30:00+08:00，"
                "不写时区即为北京时间）"
            ) from None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(
        f"'{value}' 既不是日期（如 2024-09-11）或时刻（如 2024-09-11T09:30:00+08:00），"
        "也不是对其他阶段的引用（如 declaration.end）"
    )


def _day(value: Moment) -> Moment:
    """A last day is a day, closing at its 24:00: an instant belongs in ``end``."""
    value = _moment(value)
    if isinstance(value, dt.datetime):
        raise ValueError(
            f"'{value.isoformat()}' 是时刻；last_day 只写日期（该日24:00截止），"
            "要精确到时刻请写 end"
        )
    return value


def _clock(value: object) -> object:
    """A time of day on the Beijing clock, to the minute ("09:30"). YAML 1.1 reads an unquoted
    15:30 as the number 930 (base 60): the loader keeps it as text, so it arrives here."""
    if isinstance(value, dt.time):
        if value.tzinfo is not None or value.second or value.microsecond:
            raise ValueError(f"'{value}' 应为北京时间的时:分（如 09:30），不写秒和时区")
        return value
    match = _CLOCK.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"'{value}' 应为北京时间的时:分（如 09:30、15:00），精确到分钟")
    return dt.time(int(match["hour"]), int(match["minute"]))


class PhaseSpec(_Strict):
    title: str
    parent: str | None = None
    start: Moment = Field(default=None)
    last_day: Moment = Field(default=None)
    end: Moment = Field(default=None)
    declared_days: int | None = None
    declared_workdays: int | None = None
    min_days: int | None = None
    min_workdays: int | None = None
    follows: str | None = None
    overlaps: list[str] = Field(default_factory=list)
    quote: str | None = None
    note: str | None = None
    # The review level this phase is the window of (``unit`` or ``department``): that level's
    # returns, resubmissions and forwarding close at its end (002 一: Pingliang's city review).
    level: Literal["unit", "department"] | None = None

    @field_validator("start", "end", mode="before")
    @classmethod
    def _moment(cls, value: Moment) -> Moment:
        return _moment(value)

    @field_validator("last_day", mode="before")
    @classmethod
    def _last_day(cls, value: Moment) -> Moment:
        return _day(value)


def _region_code(value: str) -> str:
    if not re.fullmatch(r"\d{6}", value):
        raise ValueError(f"'{value}' 不是6位行政区划代码（如 620000 甘肃省、620200 嘉峪关市）")
    return value


class RegionSpec(_Strict):
    code: str
    name: str
    level: Literal["province", "city", "county"]

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return _region_code(value)


class SourceSpec(_Strict):
    issuer: str
    number: str | None
    date: dt.date | None
    notice: str | None


TitleLevel = Literal["正高级", "副高级", "中级", "初级"]
# What a committee of each level grants when its file does not narrow it: 高级 is 正高级 and
# 副高级; an intermediate committee grants 中级 only (DOMAIN: it cannot grant 副高级), and 初级 is
# recognised by the unit (003 附件3 三). A file may narrow or widen within these with `grants`.
LEVEL_GRANTS: dict[str, tuple[str, ...]] = {
    "senior": ("正高级", "副高级"),
    "intermediate": ("中级", "初级"),
}
DEFAULT_GRANTS: dict[str, tuple[str, ...]] = {
    "senior": ("正高级", "副高级"),
    "intermediate": ("中级",),
}


class CommitteeSpec(_Strict):
    """A review committee (评委会). Who it hears: applicants of its ``series`` and, of those, the
    ``specialties`` it names (``all``: the whole series, as a 系列 committee's name says) at a
    level it ``grants``, from the ``region`` its ``scope`` covers: the province (``province``
    全省有效, ``grassroots`` 县以下基层有效 for grassroots applicants only), one city (``city``), or
    the staff of its own ``owners`` (``self`` 自主评审)."""

    name: str
    organiser: str
    level: Literal["senior", "intermediate"]
    scope: Literal["province", "grassroots", "city", "self"]
    region: str
    specialties: list[str] | Literal["all"]
    grants: list[TitleLevel] | None = None
    owners: list[str] = Field(default_factory=list)
    series: str | None = None
    window: str | None = None
    window_start: dt.date | None = None
    window_last_day: dt.date | None = None
    meeting: dt.date | None = None
    phone: str | None = None
    serial: int | None = None

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return _region_code(value)

    @field_validator("specialties", mode="before")
    @classmethod
    def _specialties(cls, value: object) -> object:
        if isinstance(value, str) and value != "all" or not isinstance(value, str | list):
            raise ValueError(
                f"应为专业名称的列表（如 [水利工程]），整个系列都评审时写 all（实际为 {value!r}）"
            )
        if isinstance(value, list):
            if not value:
                raise ValueError("至少写一个专业；整个系列都评审时写 all")
            if any(not s.strip() for s in value) or len(set(value)) != len(value):
                raise ValueError("专业名称不能为空或重复")
        return value

    def granted_levels(self) -> tuple[str, ...]:
        """The title levels this committee may grant (资格级别)."""
        return tuple(self.grants) if self.grants is not None else DEFAULT_GRANTS[self.level]

    def hears_specialty(self, specialty: str) -> bool:
        return self.specialties == "all" or specialty in self.specialties

    @field_validator("window")
    @classmethod
    def _window(cls, value: str | None) -> str | None:
        if value is not None and not WINDOW.match(value):
            raise ValueError(f"'{value}' 不是评审时间段（应写作如 11月上旬、12月中旬）")
        return value


class PushMonth(_Strict):
    month: int = Field(ge=1, le=12)
    series: list[str]


class PlagiarismSpec(_Strict):
    core: float = Field(ge=0, le=1)
    provincial: float = Field(ge=0, le=1)
    applies_from_year: int


class FilingItem(_Strict):
    title: str
    basis: str | None = None
    after: str | None = None
    within_workdays: int | None = None
    before: str | None = None
    before_days: int | None = None
    last_day: Moment = None
    responsible: str | None = None
    note: str | None = None
    # Filed by each department (004 三(四): every 行业主管部门 sends its 汇总表), not once.
    per_department: bool = False
    # A filing after the deadline is refused (004 三(四) "逾期未审核报送，不再单独受理").
    late_refused: bool = False

    @field_validator("last_day", mode="before")
    @classmethod
    def _last_day(cls, value: Moment) -> Moment:
        return _day(value)


class ReminderRule(_Strict):
    """Who hears what and when, before a deadline (提醒)."""

    kind: str
    audience: Literal["applicant", "unit", "department", "committee", "filing"]
    phase: str
    states: list[str] = Field(default_factory=list)
    days_before: list[int] = Field(default_factory=list)
    workdays_before: list[int] = Field(default_factory=list)
    daily: bool = False
    at: dt.time

    @field_validator("at", mode="before")
    @classmethod
    def _at(cls, value: object) -> object:
        return _clock(value)


class EscalationStep(_Strict):
    level: Literal["department", "city", "province"]
    offset_hours: int


class EscalationSpec(_Strict):
    """An overdue unit goes up the tree one level at a time, at these thresholds."""

    phase: str
    states: list[str]
    steps: list[EscalationStep]


class NotificationsSpec(_Strict):
    quiet_start: dt.time
    quiet_end: dt.time
    retry_minutes: list[int]
    reminders: list[ReminderRule]
    escalation: EscalationSpec | None

    @field_validator("quiet_start", "quiet_end", mode="before")
    @classmethod
    def _clock(cls, value: object) -> object:
        return _clock(value)


# The exclusions a notice may state (不得申报 / 不予受理), by key; rules.eligibility says each in
# Chinese. A cycle applies only those its file lists in ``policy.exclusions``.
Exclusion = Literal[
    "civil_servant",
    "retired",
    "not_transferred",
    "under_review",
    "disciplinary_period",
    "failed_last_year",
    "continuing_education",
    "one_committee_per_year",
]


class SkilledWorkerYears(_Strict):
    """003 附件3 三: years of skilled work after a skill level before the title it leads to —
    高级工 → 初级 (by the unit), 技师 → 中级, 高级技师 → 副高级."""

    junior: int = Field(ge=0)
    intermediate: int = Field(ge=0)
    deputy_senior: int = Field(ge=0)


class PolicySpec(_Strict):
    """Every key is required; null records that the notice does not state it. The keys after
    ``series_transfer_min_years`` came later (issue 16): absent reads as null, so a file or a
    stored cycle written before them reads as a notice silent on them."""

    return_limit: int | None
    unit_publicity_min_workdays: int | None
    result_publicity_min_days: int | None
    objection_investigation_months: int | None
    achievement_cutoff: dt.date | None
    tenure_cutoff: dt.date | None
    retirement_reference_day: dt.date | None
    plagiarism: PlagiarismSpec | None
    expert_recommendation_min_approval: float | None
    integrity_bar_years: int | None
    village_senior_quota: float | None
    remote_village_years_intermediate: int | None
    remote_village_years_senior: int | None
    committees_finish_by: dt.date | None
    series_transfer_min_years: int | None
    # The projected shortfall (a share of a unit's applications in the phase, 0–1) at which
    # the deadline forecast takes the first escalation step early; null: never. Optional (a
    # policy block written before it existed means null); every bundled file writes it.
    forecast_escalation_share: float | None = Field(default=None, ge=0.0, le=1.0)
    exclusions: list[Exclusion] | None = None
    county_service_years_senior: int | None = None
    skilled_worker_years: SkilledWorkerYears | None = None
    exceptional_lower_post_years: int | None = None
    # Returns count towards ``return_limit`` from 0时 of this day on (002 五(六) "9月30日后"); null:
    # every return counts (004 三(四)).
    return_count_from: dt.date | None = None
    # 004 四(一): 破格晋升/基层有效/艰苦单位 applicants need a staff-meeting collective review
    # (职工大会集体评议) recorded before recommendation, and a longer, wider unit publicity of
    # this many working days; null (004 states no length) only flags it.
    collective_review_required: bool | None = None
    special_category_publicity_min_workdays: int | None = None
    # 004 三(三): the unit's 公示结果报告 after publicity without objection, before the
    # department forwards the application.
    publicity_report_required: bool | None = None
    # 002 二, 004 二(二): staff of central-government units (and, in 002, out-of-province branches)
    # carry a commissioned-review letter (委托函) before they go to a committee.
    commission_letter_required: bool | None = None


# Where a value comes from (issue 16): ``stated`` by this cycle's notice, ``carried`` from
# another notice (``why`` says why it applies here), or a ``default`` of ours (``why``). A
# ``quote`` is the notice's words, verbatim, so a test can find it in the notice's text.
SourceKind = Literal["stated", "carried", "default"]
# The fields of a phase that state a length: the ones provenance may be recorded for.
LENGTH_FIELDS = ("declared_days", "declared_workdays", "min_days", "min_workdays")
_NOTICE = re.compile(r"^\d{3}$")


class ProvenanceSpec(_Strict):
    kind: SourceKind
    notice: str | None = None
    clause: str | None = None
    quote: str | None = None
    why: str | None = None
    # A city's rule carried beyond that city: the cited notice's words (verbatim) that say it
    # applies there too (a provincial document it cites, "各市州"). Without them ``plan`` warns.
    applies: str | None = None

    @field_validator("notice")
    @classmethod
    def _notice(cls, value: str | None) -> str | None:
        if value is not None and not _NOTICE.match(value):
            raise ValueError(f"'{value}' 应为通知编号（notices/ 下文件名的前三位，如 004）")
        return value


class CycleSpec(_Strict):
    id: str
    title: str
    year: int
    region: RegionSpec
    parent: str | None
    source: SourceSpec
    phases: dict[str, PhaseSpec]
    committees: dict[str, CommitteeSpec]
    push_months: list[PushMonth]
    policy: PolicySpec
    filing_items: dict[str, FilingItem]
    notifications: NotificationsSpec | None
    provenance: dict[str, ProvenanceSpec] = Field(default_factory=dict)
    file: str = ""
    chain: list[str] = Field(default_factory=list)

    def top_level(self) -> Iterator[tuple[str, PhaseSpec]]:
        return ((k, p) for k, p in self.phases.items() if p.parent is None)

    def own_notice(self) -> str | None:
        """This cycle's notice as provenance names it: the first three characters of its file."""
        return self.source.notice[:3] if self.source.notice else None

    def source_of(self, path: str) -> ProvenanceSpec | None:
        """Where the value at ``path`` (``policy.return_limit``, ``phases.declaration.declared_days``,
        ``filing_items.work_summary``) comes from, if the file records it."""
        return self.provenance.get(path)


def bundled_cycles_dir() -> Path:
    return Path(str(resources.files("calendars") / "cycles"))


def bundled_cycle(name: str) -> Path:
    """The path of a cycle file shipped with the package, e.g. ``jiayuguan-2024``."""
    return bundled_cycles_dir() / f"{name}.yaml"


def load_cycle(path: str | Path) -> CycleSpec:
    """Read a cycle file, resolve its parents, and validate the merged result."""
    path = Path(path)
    chain = _read_chain(path)
    merged: dict[str, Any] = {}
    for _, raw in reversed(chain):
        merged = _deep_merge(merged, raw)
    merged["provenance"] = _provenance(raw for _, raw in reversed(chain))
    merged["id"] = chain[0][1].get("id")
    merged["parent"] = chain[0][1].get("parent")
    names = [p.name for p, _ in chain]
    merged["file"] = str(path)
    merged["chain"] = names
    try:
        spec = CycleSpec.model_validate(merged)
    except ValidationError as exc:
        raise _explain(exc, names) from None
    _check_structure(spec, names[0])
    return spec


def _read_chain(path: Path) -> list[tuple[Path, dict[str, Any]]]:
    chain: list[tuple[Path, dict[str, Any]]] = []
    seen: set[str] = set()
    current: Path | None = path
    while current is not None:
        raw = _read_yaml(current)
        chain.append((current, raw))
        seen.add(current.stem)
        parent = raw.get("parent")
        if parent is None:
            current = None
            continue
        if not isinstance(parent, str):
            raise CycleFileError(current.name, "parent", "应为上级周期文件名（如 gansu-2024）")
        if parent in seen:
            raise CycleFileError(current.name, "parent", f"上级周期 {parent} 形成循环嵌套")
        current = find_parent_file(current, parent)
    return chain


def find_parent_file(child: Path, parent: str) -> Path:
    """The file of cycle ``parent``: beside ``child`` first, then among the bundled files."""
    for folder in (child.parent, bundled_cycles_dir()):
        candidate = folder / f"{parent}.yaml"
        if candidate.is_file():
            return candidate
    raise CycleFileError(
        child.name,
        "parent",
        f"找不到上级周期文件 {parent}.yaml（在 {child.parent} 和内置目录中均未找到）",
    )


class _TextDates(WithoutAliases):
    """Dates stay text until the schema reads them, so an impossible one (2019-09-31) is
    reported with its field like any other bad value."""


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


def _int_or_clock(loader: yaml.SafeLoader, node: yaml.Node) -> int | str:
    """YAML 1.1's base-60 integers (15:30 is 930) are clock times here: kept as text."""
    assert isinstance(node, yaml.ScalarNode)
    text = str(loader.construct_scalar(node))
    return text if ":" in text else int(loader.construct_yaml_int(node))


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_TextDates.add_constructor("tag:yaml.org,2002:int", _int_or_clock)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise CycleFileError(str(path), "", "文件不存在" if not path.exists() else "不是文件")
    try:
        with path.open("rb") as handle:
            data = handle.read(LARGEST_FILE_BYTES + 1)
    except OSError as exc:
        raise CycleFileError(path.name, "", f"无法读取（{exc.strerror or exc}）") from None
    if len(data) > LARGEST_FILE_BYTES:
        raise CycleFileError(
            path.name,
            "",
            f"文件过大（超过 {LARGEST_FILE_BYTES // 1024} KB）：周期文件只写一年的日程和政策",
        )
    try:
        raw = yaml.load(data.decode("utf-8"), Loader=_TextDates)  # noqa: S506
    except RecursionError:
        raise CycleFileError(path.name, "", "YAML 嵌套层数过多") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark else "未知位置"
        problem = getattr(exc, "problem", None) or str(exc)
        raise CycleFileError(path.name, "", f"YAML 格式错误（{where}）：{problem}") from None
    except UnicodeDecodeError:
        raise CycleFileError(path.name, "", "文件不是 UTF-8 编码") from None
    except ValueError as exc:  # YAML reads 2024-02-30 as a date and fails on it
        raise CycleFileError(path.name, "", f"含不是有效日期的值（{exc}）") from None
    if not isinstance(raw, dict):
        raise CycleFileError(path.name, "", "顶层应为键值映射（id、year、phases …）")
    if "id" in raw and raw["id"] != path.stem:
        raise CycleFileError(path.name, "id", f"'{raw['id']}' 与文件名 {path.stem} 不一致")
    return raw


def _provenance(raws: Iterator[dict[str, Any]]) -> object:
    """Provenance merges entry by entry: a child's entry replaces its parent's whole (a default
    of ours must not keep the province's notice and quote)."""
    merged: dict[str, Any] = {}
    for raw in raws:
        own = raw.get("provenance")
        if not isinstance(own, dict):
            if own is not None:
                return own  # not a mapping: the schema reports it with its field
            continue
        merged.update(own)
    return merged


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


_PROBLEMS = {
    "missing": "缺少此项（本文件及上级周期文件均未设置；若通知未载明，请显式写 null）",
    "extra_forbidden": "不认识的键（拼写错误？）",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "string_type": "应为文字",
    "bool_type": "应为 true 或 false",
    "date_type": "应为日期（如 2024-09-11）",
    "date_from_datetime_parsing": "应为日期（如 2024-09-11）",
    "date_parsing": "应为日期（如 2024-09-11）",
    "dict_type": "应为键值映射",
    "model_type": "应为键值映射",
    "list_type": "应为列表",
    "literal_error": "取值不在允许范围内",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
}


def _explain(exc: ValidationError, names: list[str]) -> CycleFileError:
    error = exc.errors()[0]
    field = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    field = re.sub(r"\.(date|datetime|str|none)$", "", field)
    problem = _PROBLEMS.get(error["type"], error["msg"])
    if error["type"] == "value_error":
        problem = str(error["ctx"]["error"]) if "ctx" in error else error["msg"]
    elif error["type"] == "literal_error" and "ctx" in error:
        problem = f"取值应为 {error['ctx'].get('expected')}"
    if error["type"] != "missing" and "input" in error:
        problem = f"{problem}（实际为 {error['input']!r}）"
    file = names[0] if len(names) == 1 else f"{names[0]}（含上级 {', '.join(names[1:])}）"
    return CycleFileError(file, field, problem)


def _check_structure(spec: CycleSpec, file: str) -> None:
    """What the schema cannot say: phase keys, parents and references must name real phases."""
    if not spec.phases:
        raise CycleFileError(file, "phases", "至少需要一个阶段")
    for key, phase in spec.phases.items():
        if not re.fullmatch(r"[a-z][a-z_]*", key):
            raise CycleFileError(file, f"phases.{key}", "阶段键只能用小写英文字母和下划线")
        if phase.parent is None and key not in TOP_LEVEL_PHASES:
            raise CycleFileError(
                file,
                f"phases.{key}",
                f"顶层阶段只能是 {', '.join(TOP_LEVEL_PHASES)}；子步骤须写 parent",
            )
        if phase.parent is not None:
            if phase.parent not in TOP_LEVEL_PHASES or phase.parent not in spec.phases:
                raise CycleFileError(
                    file, f"phases.{key}.parent", f"'{phase.parent}' 不是本周期的顶层阶段"
                )
        if phase.last_day is not None and phase.end is not None:
            raise CycleFileError(file, f"phases.{key}", "last_day 与 end 只能写一个")
        for edge in ("start", "last_day", "end"):
            value = getattr(phase, edge)
            if isinstance(value, str):
                target = REFERENCE.match(value)
                assert target is not None
                if target["key"] not in spec.phases:
                    raise CycleFileError(
                        file, f"phases.{key}.{edge}", f"引用了不存在的阶段 '{target['key']}'"
                    )
        if phase.follows is not None and phase.follows not in spec.phases:
            raise CycleFileError(file, f"phases.{key}.follows", f"不存在的阶段 '{phase.follows}'")
        for other in phase.overlaps:
            if other not in spec.phases:
                raise CycleFileError(file, f"phases.{key}.overlaps", f"不存在的阶段 '{other}'")
    if spec.notifications is not None:
        rules = [
            (f"notifications.reminders[{i}]", r.phase)
            for i, r in enumerate(spec.notifications.reminders)
        ]
        if spec.notifications.escalation is not None:
            rules.append(("notifications.escalation", spec.notifications.escalation.phase))
        for where, phase_key in rules:
            if phase_key not in spec.phases:
                raise CycleFileError(file, f"{where}.phase", f"不存在的阶段 '{phase_key}'")
    for key, committee in spec.committees.items():
        _check_committee(file, key, committee)
    for path, source in spec.provenance.items():
        _check_provenance(spec, file, path, source)
    for key, item in spec.filing_items.items():
        for edge in ("after", "before"):
            value = getattr(item, edge)
            if value is not None and value not in spec.phases:
                raise CycleFileError(
                    file, f"filing_items.{key}.{edge}", f"引用了不存在的阶段 '{value}'"
                )


_SCOPE_NAMES = {
    "province": "全省有效",
    "grassroots": "县以下基层有效",
    "city": "市州",
    "self": "自主评审",
}


def _check_committee(file: str, key: str, committee: CommitteeSpec) -> None:
    """What ties a committee's fields together: its level bounds what it grants, its scope the
    region it covers (a province's or a city's code) and whether it names its own units."""
    where = f"committees.{key}"
    allowed = LEVEL_GRANTS[committee.level]
    for level in committee.granted_levels():
        if level not in allowed:
            kind = "高级" if committee.level == "senior" else "中级"
            raise CycleFileError(
                file,
                f"{where}.grants",
                f"{kind}评委会不能评审{level}（可评：{'、'.join(allowed)}）",
            )
    if committee.grants is not None and not committee.grants:
        raise CycleFileError(file, f"{where}.grants", "至少写一个可评审的级别")
    province_code = committee.region.endswith("0000")
    scope = _SCOPE_NAMES[committee.scope]
    if committee.scope in ("province", "grassroots") and not province_code:
        raise CycleFileError(
            file,
            f"{where}.region",
            f"{scope}评委会的 region 应为省级代码（如 620000），实为 {committee.region}",
        )
    if committee.scope == "city" and province_code:
        raise CycleFileError(
            file,
            f"{where}.region",
            f"市州评委会的 region 应为市（州）代码（如 620200），实为 {committee.region}",
        )
    if committee.scope == "self" and not committee.owners:
        raise CycleFileError(
            file, f"{where}.owners", "自主评审评委会须写明评审哪些单位的人员（owners）"
        )
    if committee.scope != "self" and committee.owners:
        raise CycleFileError(
            file,
            f"{where}.owners",
            f"只有自主评审（scope: self）的评委会写 owners，本评委会为{scope}",
        )


def provenance_paths(spec: CycleSpec) -> list[str]:
    """The values of a cycle that must say where they come from: every policy value that is
    not null (null already says the notice is silent), every length a phase states, every
    filing item."""
    policy = [f"policy.{k}" for k, v in spec.policy if v is not None and k != "exclusions"]
    policy += [f"policy.exclusions.{key}" for key in spec.policy.exclusions or ()]
    lengths = [
        f"phases.{key}.{name}"
        for key, phase in spec.phases.items()
        for name in LENGTH_FIELDS
        if getattr(phase, name) is not None
    ]
    return policy + lengths + [f"filing_items.{key}" for key in spec.filing_items]


def _check_provenance(spec: CycleSpec, file: str, path: str, source: ProvenanceSpec) -> None:
    where = f"provenance.{path}"
    parts = path.split(".")
    known = (
        (parts[0] == "policy" and len(parts) == 2 and parts[1] in PolicySpec.model_fields)
        or (
            parts[:2] == ["policy", "exclusions"]
            and len(parts) == 3
            and parts[2] in (spec.policy.exclusions or ())
        )
        or (
            parts[0] == "phases"
            and len(parts) == 3
            and parts[1] in spec.phases
            and parts[2] in LENGTH_FIELDS
        )
        or (parts[0] == "filing_items" and len(parts) == 2 and parts[1] in spec.filing_items)
    )
    if not known:
        raise CycleFileError(
            file,
            where,
            "不是可记录出处的值（应为 policy.键、policy.exclusions.所列排除情形、"
            "phases.阶段.declared_days 等长度、filing_items.键）",
        )
    if source.kind == "default":
        if source.notice is not None or not source.why:
            raise CycleFileError(file, where, "default（本系统默认）不写 notice，须写 why 说明理由")
        return
    if source.notice is None or not source.clause or not source.quote:
        raise CycleFileError(file, where, f"{source.kind} 须写 notice、clause 和 quote（通知原文）")
    if source.kind == "carried" and not source.why:
        raise CycleFileError(file, where, "carried（沿用其他通知）须写 why 说明为何适用于本周期")
