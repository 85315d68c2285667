"""Help pages that show every word of a Chinese help text in an 80-column terminal.

Rich wraps text only at spaces. Typer sets out each option's help, and each command's summary,
in a table cell, and a run of Chinese with no space in it that is wider than the cell is cut off
with "…". That happened on 18 of our 46 help pages. Rich's answer is ``overflow="fold"``, which
breaks such a run anywhere (Chinese may break between any two characters). Typer has no setting
for it, so the texts its help builder makes are given that overflow as they are made.
``tests/test_cli_help.py`` renders every help page at 80 columns, so a Typer release that moves
that builder is caught there and not by an official reading a cut-off line. Only Typer's
Rich help (its default, and ours) is changed: Markdown help, or Click's plain help
(``TYPER_USE_RICH=0``), would still cut such lines short."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from rich.text import Text
from typer import rich_utils

# Where Typer makes every help text it sets out (typer.rich_utils, as of Typer 0.29: the
# commands' summaries, the options' help and the epilogues all go through it).
_BUILDER = "_make_rich_text"
_FOLDING: set[Callable[..., Any]] = set()


def _folding(build: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(build)
    def built(*args: Any, **kwargs: Any) -> Any:
        made = build(*args, **kwargs)
        if isinstance(made, Text):
            made.overflow = "fold"
        return made

    _FOLDING.add(built)
    return built


def fold_long_chinese_lines() -> None:
    """Makes Typer's help texts fold (once; a Typer without that builder is left as it is)."""
    build = getattr(rich_utils, _BUILDER, None)
    if build is not None and build not in _FOLDING:
        setattr(rich_utils, _BUILDER, _folding(build))
