"""Every help page shows all of its words in an 80-column terminal: Rich wraps only at spaces,
and a Chinese help text wider than its cell was cut off with "…" (zhicheng.help_pages)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import typer.main
from typer import rich_utils
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
    """The words alone: no spaces or line ends."""
    return re.sub(r"\s", "", text)


def cell(lines: list[str], label: str, text: str) -> str:
    """The words of the table cell beside ``label`` (an option, argument or command), from its
    row down to the end of the panel: a folded text goes on in the same column of the rows
    below, whatever a wrapped left column holds there (the left columns are ASCII, so a
    character's index is its column)."""
    first = text.split()[0]
    for i, line in enumerate(lines):
        named = re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", line)
        if not line.startswith("│") or named is None:
            continue
        for size in range(len(first), 0, -1):
            column = line.find(first[:size], named.end())
            if column >= 0:
                break
        else:
            continue
        rows = []
        for row in lines[i:]:
            if not row.startswith("│"):
                break
            rows.append(row[column:].rstrip().removesuffix("│"))
        return squashed("".join(rows))
    return ""


@pytest.fixture(autouse=True)
def plain_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """80 columns without colour, whatever the environment says: Typer reads TERMINAL_WIDTH
    and the CI's colour variables once, at import."""
    monkeypatch.setattr(rich_utils, "MAX_WIDTH", 80)
    monkeypatch.setattr(rich_utils, "FORCE_TERMINAL", False)


PAGES = sorted(commands(ROOT))


@pytest.mark.parametrize("path", PAGES, ids=[" ".join(p) or "zhicheng" for p in PAGES])
def test_every_help_text_is_shown_whole_at_80_columns(path: tuple[str, ...]) -> None:
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    assert "…" not in shown.output, shown.output
    lines = shown.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    command = command_at(path)
    helps = [
        (p.opts[0] if p.param_type_name == "option" else (p.name or ""), p.help)
        for p in command.params
        if getattr(p, "help", None)
    ]
    if isinstance(command, TyperGroup):  # each command's summary: its first paragraph
        helps += [
            (name, (sub.help or "").split("\n\n")[0]) for name, sub in command.commands.items()
        ]
    for label, text in helps:
        assert cell(lines, label, text or "").startswith(squashed(text or "")), (
            label,
            shown.output,
        )
