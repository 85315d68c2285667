"""Thin readers that turn an office's file into header and rows of text for the import functions.

Formats: ``.xlsx`` (the first sheet, streamed; cached values of formulas) and ``.csv`` in UTF-8 (with or without BOM) or GB18030 (GBK is a subset), which is what
Chinese office software writes. The encoding is detected: UTF-8 is tried strictly first, GB18030
second; anything else (UTF-16 "Unicode text" among them) is refused.

Layout (agreed with the template writer, ``zhicheng import template``):

- an optional **title row** on top: the first non-empty row when it has a single filled cell and
  the row under it has more than one (a merged title such as 《申报评审职称审核推荐汇总表》);
- the **header row**: one column name per cell; columns with an empty header are ignored;
- an optional **notes row** right under the header, its first filled cell starting with
  ``说明：`` (or ``说明:``): the templates put a note under each header; it is skipped;
- the data rows. Rows with no value at all are dropped wherever they are.

Row numbers are those a person sees in the file (the first line is row 1), so an error report can
point at them. Values are text, trimmed: dates as ISO dates (``2021-07-01``; a time of day only
when there is one), whole numbers without ``.0``, ``TRUE``/``FALSE`` for booleans. A long number
typed into a number-formatted Excel cell (an ID number) has already lost its last digits in the
file; the validators report it, since no reader can restore it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

NOTE_PREFIXES = ("说明：", "说明:")


class TableError(ValueError):
    """A file that cannot be read as a table; the message says why, in Chinese."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (row number in the file, column → value)
    header_row: int = 1


def read_table(path: Path, max_rows: int | None = None) -> Table:
    """The table in ``path`` (.xlsx or .csv), or ``TableError``; with ``max_rows``, a file of
    more lines than that is refused as soon as the reader gets past them."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise TableError(f"文件不存在：{path}")
    if suffix == ".xlsx":
        lines = _xlsx_rows(path)
    elif suffix == ".csv":
        lines = _csv_rows(path)
    elif suffix in (".xls", ".et", ".wps"):
        raise TableError(
            f"{path.name}：不支持旧版 {suffix} 格式，请在表格软件中另存为 .xlsx 或 .csv"
        )
    else:
        raise TableError(
            f"{path.name}：不支持的文件类型 '{suffix or '（无扩展名）'}'，请使用 .xlsx 或 .csv"
        )
    if max_rows is not None:
        lines = _at_most(path.name, lines, max_rows)
    return _table(path.name, lines)


def _at_most(
    name: str, lines: Iterable[tuple[int, list[str]]], max_rows: int
) -> Iterator[tuple[int, list[str]]]:
    # the heading, a title and the notes row come on top of the data rows
    for count, line in enumerate(lines, start=1):
        if count > max_rows + 3:
            raise TableError(
                f"{name}：超过 {max_rows} 行，一次导入不了这么多（请分成几个文件导入）"
            )
        yield line


def _table(name: str, lines: Iterable[tuple[int, list[str]]]) -> Table:
    filled = [(number, cells) for number, cells in lines if any(cells)]
    if not filled:
        raise TableError(f"{name}：文件是空的（没有任何内容）")
    at = 0
    if len(filled) > 1 and _count(filled[0][1]) == 1 and _count(filled[1][1]) > 1:
        at = 1  # the first row is a title over the header
    header_number, header_cells = filled[at]
    columns = [(i, h) for i, h in enumerate(header_cells) if h]
    if _is_note(columns[0][1]):
        raise TableError(f"{name}：第 {header_number} 行是说明，上面缺少表头（列名）行")
    seen: set[str] = set()
    for _, h in columns:
        if h in seen:
            raise TableError(f"{name}：第 {header_number} 行表头 '{h}' 出现了不止一次")
        seen.add(h)
    at += 1
    if at < len(filled) and _is_note(next(c for c in filled[at][1] if c)):
        at += 1
    rows = [
        (number, {h: cells[i] if i < len(cells) else "" for i, h in columns})
        for number, cells in filled[at:]
    ]
    return Table(header=[h for _, h in columns], rows=rows, header_row=header_number)


def _count(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if c)


def _is_note(text: str) -> bool:
    return text.startswith(NOTE_PREFIXES)


# ---------------------------------------------------------------- xlsx


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows, streamed from the file's XML. openpyxl's read-only reader is
    some four times slower on the inline strings openpyxl itself writes, which a 100,000-row
    declaration file cannot afford; its own helpers still decide what a date format is."""
    try:
        book = zipfile.ZipFile(path)
        parts = set(book.namelist())
        sheet, date1904 = _first_sheet(book)
        shared = _shared_strings(book) if "xl/sharedStrings.xml" in parts else []
        dates = _date_styles(book) if "xl/styles.xml" in parts else frozenset()
        stream = book.open(sheet)
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError) as exc:
        raise TableError(f"{path.name}：不是有效的 .xlsx 文件（{type(exc).__name__}）") from None
    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    row_number = 0
    try:
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if element.tag != _ROW:
                continue
            row_number = int(element.get("r") or row_number + 1)
            values: list[str] = []
            for cell in element.iter(_CELL):
                ref = cell.get("r")
                if ref:
                    column = _column(ref.rstrip("0123456789"))
                    if column > len(values):
                        values.extend([""] * (column - len(values)))
                values.append(_cell_text(cell, shared, dates, epoch))
            element.clear()
            yield row_number, values
    except ElementTree.ParseError as exc:
        raise TableError(f"{path.name}：工作表内容损坏（{exc}）") from None
    except (ValueError, IndexError):  # a number cell of text, a string past the shared list
        raise TableError(
            f"{path.name}：工作表内容损坏（第 {row_number} 行附近的单元格无法读取），"
            "请在表格软件中打开并另存为 .xlsx"
        ) from None
    finally:
        stream.close()
        book.close()


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ROW, _CELL, _VALUE, _TEXT = f"{_NS}row", f"{_NS}c", f"{_NS}v", f"{_NS}t"
_INLINE = f"{_NS}is"


