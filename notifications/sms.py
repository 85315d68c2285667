"""An apprise plugin for an office's HTTP SMS gateway (apprise has none for the Chinese SMS
providers). URL form, with the secret in the password part so apprise masks it in logs:

    zhsms://ACCOUNT:SECRET@gateway.host:8080/api/send?to=13800000000&sign=甘肃人社

The gateway is reached over HTTPS: the POST carries the office's account and secret. Plain
HTTP only when the URL asks for it by name with ``secure=no`` (a gateway on the office's own
network without TLS), and every such send logs a warning. The gateway receives a JSON POST; the field names are configurable per office with
``field_to``, ``field_text``, ``field_sign``, ``field_account``, ``field_secret`` query
parameters (defaults: mobile, content, sign, account, secret)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib import request

import requests
from apprise.decorators import notify

from rules.mobile import InvalidMobile, check_mobile

DEFAULT_FIELDS = {
    "to": "mobile",
    "text": "content",
    "sign": "sign",
    "account": "account",
    "secret": "secret",
}
TIMEOUT = 10
PLAIN_HTTP = ("no", "false", "0")
log = logging.getLogger(__name__)


def gateway_request(meta: dict[str, Any], body: str, title: str) -> request.Request:
    """The HTTP request one message becomes (separate from sending, so it can be inspected);
    ``InvalidMobile`` when ``to`` is not a mainland mobile number: the gateway texts whatever
    it is given, so nothing else may reach it."""
    query = {k: (v[0] if isinstance(v, list) else v) for k, v in (meta.get("qsd") or {}).items()}
    fields = {name: query.get(f"field_{name}", default) for name, default in DEFAULT_FIELDS.items()}
    port = f":{meta['port']}" if meta.get("port") else ""
    scheme = "http" if str(query.get("secure", "yes")).lower() in PLAIN_HTTP else "https"
    url = f"{scheme}://{meta['host']}{port}{meta.get('fullpath') or '/'}"
    payload = {
        fields["to"]: check_mobile(str(query.get("to", ""))),
        fields["text"]: f"{title}\n{body}".strip() if title else body,
        fields["sign"]: query.get("sign", ""),
        fields["account"]: meta.get("user") or "",
        fields["secret"]: meta.get("password") or "",
    }
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return request.Request(
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )


@notify(on="zhsms", name="职称短信网关")
def send_sms(
    body: str, title: str, notify_type: str, meta: dict[str, Any], *args: Any, **kwargs: Any
) -> bool:
    """Posts one SMS to the gateway; a non-2xx answer or a dropped connection is a failure
    the outbox will retry."""
    if not (meta.get("qsd") or {}).get("to"):
        return False
    try:
        sms = gateway_request(meta, body, title)
    except InvalidMobile as exc:
        log.warning("短信未发送：%s", exc.reason)
        return False
    if sms.type == "http":
        log.warning("短信网关 %s 使用明文 HTTP（secure=no）：账号和密钥未加密传输", sms.host)
    try:
        # Through requests' module function, as apprise's own plugins post: a deliverer's
        # kept connection (notifications.keepalive) then serves it, one TLS handshake per
        # gateway and sender instead of one per message. A redirect is not followed (it would
        # lose the POST's body): not a 2xx answer, so a failure the outbox retries.
        answer = requests.post(
            sms.full_url,
            data=sms.data,
            headers=dict(sms.header_items()),
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except (requests.RequestException, OSError):
        return False
    return 200 <= answer.status_code < 300
