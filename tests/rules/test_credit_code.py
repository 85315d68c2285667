"""Unified social credit codes (GB 32100-2015): valid codes are built here with the standard's
check equations written independently of ``rules.credit_code`` (the check character makes the
weighted sum of all 18 characters ≡ 0 mod 31; the organisation code's makes its 9 ≡ 0 mod 11)."""

from __future__ import annotations

import random

import pytest

from rules.credit_code import InvalidCreditCode, check_credit_code

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100 表1: no I, O, S, V, Z


def weights31() -> list[int]:
    out, w = [], 1
    for _ in range(17):
        out.append(w)
        w = w * 3 % 31
    return out


def org_check(body: str) -> str:
    """The character c that makes 3a+7b+9c+10d+5e+8f+4g+2h + value(c) ≡ 0 (mod 11)."""
    total = sum(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".index(ch) * w
        for ch, w in zip(body, [3, 7, 9, 10, 5, 8, 4, 2], strict=True)
    )
    for candidate, value in [*((str(d), d) for d in range(1, 10)), ("X", 10), ("0", 11)]:
        if (total + value) % 11 == 0:
            return candidate
    raise AssertionError(body)


def final_check(first17: str) -> str:
    total = sum(CHARS.index(ch) * w for ch, w in zip(first17, weights31(), strict=True))
    matches = [c for c in CHARS if (total + CHARS.index(c)) % 31 == 0]
    assert len(matches) == 1
    return matches[0]


def make_code(
    rng: random.Random, authority: str = "9", kind: str = "1", region: str = "620102"
) -> str:
    body = "".join(rng.choice(CHARS) for _ in range(8))
    first17 = authority + kind + region + body + org_check(body)
    return first17 + final_check(first17)


@pytest.fixture
def codes() -> list[str]:
    rng = random.Random(11)
    kinds = [("9", "1"), ("1", "2"), ("5", "2"), ("Y", "1"), ("9", "2")]
    return [make_code(rng, *kinds[i % len(kinds)]) for i in range(500)]


def test_generated_codes_pass(codes: list[str]) -> None:
    assert all(check_credit_code(c) == c for c in codes)


def test_the_standards_published_example() -> None:
    # GB 32100-2015 附录 示例
    assert check_credit_code("91350100M000100Y43") == "91350100M000100Y43"


def test_typing_forms_are_normalised() -> None:
    assert check_credit_code(" 91350100m000100y43\n") == "91350100M000100Y43"
    assert check_credit_code("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"
    assert check_credit_code("9135 0100 M000 100Y 43") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "为空"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000100Y433", "为 19 位"),
        ("91350100M0001O0Y43", "第 14 位 'O' 不是允许的字符"),
        ("91350100M0001I0Y43", "不使用字母 I、O、S、V、Z"),
        ("913501-0M000100Y43", "第 7 位 '-'"),
        ("9135A100M000100Y43", "第 3–8 位（登记管理机关行政区划码）应为 6 位数字"),
    ],
)
def test_malformed(text: str, words: str) -> None:
    with pytest.raises(InvalidCreditCode) as caught:
        check_credit_code(text)
    assert words in str(caught.value)


def test_every_wrong_final_check_names_the_expected_one(codes: list[str]) -> None:
    for code in codes[:40]:
        for wrong in CHARS:
            if wrong == code[17]:
                continue
            with pytest.raises(InvalidCreditCode) as caught:
                check_credit_code(code[:17] + wrong)
            assert f"第 18 位应为 '{code[17]}'，实为 '{wrong}'" in str(caught.value)


def test_a_single_changed_character_is_caught(codes: list[str]) -> None:
    rng = random.Random(3)
    for code in codes:
        position = rng.randrange(17)
        replacement = rng.choice([c for c in CHARS if c != code[position]])
        if position in range(2, 8) and not replacement.isdigit():
            replacement = str((int(code[position]) + 1) % 10)
        with pytest.raises(InvalidCreditCode, match="校验码错误"):
            check_credit_code(code[:position] + replacement + code[position + 1 :])


def test_a_wrong_organisation_check_with_a_consistent_final_check() -> None:
    rng = random.Random(5)
    body = "".join(rng.choice(CHARS) for _ in range(8))
    good = org_check(body)
    bad = next(c for c in "0123456789X" if c != good)
    first17 = "91620102" + body + bad
    with pytest.raises(InvalidCreditCode) as caught:
        check_credit_code(first17 + final_check(first17))
    assert f"第 17 位应为 '{good}'，实为 '{bad}'" in str(caught.value)
    assert "组织机构代码" in str(caught.value)


def test_it_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        check_credit_code("1")
