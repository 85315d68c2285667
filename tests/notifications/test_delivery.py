"""Real delivery through apprise to local receivers: nothing lost, nothing sent twice."""

from __future__ import annotations

import datetime as dt
import threading
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from models.db import session_scope
from models.outbox import Message
from notifications.channels import Channels, load_channels
from notifications.delivery import LEASE, claim, deliver
from notifications.reminders import Offset, insert_messages, message_row
from tests.factories import bj, stored_cycle
from tests.notifications.receivers import HttpReceiver, SmtpReceiver, free_port

pytestmark = pytest.mark.usefixtures("db")
RETRY = [5, 15, 60]


def queue(
    cycle: str, count: int, *, deadline=None, due=None, kind: str = "unit_pending"
) -> list[int]:
    deadline = deadline or bj(2024, 11, 1)
    due = due or bj(2024, 10, 28, 9)
    rows = [
        message_row(
            cycle,
            kind,
            f"U{i}",
            "unit",
            f"U{i}",
            deadline,
            Offset("d-3@09:00", due),
            due,
            2,
            True,
            org_name=f"单位{i}",
            phase_title="单位审核推荐",
            return_limit=3,
        )
        for i in range(count)
    ]
    with session_scope() as session:
        insert_messages(session, rows)
        return list(
            session.execute(
                select(Message.id).where(Message.cycle_id == cycle).order_by(Message.id)
            ).scalars()
        )


def statuses(cycle: str) -> dict[str, int]:
    with session_scope() as session:
        rows = (
            session.execute(select(Message.status).where(Message.cycle_id == cycle)).scalars().all()
        )
    return {s: rows.count(s) for s in set(rows)}


def test_http_delivery_then_a_rerun_sends_nothing() -> None:
    cycle = stored_cycle()
    queue(cycle, 3)
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        first = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 5), channels, RETRY)
        again = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 6), channels, RETRY)
    assert first.counts["sent"] == 3 and sum(again.counts.values()) == 0
    assert len(receiver.received) == 3
    assert "单位审核提醒" in receiver.received[0]["title"]
    assert "2024年10月31日24:00（北京时间）" in receiver.received[0]["message"]


def test_smtp_delivery() -> None:
    cycle = stored_cycle()
    queue(cycle, 1)
    with SmtpReceiver() as smtp:
        url = f"mailto://127.0.0.1:{smtp.port}?from=zgb@example.gov.cn&to=unit@example.gov.cn&mode=insecure"
        result = deliver(
            session_scope, cycle, bj(2024, 10, 28, 9, 5), Channels(everything=(url,)), RETRY
        )
    assert result.counts["sent"] == 1
    assert len(smtp.messages) == 1
    assert "单位审核提醒" in str(make_header(decode_header(smtp.messages[0]["Subject"])))


SECRET = "S3cret-T0ken"


def test_receiver_down_messages_wait_and_go_out_later() -> None:
    cycle = stored_cycle()
    queue(cycle, 2)
    port = free_port()
    channels = Channels(everything=(f"json://zgb:{SECRET}@127.0.0.1:{port}/hook",))
    down = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 5), channels, RETRY)
    assert down.counts["failed"] == 2
    with session_scope() as session:
        rows = session.execute(select(Message).where(Message.cycle_id == cycle)).scalars().all()
        assert all(r.next_attempt_at == bj(2024, 10, 28, 9, 10) and r.last_error for r in rows)
        assert all(SECRET not in (r.last_error or "") for r in rows)
    with HttpReceiver(port) as receiver:
        too_soon = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 7), channels, RETRY)
        assert sum(too_soon.counts.values()) == 0
        later = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 11), channels, RETRY)
    assert later.counts["sent"] == 2 and len(receiver.received) == 2
    assert statuses(cycle) == {"sent": 2}


@pytest.mark.parametrize(
    "url",
    [
        f"nosuchscheme://zgb:{SECRET}@sms.example.gov.cn/send",  # apprise knows no such plugin
        f"mailto://zgb:{SECRET}@",  # a known plugin that cannot be built from this URL
    ],
)
def test_an_unusable_address_is_reported_without_its_secret(url: str) -> None:
    cycle = stored_cycle()
    queue(cycle, 1)
    result = deliver(
        session_scope, cycle, bj(2024, 10, 28, 9, 5), Channels(everything=(url,)), RETRY
    )
    assert result.counts["failed"] == 1
    with session_scope() as session:
        (error,) = session.execute(
            select(Message.last_error).where(Message.cycle_id == cycle)
        ).scalars()
    assert error is not None and "无法识别的通知地址" in error
    assert url.split("://")[0] in error and SECRET not in error


