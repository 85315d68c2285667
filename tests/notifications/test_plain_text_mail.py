"""Finding 11: message texts are plain text. A unit named ``<img src=x onerror=…>`` reaches an
e-mail reader as those characters, never as live HTML."""

from __future__ import annotations

import pytest

from models.db import session_scope
from notifications.channels import Channels
from notifications.delivery import deliver
from notifications.reminders import Offset, insert_messages, message_row
from tests.factories import bj, stored_cycle
from tests.notifications.receivers import SmtpReceiver

NAME = '<img src=x onerror="alert(document.cookie)">单位'


def parts(message) -> dict[str, str]:
    """Each text part of a received mail, decoded, by its content type."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            charset = part.get_content_charset() or "utf-8"
            found[part.get_content_type()] = part.get_payload(decode=True).decode(charset)
    return found


@pytest.mark.usefixtures("db")
def test_a_name_with_markup_arrives_as_text_not_html() -> None:
    cycle = stored_cycle()
    row = message_row(
        cycle,
        "unit_pending",
        "U-html",
        "unit",
        "U-html",
        bj(2024, 11, 1),
        Offset("d-3@09:00", bj(2024, 10, 28, 9)),
        bj(2024, 10, 28, 9),
        2,
        True,
        org_name=NAME,
        phase_title="单位审核推荐",
        return_limit=3,
    )
    assert NAME in row["body"]
    with session_scope() as session:
        insert_messages(session, [row])
    with SmtpReceiver() as smtp:
        url = f"mailto://127.0.0.1:{smtp.port}?from=zgb@example.gov.cn&to=unit@example.gov.cn&mode=insecure"
        result = deliver(
            session_scope, cycle, bj(2024, 10, 28, 9, 5), Channels(everything=(url,)), [5]
        )
    assert result.counts["sent"] == 1
    (message,) = smtp.messages
    texts = parts(message)
    assert texts, message.as_string()[:500]
    # no part a mail reader renders holds the tag as markup
    assert all("<img" not in body for kind, body in texts.items() if kind == "text/html")
    # and the recipient still reads the name as written
    plain = texts.get("text/plain") or ""
    html = texts.get("text/html") or ""
    assert NAME in plain or "&lt;img src=x onerror=" in html, texts
