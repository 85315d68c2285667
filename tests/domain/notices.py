"""Where the tests find the notices (the primary source, kept outside the repository).

Looked up at $ZHICHENG_NOTICES if set, else ``<repo>/../shared/notices``, else
``/work/shared/notices``. Without them a test that needs them skips — except under
``CI=true``, where a missing notice directory fails it: CI runs from a clean clone at another
path, where ``../shared`` does not exist, so it must set ZHICHENG_NOTICES."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def candidates() -> list[Path]:
    found = [REPO.parent / "shared" / "notices", Path("/work/shared/notices")]
    if os.environ.get("ZHICHENG_NOTICES"):
        found.insert(0, Path(os.environ["ZHICHENG_NOTICES"]))
    return found


def notices_dir() -> Path:
    for folder in candidates():
        if folder.is_dir():
            return folder
    where = "、".join(str(c) for c in candidates())
    if os.environ.get("CI") == "true":
        pytest.fail(f"找不到通知目录（{where}）；CI 下须设 ZHICHENG_NOTICES")
    pytest.skip(f"找不到通知目录（{where}）")


def notice_path(number: str) -> Path:
    """The file of notice ``number`` (``004`` → ``004_….txt``)."""
    files = sorted(notices_dir().glob(f"{number}_*.txt"))
    if len(files) != 1:
        pytest.fail(f"通知 {number} 应恰有一个文件，实有 {[f.name for f in files]}")
    return files[0]


def notice_text(number: str) -> str:
    return notice_path(number).read_text(encoding="utf-8")


# A clause label (``三(四)``, ``二(五)2(2)``, ``附件3 五(六)``, ``附件1 备注1``, ``附件3 序号2``,
# ``申报条件(三)``) as the headings of a notice: 附件N, 一、, （一）, 1., (1); a row of a table
# (序号N); a note (注/备注 N); or a heading's own words.
_NUMERALS = "一二三四五六七八九十"
_TOKEN = re.compile(
    rf"附件\s*\d+|序号\d+|备注\d+|注\d+|\([{_NUMERALS}]+\)|（[{_NUMERALS}]+）|\(\d+\)|（\d+）"
    rf"|\d+|[{_NUMERALS}]+(?![\u4e00-\u9fff])|[\u4e00-\u9fff]+"
)
_HEADINGS: list[tuple[int, re.Pattern[str]]] = [
    (0, re.compile(r"^附件\s*\d+\s*[：:]?\s*$")),
    (1, re.compile(rf"^[{_NUMERALS}]+、")),
    (2, re.compile(rf"^[（(][{_NUMERALS}]+[）)]")),
    (3, re.compile(r"^\d+\s*[\.．、](?!\d)")),
    (4, re.compile(r"^[（(]\d+[）)]")),
]
_NOTE = re.compile(r"^(备注|注)\s*[:：]?\s*")


def _rank(line: str) -> int | None:
    for rank, pattern in _HEADINGS:
        if pattern.match(line):
            return rank
    return None


def _section(lines: list[str], token: str) -> list[str] | None:
    """The lines of the section ``token`` names, among ``lines`` (a parent section)."""
    if token.startswith("序号"):
        number = token.removeprefix("序号")
        row = [line for line in lines if re.match(rf"^{number}\t", line)]
        return row[:1] or None
    if token.startswith(("备注", "注")):
        number = re.sub(r"\D", "", token)
        start = next((i for i, line in enumerate(lines) if _NOTE.match(line)), None)
        if start is None:
            return None
        notes = [_NOTE.sub("", lines[start]), *lines[start + 1 :]]
        return _section(notes, number)
    if re.fullmatch(r"附件\s*\d+", token):
        digits = re.sub(r"\D", "", token)
        rank, wanted = 0, re.compile(rf"^附件\s*{digits}\s*[：:]?\s*$")
    elif re.fullmatch(rf"[{_NUMERALS}]+", token):
        rank, wanted = 1, re.compile(rf"^{token}、")
    elif re.fullmatch(rf"[（(][{_NUMERALS}]+[）)]", token):
        rank, wanted = 2, re.compile(rf"^[（(]{token[1:-1]}[）)]")
    elif token.isdigit():
        rank, wanted = 3, re.compile(rf"^{token}\s*[\.．、](?!\d)")
    elif re.fullmatch(r"[（(]\d+[）)]", token):
        rank, wanted = 4, re.compile(rf"^[（(]{token[1:-1]}[）)]")
    else:  # a heading's own words (002's 申报条件, 附件3's 诚信承诺书): a short line holding them
        rank, wanted = 1, re.compile(rf"^.{{0,20}}{re.escape(token)}.{{0,20}}$")
        start = next((i for i, line in enumerate(lines) if wanted.match(line)), None)
        if start is None:
            return None
        end = next(
            (i for i in range(start + 1, len(lines)) if (_rank(lines[i]) or 9) <= rank),
            len(lines),
        )
        return lines[start:end]
    start = next((i for i, line in enumerate(lines) if wanted.match(line)), None)
    if start is None:
        return None
    end = next(
        (i for i in range(start + 1, len(lines)) if (_rank(lines[i]) or 9) <= rank),
        len(lines),
    )
    return lines[start:end]


def clause_text(number: str, clause: str) -> str | None:
    """The text of ``clause`` in notice ``number``, or None when the notice has no such clause."""
    lines = [line.strip(" \t\u3000") for line in notice_text(number).splitlines()]
    lines = [line for line in lines if line]
    for token in _TOKEN.findall(clause.replace(" ", " ")):
        found = _section(lines, token.replace(" ", ""))
        if found is None:
            return None
        lines = found
    return "\n".join(lines)
