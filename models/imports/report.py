"""What an import found: every bad row (row, column, value as written, why) and the counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import TypeVar

Rows = list[tuple[int, dict[str, str]]]
FILE_ROW = 0  # a problem of the whole file (empty, wrong template), not of one row


@dataclass(frozen=True)
class ImportColumn:
    header: str  # the column's Chinese heading, exactly as in the template
    note: str  # the template's 说明 under the heading
    required: bool = False


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    why: str


@dataclass
class ImportResult:
    kind: str
    dry_run: bool = False
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # Accounts only: the generated password of each new account, to be handed over once.
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


class Problems:
    """Collects every problem instead of stopping at the first one."""

    def __init__(self) -> None:
        self.errors: list[RowError] = []

    def add(self, row: int, column: str, value: str, why: str) -> None:
        self.errors.append(RowError(row, column, value, why))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def sorted(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.row)


def cell(values: dict[str, str], header: str) -> str:
    """A cell as written, without surrounding spaces (an empty cell is '')."""
    return (values.get(header) or "").strip()


def check_template(
    columns: Iterable[ImportColumn], header: list[str] | None, rows: Rows, problems: Problems
) -> bool:
    """The file's columns against the template's: a missing required column, an unknown
    column or no data at all make every row meaningless, so nothing else is checked."""
    known = {c.header: c for c in columns}
    if header is None:  # rows in memory: the columns any row uses, in first-seen order
        header = list(dict.fromkeys(chain.from_iterable(r for _, r in rows)))
    present = header
    present = [h.strip() for h in present if h and h.strip()]
    for name in present:
        if name not in known:
            problems.add(
                1, name, name, "不是本模板的列：请用 zhicheng import template 生成的模板填写"
            )
    for name, column in known.items():
        if column.required and name not in present:
            problems.add(1, name, "", "缺少此列：文件与模板不符，请用对应类别的模板填写")
    if not problems and not rows:
        problems.add(FILE_ROW, "", "", "文件中没有数据行")
    return not problems


def duplicates(rows: Rows, header: str, problems: Problems) -> None:
    """A code written twice in one file: every later occurrence names the first."""
    first: dict[str, int] = {}
    for number, values in rows:
        value = cell(values, header)
        if not value:
            continue
        if value in first:
            problems.add(number, header, value, f"与第 {first[value]} 行重复")
        else:
            first[value] = number


T = TypeVar("T")


def chunks(items: list[T], size: int = 5000) -> Iterable[list[T]]:
    """IN lists in slices (PostgreSQL and SQLite both cap the parameters of one statement),
    or rows an executemany at a time."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
