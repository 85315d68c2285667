"""Message texts from Jinja2 templates: the deadline in Beijing time, what to do, how many
items are pending; ID numbers always masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, UndefinedError

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


@dataclass(frozen=True)
class Skeleton:
    """A message's title and its body rendered once, with a token where each value that
    differs between its recipients goes (``tokens``: value name → token, in the order the
    values are to be filled in)."""

    title: str
    body: str
    tokens: dict[str, str]

    def fill(self, **values: Any) -> str:
        body = self.body
        for name, token in self.tokens.items():
            body = body.replace(token, str(values[name]))
        return body


def _token(name: str) -> str:
    # Private-use characters: no template, name or number carries them.
    return f"\ue000{name}\ue001"


def skeleton(
    kind: str, deadline: dt.datetime, samples: dict[str, tuple[Any, Any]], **fixed: Any
) -> Skeleton | None:
    """The text of ``kind`` rendered once for all its recipients: ``fixed`` values as they
    are, each value named in ``samples`` as a token the database fills in per row. None when
    the template does more with such a value than print it (compares it, counts with it): the
    skeleton, filled with each of two sample values, must be what rendering them gives."""
    tokens = {name: _token(name) for name in samples}
    try:
        title, body = render(kind, deadline, **fixed, **tokens)
    except (TypeError, ValueError, UndefinedError):  # arithmetic or a comparison on a token
        return None
    made = Skeleton(title, body, tokens)
    for n in (0, 1):
        values = {name: pair[n] for name, pair in samples.items()}
        if render(kind, deadline, **fixed, **values)[1] != made.fill(**values):
            return None
    return made
