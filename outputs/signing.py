"""Verification codes that cannot be forged: an HMAC-SHA256 over the certificate's canonical
fields, keyed by the office's secret (ZHICHENG_SIGNING_KEY), never a built-in key."""

from __future__ import annotations

import base64
import hashlib
import hmac

from models.context import Refused
from models.settings import settings

MAC_BYTES = 20  # 160 bits


class MalformedCode(ValueError):
    pass


def signing_key() -> bytes:
    key = settings().signing_key
    if not key:
        raise Refused(
            "未配置证书签名密钥：请设置环境变量 ZHICHENG_SIGNING_KEY（由省职改办保管）",
            "no_signing_key",
        )
    return key.encode("utf-8")


def canonical(
    number: str, id_number: str, name: str, title: str, committee: str, issued_on: str
) -> bytes:
    return "|".join((number, id_number, name, title, committee, issued_on)).encode("utf-8")


def sign(number: str, fields: bytes, key: bytes) -> str:
    mac = hmac.new(key, fields, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.b32encode(number.encode("ascii") + b"." + mac).decode("ascii").rstrip("=")


def split(code: str) -> tuple[str, bytes]:
    """The certificate number and MAC a code carries; anything else is malformed."""
    text = code.strip().upper()
    try:
        raw = base64.b32decode(text + "=" * (-len(text) % 8))
    except ValueError:  # binascii.Error (bad padding or letters) is a ValueError
        raise MalformedCode("验证码格式错误") from None
    number, dot, mac = raw.partition(b".")
    if not dot or len(mac) != MAC_BYTES:
        raise MalformedCode("验证码格式错误")
    # Only certificate numbers we issue (letters and digits): anything else, a NUL byte from a
    # tampered code included, never reaches the database.
    if not number.isalnum() or not number.isascii():
        raise MalformedCode("验证码格式错误")
    return number.decode("ascii"), mac


def matches(mac: bytes, fields: bytes, key: bytes) -> bool:
    return hmac.compare_digest(mac, hmac.new(key, fields, hashlib.sha256).digest()[:MAC_BYTES])
