"""Finding 4: a phone number goes into the SMS channel's apprise URL validated and quoted, so a
stored number like ``13800000000&field_secret=content`` can never add a query parameter that
makes the gateway text the office's secret to that phone."""

from __future__ import annotations

import apprise
import pytest
from sqlalchemy import select, update
from sqlmodel import col

import notifications.sms  # noqa: F401  (registers zhsms://)
from models.application import Application, Person
from models.db import session_scope
from models.outbox import Message
from notifications.channels import Channels
from notifications.delivery import deliver
from notifications.reminders import Offset, insert_messages, message_row
from tests.factories import bj, drafts, stored_cycle
from tests.notifications.receivers import HttpReceiver

SECRET = "gateway-secret-42"
HOSTILE = "13800000000&field_secret=content"


def applicants_reminder(phones: list[str]) -> str:
    """A cycle with one queued SMS reminder for each of ``phones``' applicants."""
    cycle = stored_cycle()
    rows = []
    with session_scope() as session:
        for app_id, phone in zip(drafts(cycle, len(phones)), phones, strict=True):
            application = session.get(Application, app_id)
            assert application is not None
            person = application.person_id
            session.execute(
                update(Person).where(col(Person.id_number) == person).values(phone=phone)
            )
            rows.append(
                message_row(
                    cycle,
                    "declaration_draft",
                    person,
                    "applicant",
                    f"application:{app_id}",
                    bj(2024, 11, 1),
                    Offset("d-3@09:00", bj(2024, 10, 28, 9)),
                    bj(2024, 10, 28, 9),
                    1,
                    True,
                    name="张三",
                    id_masked=person[:6] + "********" + person[-4:],
                    cycle_title="嘉峪关市2024年度职称评审",
                    days_left=3,
                )
            )
        insert_messages(session, rows)
    return cycle


def statuses(cycle: str) -> list[str]:
    with session_scope() as session:
        return list(
            session.execute(
                select(col(Message.status))
                .where(col(Message.cycle_id) == cycle)
                .order_by(col(Message.id))
            ).scalars()
        )


@pytest.mark.usefixtures("db")
def test_a_hostile_phone_number_never_reaches_the_gateway() -> None:
    cycle = applicants_reminder([HOSTILE, "138 0000 1111"])
    with HttpReceiver() as gateway:
        template = f"zhsms://acct:{SECRET}@127.0.0.1:{gateway.port}/send?to={{phone}}&secure=no"
        channels = Channels(kinds={"applicant": [template]})
        result = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 5), channels, [5])
    assert all(SECRET not in payload.get("content", "") for payload in gateway.received)
    # the hostile number reaches nobody; the ordinary one, written with spaces, is sent as digits
    assert [payload["mobile"] for payload in gateway.received] == ["13800001111"]
    assert statuses(cycle) == ["no_channel", "sent"]
    assert result.counts["sent"] == 1 and result.counts["no_channel"] == 1


def test_the_plugin_refuses_a_recipient_that_is_no_mobile_number() -> None:
    with HttpReceiver() as gateway:
        sender = apprise.Apprise()
        for to in ("13800000000%26field_secret%3Dcontent", "110", "+1 555 0100"):
            assert sender.add(
                f"zhsms://acct:{SECRET}@127.0.0.1:{gateway.port}/send?to={to}&secure=no"
            )
        assert sender.notify(body="x") is False
    assert gateway.received == []