def _first_sheet(book: zipfile.ZipFile) -> tuple[str, bool]:
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    properties = workbook.find(f"{_NS}workbookPr")
    date1904 = properties is not None and properties.get("date1904") in ("1", "true")
    first = workbook.find(f"{_NS}sheets/{_NS}sheet")
    if first is None:
        raise KeyError("sheet")
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    wanted = first.get(f"{_REL_NS}id")
    for rel in rels:
        if rel.get("Id") == wanted:
            target = rel.get("Target", "")
            return (target.lstrip("/") if target.startswith("/") else f"xl/{target}"), date1904
    raise KeyError(wanted)


def _rich_text(element: ElementTree.Element) -> str:
    """The text of a string item (plain ``<t>`` or rich runs), without phonetic guides."""
    parts = []
    for child in element:
        if child.tag == _TEXT:
            parts.append(child.text or "")
        elif child.tag == f"{_NS}r":
            parts.extend(t.text or "" for t in child.iter(_TEXT))
    return "".join(parts)


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    with book.open("xl/sharedStrings.xml") as stream:
        out = []
        for _, element in ElementTree.iterparse(stream, events=("end",)):
            if element.tag == f"{_NS}si":
                out.append(_rich_text(element))
                element.clear()
        return out


def _date_styles(book: zipfile.ZipFile) -> frozenset[int]:
    styles = ElementTree.fromstring(book.read("xl/styles.xml"))
    custom = {
        int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in styles.iter(f"{_NS}numFmt")
    }
    xfs = styles.find(f"{_NS}cellXfs")
    dates = set()
    for index, xf in enumerate(xfs if xfs is not None else []):
        number = int(xf.get("numFmtId", "0"))
        code = custom.get(number) or BUILTIN_FORMATS.get(number, "")
        if is_date_format(code) and not is_timedelta_format(code):
            dates.add(index)
    return frozenset(dates)


@lru_cache(maxsize=1024)
def _column(letters: str) -> int:
    """The 0-based index of a column's letters (the same few letters on every row)."""
    return column_index_from_string(letters) - 1


def _cell_text(
    cell: ElementTree.Element, shared: list[str], dates: frozenset[int], epoch: dt.datetime
) -> str:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = cell.find(_INLINE)
        if inline is None:
            return ""
        if len(inline) == 1 and inline[0].tag == _TEXT:  # one plain run, as writers mostly do
            return (inline[0].text or "").strip()
        return _rich_text(inline).strip()
    raw = cell.findtext(_VALUE)
    if raw is None or raw == "":
        return ""
    if kind == "s":
        return shared[int(raw)].strip()
    if kind == "b":
        return _text(raw == "1")
    if kind in ("str", "e", "d"):
        return _text(raw)
    number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
    if int(cell.get("s", "0")) in dates:
        return _text(from_excel(number, epoch))
    return _text(number)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


# ---------------------------------------------------------------- csv


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = _decode(path.name, path.read_bytes())
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for values in reader:
            # a quoted value may span lines: the row a person sees is where it starts
            yield reader.line_num - _newlines(values), [v.strip() for v in values]
    except csv.Error as exc:
        raise TableError(f"{path.name}：第 {reader.line_num} 行 CSV 格式错误（{exc}）") from None


def _newlines(values: list[str]) -> int:
    return sum(v.count("\n") for v in values)


def _decode(name: str, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        raise TableError(
            f"{name}：文件是 UTF-16（“Unicode 文本”）编码，请另存为“CSV UTF-8”或“CSV（逗号分隔）”"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise TableError(
            f"{name}：无法识别文件编码（第 {exc.start + 1} 个字节起既不是 UTF-8 也不是 GB18030/GBK），"
            "请另存为“CSV UTF-8”"
        ) from None
