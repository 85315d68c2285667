"""Mainland China mobile numbers (手机号码): 11 digits, ``1`` then ``3``–``9``.

People write them as ``138 1234 5678``, ``138-1234-5678``, ``+86 13812345678`` or with
full-width digits from an input method; all of these are read as the same 11 digits.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-()（）]")
_PREFIX = re.compile(r"^(?:\+86|0086|86)(?=\d{11}$)")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class InvalidMobile(ValueError):
    """A mobile number that fails validation; the message says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_mobile(text: str) -> str:
    """The 11 digits, or ``InvalidMobile`` saying what is wrong."""
    written = text.strip()
    number = _PREFIX.sub("", _SEPARATORS.sub("", unicodedata.normalize("NFKC", written)))
    if not number:
        raise InvalidMobile("手机号码为空")
    if number.startswith("+"):
        raise InvalidMobile(
            f"手机号码 '{written}' 不是中国大陆号码（只接受 +86 或不带国家码的号码）"
        )
    if not number.isascii() or not number.isdigit():
        raise InvalidMobile(
            f"手机号码 '{written}' 含有数字以外的字符（可写空格、短横线或 +86 前缀）"
        )
    if len(number) != 11:
        raise InvalidMobile(f"手机号码应为 11 位数字，'{written}' 为 {len(number)} 位")
    if not _MOBILE.match(number):
        raise InvalidMobile(
            f"'{written}' 不是中国大陆手机号码（应以 13–19 开头；固定电话请填在联系电话栏）"
        )
    return number
