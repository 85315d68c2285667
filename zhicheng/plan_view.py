"""How a plan reads on a terminal: a table of phases, a small text timeline, the findings."""

from __future__ import annotations

import datetime as dt

from rich.console import Group
from rich.table import Table
from rich.text import Text

from calendars.plan import Plan, PlannedPhase

LEVEL_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
LEVEL_LABEL = {"error": "错误", "warning": "警告", "info": "提示"}
TIMELINE_WIDTH = 56


def plan_table(plan: Plan) -> Table:
    spec = plan.spec
    table = Table(title=f"{spec.title}（{spec.id}）", title_justify="left")
    for header in ("阶段", "键", "开始（北京时间）", "截止（含当日）", "天数", "通知所写"):
        table.add_column(header)
    for phase in plan.phases:
        indent = "  · " if phase.parent else ""
        table.add_row(
            f"{indent}{phase.title}",
            phase.key,
            _start(phase),
            _last(phase),
            "" if phase.days is None else str(phase.days),
            _declared(plan, phase),
        )
    return table


def _start(phase: PlannedPhase) -> str:
    return phase.start.strftime("%Y-%m-%d %H:%M") if phase.start else "未载明"


def _last(phase: PlannedPhase) -> str:
    return f"{phase.last_day.isoformat()} 24:00" if phase.last_day else "未载明"


def _declared(plan: Plan, phase: PlannedPhase) -> str:
    spec = phase.spec
    for name, text in (
        ("declared_days", f"{spec.declared_days} 天"),
        ("declared_workdays", f"{spec.declared_workdays} 个工作日"),
        ("min_workdays", f"≥{spec.min_workdays} 个工作日"),
        ("min_days", f"≥{spec.min_days} 天"),
    ):
        if getattr(spec, name):
            return text + _source_mark(plan, f"phases.{phase.key}.{name}")
    return ""


def _source_mark(plan: Plan, path: str) -> str:
    """A length the notice does not state is marked with where it comes from."""
    source = plan.spec.source_of(path)
    if source is None or source.kind == "stated":
        return ""
    if source.kind == "carried":
        return f"（沿用 {source.notice} {source.clause}）"
    return "（本系统默认）"


def timeline(plan: Plan) -> Text:
    dated = [p for p in plan.phases if p.start and p.last_day]
    if not dated:
        return Text("（无可绘制的日期）")
    first = min(p.start.date() for p in dated if p.start)
    last = max(p.last_day for p in dated if p.last_day)
    span = max((last - first).days + 1, 1)
    out = Text()
    out.append(f"{'':14}{first.isoformat()}{' ' * (TIMELINE_WIDTH - 20)}{last.isoformat()}\n")
    for phase in dated:
        assert phase.start and phase.last_day
        left = _col(phase.start.date(), first, span)
        right = max(_col(phase.last_day, first, span), left)
        bar = " " * left + ("▒" if phase.parent else "█") * (right - left + 1)
        label = (("· " if phase.parent else "") + phase.key)[:13]
        out.append(f"{label:<14}")
        out.append(bar.ljust(TIMELINE_WIDTH), style="green" if not phase.parent else "blue")
        out.append("\n")
    return out


def _col(day: dt.date, first: dt.date, span: int) -> int:
    return min(int((day - first).days * TIMELINE_WIDTH / span), TIMELINE_WIDTH - 1)


def findings_view(plan: Plan) -> Group | Text:
    if not plan.findings:
        return Text("检查通过：未发现问题。", style="green")
    lines = []
    for f in plan.findings:
        line = Text()
        line.append(f"[{LEVEL_LABEL[f.level]}] ", style=LEVEL_STYLE[f.level])
        line.append(f"{f.code}", style="bold")
        if f.phase:
            line.append(f" ({f.phase})")
        line.append(f"：{f.message}")
        lines.append(line)
    return Group(*lines)
