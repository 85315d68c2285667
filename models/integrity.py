"""The integrity bar (弄虚作假): a record that a person's materials were falsified, and the bar
on their later declarations that the policy sets."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from models.application import Person
from models.context import CycleContext
from models.refusals import RefusalCode, Refused
from rules.eligibility import integrity_bar_until
from rules.idcard import mask


def bar_person(
    session: Session, ctx: CycleContext, id_number: str, *, found_on: dt.date, reason: str
) -> dt.date:
    """Falsified materials (弄虚作假): the person is barred for the policy's years; every later
    declaration is refused with the reason, whatever the year."""
    until = integrity_bar_until(found_on, ctx.rules)
    if until is None:
        raise Refused(
            "本周期政策未规定弄虚作假的停止申报年限（policy.integrity_bar_years），无法登记",
            RefusalCode.policy_missing,
        )
    person = session.get(Person, id_number)
    if person is None:
        raise Refused(f"没有身份证号为 {mask(id_number)} 的申报人", RefusalCode.no_person)
    person.barred_until, person.bar_reason = until, reason
    session.add(person)
    return until
