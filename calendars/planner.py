"""The planner: turns a cycle file into absolute Beijing-time boundaries and checks them.
The plan's types are in ``calendars.plan``, resolution in ``calendars.resolve`` and the checks
in ``calendars.checks``; this is the entry point."""

from __future__ import annotations

from pathlib import Path

from calendars.checks import check_plan
from calendars.cyclefile import CycleFileError, CycleSpec, find_parent_file, load_cycle
from calendars.plan import Plan
from calendars.resolve import resolve_committees, resolve_filing, resolve_phases
from calendars.workdays import WorkdayCalendar


def plan_file(path: str | Path, calendar: WorkdayCalendar) -> Plan:
    return plan_cycle(load_cycle(path), calendar)


def plan_cycle(spec: CycleSpec, calendar: WorkdayCalendar) -> Plan:
    try:
        plan = Plan(spec, resolve_phases(spec), resolve_committees(spec), [])
        plan.filing, uncovered = resolve_filing(plan, calendar)
        parent = _parent_plan(spec, calendar) if spec.parent is not None else None
        plan.findings = check_plan(plan, calendar, uncovered=uncovered, parent=parent)
    except OverflowError:
        # A day at the edge of what a date can hold (9999-12-31) has no 24:00 and no day
        # after it to count to: the file is wrong, whichever step first reached past it.
        raise CycleFileError(
            Path(spec.file).name, "", "日期超出可计算的范围（须早于 9999-12-31）"
        ) from None
    return plan


def _parent_plan(spec: CycleSpec, calendar: WorkdayCalendar) -> Plan:
    return plan_cycle(load_cycle(find_parent_file(Path(spec.file), spec.parent or "")), calendar)