def test_a_reminder_past_its_deadline_expires_instead_of_going_out_late() -> None:
    cycle = stored_cycle()
    queue(cycle, 1, deadline=bj(2024, 10, 28, 12), due=bj(2024, 10, 28, 9))
    with HttpReceiver() as receiver:
        result = deliver(
            session_scope,
            cycle,
            bj(2024, 10, 28, 12, 0),
            Channels(everything=(f"json://127.0.0.1:{receiver.port}/",)),
            RETRY,
        )
    assert result.counts["expired"] == 1 and receiver.received == []
    assert statuses(cycle) == {"expired": 1}


def test_two_runs_at_once_send_each_row_once() -> None:
    cycle = stored_cycle()
    queue(cycle, 20)
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        threads = [
            threading.Thread(
                target=deliver, args=(session_scope, cycle, bj(2024, 10, 28, 9, 5), channels, RETRY)
            )
            for _ in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert statuses(cycle) == {"sent": 20}
    assert len(receiver.received) == 20


def test_a_crash_between_sending_and_marking_resends_only_that_row() -> None:
    cycle = stored_cycle()
    queue(cycle, 3)
    now = bj(2024, 10, 28, 9, 5)
    with session_scope() as session:
        lost = claim(session, cycle, now, "crashed-run")  # claimed, then the process died
    assert len(lost) == 3
    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        assert (
            sum(
                deliver(
                    session_scope, cycle, now + dt.timedelta(minutes=1), channels, RETRY
                ).counts.values()
            )
            == 0
        )
        after_lease = deliver(
            session_scope, cycle, now + LEASE + dt.timedelta(seconds=1), channels, RETRY
        )
    assert after_lease.counts["sent"] == 3 and len(receiver.received) == 3


def test_no_channel_stays_visible() -> None:
    cycle = stored_cycle()
    queue(cycle, 1)
    result = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 5), Channels(), RETRY)
    assert result.counts["no_channel"] == 1
    with session_scope() as session:
        row = session.execute(select(Message).where(Message.cycle_id == cycle)).scalar_one()
        assert row.status == "no_channel" and "未配置" in row.last_error


def test_channels_come_from_configuration(tmp_path) -> None:
    path = tmp_path / "channels.yaml"
    path.write_text(
        'kinds:\n  applicant: ["zhsms://acct:key@127.0.0.1:9/send?to={phone}"]\n'
        'codes:\n  "620200": ["json://127.0.0.1:9/city"]\n',
        encoding="utf-8",
    )
    channels = load_channels(path)
    assert channels.urls_for("city", "620200") == ["json://127.0.0.1:9/city"]
    assert channels.urls_for("applicant", "620201198001010016", "13800000000") == [
        "zhsms://acct:key@127.0.0.1:9/send?to=13800000000"
    ]
    assert channels.urls_for("applicant", "620201198001010016", None) == []


def test_an_imported_address_wins_over_the_channels_file() -> None:
    """An organisation's own address (organisations import) beats channels.yaml for it; an
    organisation without one still uses the file's address for its kind."""
    from models.org import Organisation

    cycle = stored_cycle()
    suffix = cycle[-6:]
    codes = [f"U0{suffix}", f"U1{suffix}"]
    with HttpReceiver() as own, HttpReceiver() as default:
        with session_scope() as session:
            session.add(
                Organisation(
                    code=codes[0],
                    name="单位0",
                    kind="unit",
                    path=f"620000/{codes[0]}",
                    notify_url=f"json://127.0.0.1:{own.port}/own",
                )
            )
        rows = [
            message_row(
                cycle,
                "unit_pending",
                code,
                "unit",
                code,
                bj(2024, 11, 1),
                Offset("d-3@09:00", bj(2024, 10, 28, 9)),
                bj(2024, 10, 28, 9),
                2,
                True,
                org_name=code,
                phase_title="单位审核推荐",
                return_limit=3,
            )
            for code in codes
        ]
        with session_scope() as session:
            insert_messages(session, rows)
        channels = Channels(kinds={"unit": [f"json://127.0.0.1:{default.port}/default"]})
        result = deliver(session_scope, cycle, bj(2024, 10, 28, 9, 5), channels, RETRY)
    assert result.counts["sent"] == 2
    assert [m["message"].count(codes[0]) > 0 for m in own.received] == [True]
    assert [m["message"].count(codes[1]) > 0 for m in default.received] == [True]
