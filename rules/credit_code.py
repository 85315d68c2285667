"""The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies a unit.

Layout, 18 characters from the alphabet ``0``–``9`` and the capital letters without I, O, S, V
and Z (31 characters):

- 1: the registration authority (登记管理部门代码: 1 机构编制, 5 民政, 9 工商, Y 其他 …);
- 2: the kind of organisation within that authority (机构类别代码);
- 3–8: the region of the registration authority (登记管理机关行政区划码, GB/T 2260, digits);
- 9–17: the organisation code (主体标识码, GB 11714-1997): eight characters and their own check
  character (MOD 11: weights 3 7 9 10 5 8 4 2, ``X`` for 10, ``0`` for 11);
- 18: the check character over the first 17 (weights 3^(i-1) mod 31, value 31 − sum mod 31).

The authority and kind codes are not checked against a list: the lists grow (军队 ``A``, 农业
``N`` …) and a unit with a new code must not be refused; the check characters catch typing
errors.
"""

from __future__ import annotations

import unicodedata

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
LENGTH = 18


class InvalidCreditCode(ValueError):
    """A unified social credit code that fails validation; the message says why, in Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015 §5)."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(first8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997): digits count as themselves,
    letters A–Z as 10–35."""
    total = sum(int(c, 36) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def check_credit_code(text: str) -> str:
    """The code normalised (full-width characters and lower case as typed by an input method,
    spaces removed), or ``InvalidCreditCode`` naming what is wrong."""
    code = "".join(unicodedata.normalize("NFKC", text).split()).upper()
    if not code:
        raise InvalidCreditCode("统一社会信用代码为空")
    if len(code) != LENGTH:
        raise InvalidCreditCode(f"统一社会信用代码应为 {LENGTH} 位，'{code}' 为 {len(code)} 位")
    for position, char in enumerate(code, start=1):
        if char not in _VALUE:
            hint = "（代码中不使用字母 I、O、S、V、Z）" if char in "IOSVZ" else ""
            raise InvalidCreditCode(
                f"统一社会信用代码 '{code}' 第 {position} 位 '{char}' 不是允许的字符"
                f"（只能是数字和大写字母）{hint}"
            )
    if not code[2:8].isdigit():
        raise InvalidCreditCode(
            f"统一社会信用代码 '{code}' 第 3–8 位（登记管理机关行政区划码）应为 6 位数字，"
            f"实为 '{code[2:8]}'"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise InvalidCreditCode(
            f"统一社会信用代码 '{code}' 校验码错误：第 18 位应为 '{expected}'，实为 '{code[17]}'"
            "（请核对是否有输错的字符）"
        )
    expected_org = organisation_check_character(code[8:16])
    if code[16] != expected_org:
        raise InvalidCreditCode(
            f"统一社会信用代码 '{code}' 中的组织机构代码（第 9–17 位）校验码错误："
            f"第 17 位应为 '{expected_org}'，实为 '{code[16]}'"
        )
    return code
