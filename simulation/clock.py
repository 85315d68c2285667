"""The simulated clock: a queue of what happens next, and Beijing wall times to put on it."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from enum import IntEnum
from typing import Any

import pendulum

from calendars.beijing import BEIJING


class Event(IntEnum):
    """What an entry on the queue does; at one instant, lower values go first: flows run
    before the people act on what they leave."""

    FLOW = 0
    SWEEP = 1
    FORWARD = 2
    MEETING = 3
    OBJECT = 4
    DECIDE = 5
    BATCH = 6


class EventQueue:
    """Events in time order; equal times by kind, then in the order they were pushed."""

    def __init__(self) -> None:
        self._heap: list[tuple[dt.datetime, int, int, Any]] = []
        self._seq = itertools.count()

    def push(self, at: dt.datetime, kind: Event, payload: Any = None) -> None:
        heapq.heappush(self._heap, (at, kind, next(self._seq), payload))

    def peek(self) -> tuple[Event, Any]:
        """What the next event does and its payload, without taking it."""
        _, kind, _, payload = self._heap[0]
        return Event(kind), payload

    def pop(self) -> tuple[dt.datetime, Event, Any]:
        at, kind, _, payload = heapq.heappop(self._heap)
        return at, Event(kind), payload

    def __bool__(self) -> bool:
        return bool(self._heap)


def beijing_at(day: dt.date, hour: int, minute: int = 0) -> pendulum.DateTime:
    return pendulum.datetime(day.year, day.month, day.day, hour, minute, tz=BEIJING)


def beijing_day(instant: dt.datetime) -> dt.date:
    return pendulum.instance(instant).in_timezone(BEIJING).date()
