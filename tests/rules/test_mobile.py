from __future__ import annotations

import pytest

from rules.mobile import InvalidMobile, check_mobile


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "86-13812345678",
        "008613812345678",
        "(+86) 13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_written_forms_of_one_number(text: str) -> None:
    assert check_mobile(text) == "13812345678"


@pytest.mark.parametrize("second", "3456789")
def test_every_allowed_second_digit(second: str) -> None:
    number = f"1{second}900001111"
    assert check_mobile(number) == number


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "为空"),
        ("   ", "为空"),
        ("1381234567", "为 10 位"),
        ("138123456789", "为 12 位"),
        ("8612345678", "为 10 位"),
        ("12812345678", "不是中国大陆手机号码"),
        ("10012345678", "以 13–19 开头"),
        ("23812345678", "不是中国大陆手机号码"),
        ("0931-8533360", "不是中国大陆手机号码"),
        ("138l2345678", "含有数字以外的字符"),
        ("138.1234.5678", "含有数字以外的字符"),
        ("+85213812345678", "只接受 +86"),
    ],
)
def test_refused(text: str, words: str) -> None:
    with pytest.raises(InvalidMobile) as caught:
        check_mobile(text)
    assert words in str(caught.value)


def test_the_message_quotes_what_was_written() -> None:
    with pytest.raises(ValueError, match="'0931-8533360'"):
        check_mobile("0931-8533360")
