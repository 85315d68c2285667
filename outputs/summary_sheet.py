"""《申报评审职称审核推荐汇总表》 (004 附件2) as .xlsx: the notice's fixed columns, dates
written as text `2021-07-01` (填表说明 3: never `2021-7-1`), ID numbers masked unless the
department files the sheet with the HR office (full_id). No cell holds a formula: every
value passes through outputs.cells.neutralise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlalchemy import select
from sqlmodel import Session, col

from models.application import Application, ApplicationProfile, Person
from models.org import Organisation
from models.private_files import written_privately
from models.states import RECOMMENDED
from outputs.cells import neutralise
from rules.idcard import mask

# (header, sub-header or None, profile key or a special source)
COLUMNS: list[tuple[str, str | None, str]] = [
    ("序号", None, "#serial"),
    ("工作单位", None, "#unit"),
    ("姓名", None, "#name"),
    ("身份证号", None, "#id"),
    ("参加工作时间", None, "work_start"),
    ("学历", None, "education"),
    ("现任职务", "资格名称", "current_title"),
    ("现任职务", "取得时间", "title_obtained"),
    ("现任职务", "聘任时间", "title_appointed"),
    ("拟晋升职务", None, "title_sought"),
    ("专业工作年限", None, "years_in_field"),
    ("论文", "级别", "paper_level"),
    ("论文", "数量", "paper_count"),
    ("是否符合评审业绩条件内容", None, "achievements_ok"),
    ("是否完成继续教育", None, "continuing_education_done"),
    ("年度考核", None, "appraisal"),
    ("晋升类型", None, "promotion_type"),
    ("是否有空岗情况", None, "vacancy"),
    ("审核意见", None, "review_opinion"),
    ("备注", None, "remark"),
]
NOTES = (
    "填表说明：",
    "1. 本表已有的项目不能删除和更改。",
    "2. “ 系列 级”，如：卫生系列正高级，必须与“甘肃省职称申报评审管理系统”提交评审职称系列一致。",
    "3. 本表的格式不能更改。如：日期格式“2021-07-01”，不能录为“2021-7-1”或其它；",
    "4. 填写姓名、身份证号、学历、专业工作年限、能力业绩贡献条件的信息应与“甘肃省职称申报评审管理系统”一致；",
)


def cell_text(value: Any) -> str:
    """Dates as YYYY-MM-DD text whatever form they came in; yes/no in Chinese."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        return text


def _rows(session: Session, cycle_id: str, department_id: int | None) -> list[dict[str, Any]]:
    stmt = (
        select(
            col(Organisation.name),
            col(Person.name),
            col(Person.id_number),
            col(ApplicationProfile.profile),
            col(Application.series),
        )
        .join(Person, col(Person.id_number) == col(Application.person_id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .outerjoin(
            ApplicationProfile, col(ApplicationProfile.application_id) == col(Application.id)
        )
        .where(
            col(Application.cycle_id) == cycle_id, col(Application.status).in_(sorted(RECOMMENDED))
        )
        .order_by(col(Organisation.name), col(Application.id))
    )
    if department_id is not None:
        stmt = stmt.where(col(Organisation.department_id) == department_id)
    return [
        {"#unit": unit, "#name": name, "#id": id_number, "#series": series, **(profile or {})}
        for unit, name, id_number, profile, series in session.execute(stmt)
    ]


def build_sheet(
    session: Session,
    cycle_id: str,
    out: Path,
    *,
    department_id: int | None = None,
    series_level: str = "",
    unit_name: str = "",
    contact: str = "",
    phone: str = "",
    filled_on: dt.date | None = None,
    full_id: bool = False,
) -> int:
    """Writes the sheet, owner-only (names and ID numbers), to a temporary name first:
    nothing half-written; returns the rows."""
    rows = _rows(session, cycle_id, department_id)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "汇总表"
    width = len(COLUMNS)
    _append(sheet, [f"申报评审职称审核推荐汇总表（{series_level or ' 系列 级'}）"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for label, value in (
        ("填报单位：", unit_name),
        ("填报联系人：", contact),
        ("联系电话：", phone),
        ("填报日期：", cell_text(filled_on)),
    ):
        _append(sheet, [label + value])
    header_row = sheet.max_row + 1
    _append(sheet, [c[0] for c in COLUMNS])
    _append(sheet, [c[1] or "" for c in COLUMNS])
    _merge_headers(sheet, header_row)
    for serial, row in enumerate(rows, start=1):
        values = []
        for _, _, key in COLUMNS:
            if key == "#serial":
                values.append(str(serial))
            elif key == "#id":
                values.append(row["#id"] if full_id else mask(row["#id"]))
            else:
                values.append(cell_text(row.get(key)))
        _append(sheet, values)
    _append(sheet, [])
    for note in NOTES:
        _append(sheet, [note])
    with written_privately(out) as part:
        book.save(part)
    return len(rows)


def _merge_headers(sheet: Any, first: int) -> None:
    """Two header rows as in the notice: a column without sub-headers spans both rows; 现任职务
    and 论文 span their sub-columns."""
    column = 1
    while column <= len(COLUMNS):
        header, sub, _ = COLUMNS[column - 1]
        span = sum(1 for c in COLUMNS if c[0] == header)
        if sub is None:
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=first + 1, end_column=column
            )
        else:
            sheet.merge_cells(
                start_row=first, start_column=column, end_row=first, end_column=column + span - 1
            )
        column += span


def _append(sheet: Any, values: list[Any]) -> None:
    """Every row goes in through here: no cell of the sheet can become a formula."""
    sheet.append([neutralise(value) for value in values])
