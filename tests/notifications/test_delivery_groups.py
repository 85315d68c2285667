"""Delivery at scale: posts reuse a kept connection, and sent rows are marked in groups, so a
crash between sending and marking resends exactly the unmarked part of one group (each such
row saying so), never a row already marked, and loses none."""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import apprise
import pytest
from sqlalchemy import Connection, select
from sqlmodel import col

import notifications.delivery
from models.db import session_scope
from models.outbox import Message
from notifications.channels import Channels
from notifications.delivery import LEASE, RESENT, deliver
from notifications.keepalive import kept_connections
from tests.factories import bj, stored_cycle
from tests.notifications.receivers import HttpReceiver
from tests.notifications.test_delivery import queue

NOW = bj(2024, 10, 28, 10)


class Killed(BaseException):
    """The process dying: nothing after it runs, no except clause catches it."""


@pytest.mark.usefixtures("db")
def test_a_crash_before_a_group_is_marked_resends_that_group_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notifications.delivery, "MARK_EVERY", 3)
    monkeypatch.setattr(notifications.delivery, "MARK_WITHIN", 3600.0)
    cycle = stored_cycle()
    ids = queue(cycle, 7)
    real_write = notifications.delivery._Marks.write
    writes = Counter[str]()

    def write_once_then_die(self: notifications.delivery._Marks, connection: Connection) -> None:
        if self.waiting:
            writes["groups"] += 1
            if writes["groups"] >= 2:  # the second group is sent, then the process dies
                raise Killed
        real_write(self, connection)

    with HttpReceiver() as receiver:
        channels = Channels(everything=(f"json://127.0.0.1:{receiver.port}/hook",))
        monkeypatch.setattr(notifications.delivery._Marks, "write", write_once_then_die)
        with pytest.raises(Killed):
            deliver(session_scope, cycle, NOW, channels, [5])
        monkeypatch.undo()
        with session_scope() as session:
            marked = dict(
                session.execute(
                    select(col(Message.id), col(Message.status)).where(
                        col(Message.cycle_id) == cycle
                    )
                ).all()
            )
        assert [marked[i] for i in ids] == ["sent"] * 3 + ["sending"] * 4
        later = deliver(session_scope, cycle, NOW + LEASE, channels, [5])
    assert later.counts["sent"] == 4
    texts = Counter(m["message"] for m in receiver.received)
    assert len(texts) == 7, "a message was lost"
    assert sorted(texts.values()) == [1] * 4 + [2] * 3, "more than the unmarked group was resent"
    with session_scope() as session:
        rows = {
            r.id: r
            for r in session.execute(
                select(Message).where(col(Message.cycle_id) == cycle)
            ).scalars()
        }
    assert {r.status for r in rows.values()} == {"sent"}
    assert all((rows[i].last_error or "").startswith(RESENT) for i in ids[3:])
    assert not any(rows[i].last_error for i in ids[:3])


class _KeepAliveReceiver:
    """An HTTP/1.1 endpoint that notes the client port of every POST and the cookies it
    carried, and sets a cookie on every answer."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.cookies: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.ports.append(self.client_address[1])
                outer.cookies.append(self.headers.get("Cookie"))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.send_header("Set-Cookie", "session=abc; Path=/")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _post(sender: apprise.Apprise, times: int) -> None:
    for i in range(times):
        assert sender.notify(title="t", body=f"b{i}")


def test_posts_in_a_kept_block_share_one_connection_and_carry_no_cookie() -> None:
    receiver = _KeepAliveReceiver()
    try:
        sender = apprise.Apprise()
        sender.add(f"json://127.0.0.1:{receiver.port}/hook")
        with kept_connections():
            _post(sender, 4)
            # another thread is not routed through this thread's session
            other = threading.Thread(target=_post, args=(sender, 2))
            other.start()
            other.join()
        kept, elsewhere = receiver.ports[:4], receiver.ports[4:6]
        _post(sender, 2)  # after the block: requests' own functions again
        after = receiver.ports[6:]
    finally:
        receiver.close()
    assert len(set(kept)) == 1, "the kept block opened more than one connection"
    assert len(set(elsewhere)) == 2 and len(set(after)) == 2
    assert not set(kept) & set(elsewhere + after)
    assert receiver.cookies == [None] * 8, "a cookie from one answer reached the next message"
