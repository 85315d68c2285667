"""Files as offices send them: .xlsx from a spreadsheet, .csv in GB18030 from Chinese office
software; the heading on row 1 and a note under it on row 2, as in our templates."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook


def _table(rows: list[dict[str, str]]) -> tuple[list[str], list[list[str]]]:
    header = list(dict.fromkeys(k for r in rows for k in r))
    return header, [[r.get(h, "") for h in header] for r in rows]


def write_xlsx(path: Path, rows: list[dict[str, str]]) -> Path:
    header, body = _table(rows)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    sheet.append(["说明：按模板填写"] * len(header))
    for values in body:
        sheet.append(values)
    book.save(path)
    return path


def write_csv(path: Path, rows: list[dict[str, str]], encoding: str = "gb18030") -> Path:
    header, body = _table(rows)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerow(["说明：按模板填写"] * len(header))
    writer.writerows(body)
    path.write_bytes(text.getvalue().encode(encoding))
    return path
