"""Message texts from Jinja2 templates: the deadline in Beijing time, what to do, how many
items are pending; ID numbers always masked."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from calendars.beijing import beijing_text

TITLES = {
    "declaration_draft": "职称申报提醒",
    "declaration_final": "职称申报最后提醒",
    "unit_pending": "单位审核提醒",
    "department_pending": "主管部门审核提醒",
    "committee_pending": "评委会评审提醒",
    "filing_due": "备案提醒",
    "escalation": "逾期督办",
    "filing_overdue": "备案逾期",
}


@lru_cache
def _environment() -> Environment:
    # StrictUndefined: a template asking for a value nobody gave fails loudly, never prints blank.
    return Environment(
        loader=PackageLoader("notifications", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(kind: str, deadline: dt.datetime, **values: Any) -> tuple[str, str]:
    """The (title, body) of a message of ``kind``."""
    template = _environment().get_template(f"{kind}.txt.j2")
    body = template.render(deadline=beijing_text(deadline), **values).strip()
    return TITLES.get(kind, "职称评审通知"), body
