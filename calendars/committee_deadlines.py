"""A committee's dates against the cycle's: the day it must finish reviewing by, and whether a
meeting still leaves room for the result publicity before the issuance deadline (004 三(六))."""

from __future__ import annotations

import datetime as dt

from calendars.cyclefile import PolicySpec


def finish_by(policy: PolicySpec, scope: str, level: str) -> dt.date | None:
    """City and unit committees, and every intermediate one, finish by the policy's date;
    the province's senior committees keep their own window."""
    bound = scope in ("city", "self") or level == "intermediate"
    return policy.committees_finish_by if bound else None


def too_late_to_issue(
    meeting: dt.date, publicity_days: int, issuance_last_day: dt.date
) -> dt.date | None:
    """The earliest day the result could be issued after a meeting on ``meeting`` (its
    publicity over), when that is after the issuance deadline's last day; else None."""
    earliest = meeting + dt.timedelta(days=publicity_days + 1)
    return earliest if earliest > issuance_last_day else None
