"""Finding 3: the SMS gateway plugin sends the office's secret over HTTPS unless the URL asks
for plain HTTP by name (``secure=no``), and then it logs a warning."""

from __future__ import annotations

import logging

import apprise
import pytest

import notifications.sms  # noqa: F401  (registers zhsms://)
from tests.notifications.receivers import HttpReceiver

SECRET = "gateway-secret-42"


def sms_url(port: int, extra: str = "") -> str:
    return f"zhsms://acct01:{SECRET}@127.0.0.1:{port}/api/send?to=13800000000{extra}"


def test_without_secure_the_secret_never_reaches_a_plain_http_listener() -> None:
    with HttpReceiver() as plain:
        sender = apprise.Apprise()
        assert sender.add(sms_url(plain.port))
        sent = sender.notify(title="职称申报提醒", body="请于截止前提交")
    assert plain.received == [] and sent is False


def test_plain_http_asked_for_by_name_is_sent_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING), HttpReceiver() as plain:
        sender = apprise.Apprise()
        assert sender.add(sms_url(plain.port, "&secure=no"))
        assert sender.notify(title="职称申报提醒", body="请于截止前提交")
    (payload,) = plain.received
    assert payload["secret"] == SECRET
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("HTTP" in w and "127.0.0.1" in w for w in warnings), warnings
    assert all(SECRET not in w for w in warnings)
