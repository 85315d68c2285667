"""outputs.cells.neutralise: formulas become text, everything else passes through typed."""

from __future__ import annotations

import datetime as dt

import pytest

from outputs.cells import neutralise


@pytest.mark.parametrize(
    "formula",
    ["=1+1", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1", "-", "=", "+86 138"],
)
def test_text_a_spreadsheet_would_run_gets_a_quote(formula: str) -> None:
    assert neutralise(formula) == "'" + formula


@pytest.mark.parametrize(
    "value",
    [
        -5,
        3.5,
        0,
        True,
        None,
        dt.date(2021, 7, 1),
        "-5",
        "+86",
        "-0.5",
        "2021-07-01",
        "张三",
        "a=b",
        " =x",
        "",
        "'=already",
    ],
)
def test_other_values_are_unchanged_and_keep_their_type(value: object) -> None:
    assert neutralise(value) is value
