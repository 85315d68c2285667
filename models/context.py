"""A stored cycle as the services see it: its phase windows (Beijing instants) and policy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, bindparam
from sqlalchemy import select as columns_of
from sqlmodel import Session, SQLModel, select

from calendars.beijing import beijing_text
from calendars.cyclefile import PolicySpec, PushMonth
from calendars.workdays import day_start
from models.cycle import Cycle, Phase
from models.refusals import RefusalCode, Refused

__all__ = ["CycleContext", "Refused", "Window", "require_open"]


@dataclass(frozen=True)
class Window:
    key: str
    title: str
    start: dt.datetime | None
    end: dt.datetime | None


_LOADED: dict[tuple[str, str, int, dt.datetime], CycleContext] = {}
# The stamp every action reads (revision, launched_at): built once with a bound cycle id and
# run as a Core statement — the ORM select built and compiled per call cost more than the
# lookup itself. Each engine's URL is rendered once too.
_CYCLE = SQLModel.metadata.tables["cycle"]
_STAMP = columns_of(_CYCLE.c.revision, _CYCLE.c.launched_at).where(
    _CYCLE.c.id == bindparam("cycle_id")
)
_URLS: WeakKeyDictionary[Engine, str] = WeakKeyDictionary()


@dataclass(frozen=True)
class CycleContext:
    cycle_id: str
    year: int
    windows: dict[str, Window]
    policy: dict[str, Any]
    rules: PolicySpec
    push_months: tuple[PushMonth, ...] = ()
    # The phase each review level works in, where the cycle file says so (``level:``).
    levels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session, cycle_id: str) -> CycleContext:
        """Cached per stored revision: every action reads it, an extension makes a new one."""
        row = session.execute(_STAMP, {"cycle_id": cycle_id}).first()
        if row is None:
            raise Refused(
                f"没有编号为 {cycle_id} 的评审周期（请先 zhicheng launch）", RefusalCode.no_cycle
            )
        engine = session.get_bind().engine
        url = _URLS.get(engine)
        if url is None:
            url = _URLS[engine] = str(engine.url)
        key = (url, cycle_id, row[0], row[1])
        if key not in _LOADED:
            _LOADED[key] = cls._read(session, cycle_id)
        return _LOADED[key]

    @classmethod
    def _read(cls, session: Session, cycle_id: str) -> CycleContext:
        cycle = session.get(Cycle, cycle_id)
        assert cycle is not None
        phases = session.exec(select(Phase).where(Phase.cycle_id == cycle_id)).all()
        windows = {p.key: Window(p.key, p.title, p.start, p.end) for p in phases}
        policy = dict(cycle.spec.get("policy", {}))
        pushes = tuple(PushMonth.model_validate(m) for m in cycle.spec.get("push_months") or [])
        levels: dict[str, str] = {}
        for key, phase in (cycle.spec.get("phases") or {}).items():
            level = (phase or {}).get("level")
            if level and key in windows:
                levels.setdefault(level, key)
        return cls(
            cycle_id, cycle.year, windows, policy, PolicySpec.model_validate(policy), pushes, levels
        )

    def window(self, key: str) -> Window:
        if key not in self.windows:
            raise Refused(f"本周期没有“{key}”阶段", RefusalCode.no_phase)
        return self.windows[key]

    def policy_value(self, key: str) -> Any:
        value = self.policy.get(key)
        if value is None:
            raise Refused(
                f"本周期文件未规定 policy.{key}，无法执行此操作", RefusalCode.policy_missing
            )
        return value

    def level_window(self, level: str) -> Window:
        """The window a review level works in: the phase the cycle file marks with that
        ``level`` (Pingliang 2022's city review, ``level: department``, to 10/31); otherwise
        units and departments alike from the opening of declaration to the end of unit review."""
        if level in self.levels:
            return self.windows[self.levels[level]]
        declaration = self.window("declaration")
        unit = self.window("unit_review")
        return Window(unit.key, unit.title, declaration.start, unit.end)

    def counted_from(self) -> dt.datetime | None:
        """Where the cycle counts returns from a day on (002 五(六)): 0时 of that day, Beijing."""
        day = self.rules.return_count_from
        return None if day is None else day_start(day)


def require_open(window: Window, now: dt.datetime, action: str) -> None:
    if window.start is not None and now < window.start:
        raise Refused(
            f"{window.title}尚未开始（{beijing_text(window.start)} 开始），暂不能{action}",
            RefusalCode.not_open,
        )
    if window.end is not None and now >= window.end:
        raise Refused(
            f"{window.title}已于 {beijing_text(window.end)} 截止，不能再{action}",
            RefusalCode.closed,
        )
