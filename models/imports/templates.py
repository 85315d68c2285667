"""Fillable templates: the headings on row 1 and a note (说明：…) under each on row 2."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from models.imports import accounts, committees, declarations, orgs
from models.imports.report import ImportColumn

KINDS: dict[str, tuple[str, list[ImportColumn]]] = {
    "orgs": ("机构", orgs.COLUMNS),
    "accounts": ("账号", accounts.COLUMNS),
    "committees": ("评委会", committees.COLUMNS),
    "declarations": ("申报人", declarations.COLUMNS),
}


def write_template(kind: str, out: Path) -> None:
    """Writes the template of ``kind`` (to a temporary name first: nothing half-written)."""
    title, columns = KINDS[kind]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append([c.header for c in columns])
    sheet.append([c.note + ("（必填）" if c.required else "") for c in columns])
    grey = PatternFill("solid", fgColor="EEEEEE")
    for index, column in enumerate(columns, start=1):
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True, color="C00000" if column.required else "000000")
        note = sheet.cell(row=2, column=index)
        note.font = Font(italic=True, size=9, color="666666")
        note.fill = grey
        note.alignment = Alignment(wrap_text=True, vertical="top")
        letter = head.column_letter
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header) * 2 + 4))
        # Codes and ID numbers stay text: a spreadsheet would turn them into numbers.
        for row in range(3, 1003):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A3"
    tmp = out.with_name(out.name + ".part")
    book.save(tmp)
    tmp.replace(out)
