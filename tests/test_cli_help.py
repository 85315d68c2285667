"""Every help page shows all of its words in an 80-column terminal: Rich wraps only at spaces,
and a Chinese help text wider than its cell was cut off with "…" (zhicheng.help_pages)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer.main
from typer.core import TyperGroup
from typer.testing import CliRunner

from zhicheng.cli import app

runner = CliRunner()
ROOT = typer.main.get_command(app)


def commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, TyperGroup):
        for name, sub in command.commands.items():
            yield from commands(sub, (*path, name))


def command_at(path: tuple[str, ...]) -> typer.main.TyperCommand | TyperGroup:
    command = ROOT
    for name in path:
        assert isinstance(command, TyperGroup)
        command = command.commands[name]
    assert isinstance(command, typer.main.TyperCommand | TyperGroup)
    return command


def squashed(text: str) -> str:
    """The words alone: no spaces, line ends or table borders (a folded run of Chinese goes on
    in the next row of the same cell)."""
    return re.sub(r"[\s│╭╮╰╯─]", "", text)


PAGES = sorted(commands(ROOT))


@pytest.mark.parametrize("path", PAGES, ids=[" ".join(p) or "zhicheng" for p in PAGES])
def test_every_help_text_is_shown_whole_at_80_columns(path: tuple[str, ...]) -> None:
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "…" not in shown.output, shown.output
    page = squashed(shown.output)
    command = command_at(path)
    helps = [p.help for p in command.params if getattr(p, "help", None)]
    if isinstance(command, TyperGroup):  # each command's summary: its first paragraph
        helps += [(sub.help or "").split("\n\n")[0] for sub in command.commands.values()]
    for text in helps:  # word by word: a wrapped left column may stand between two lines
        for word in (text or "").split():
            assert squashed(word) in page, (word, shown.output)
