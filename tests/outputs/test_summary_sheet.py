"""《申报评审职称审核推荐汇总表》 (004 附件2) over the simulated 2024 cycle: the notice's
title, columns and notes, dates as ``2021-07-01``, one row per application its unit
recommended. The expectations are the notice's, not the implementation's."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from models.db import read_scope
from outputs.summary_sheet import build_sheet

# 004 附件2, the header's two rows as printed (merged cells read back once, on the left).
HEADER = [
    "序号",
    "工作单位",
    "姓名",
    "身份证号",
    "参加工作时间",
    "学历",
    "现任职务",
    None,
    None,
    "拟晋升职务",
    "专业工作年限",
    "论文",
    None,
    "是否符合评审业绩条件内容",
    "是否完成继续教育",
    "年度考核",
    "晋升类型",
    "是否有空岗情况",
    "审核意见",
    "备注",
]
SUB_HEADER = [None] * 6 + ["资格名称", "取得时间", "聘任时间"] + [None] * 2 + ["级别", "数量"]
SUB_HEADER += [None] * (len(HEADER) - len(SUB_HEADER))
DATE_COLUMNS = ("参加工作时间", "取得时间", "聘任时间")


def sheet_values(sim: dict, tmp_path: Path) -> tuple[int, list[list]]:
    out = tmp_path / "汇总表.xlsx"
    with read_scope() as session:
        rows = build_sheet(
            session,
            sim["report"].cycle_id,
            out,
            series_level="工程系列副高级",
            unit_name="嘉峪关市工信局",
        )
    sheet = load_workbook(out).active
    assert sheet is not None
    return rows, [[c.value or None for c in row] for row in sheet.iter_rows()]


def test_the_sheet_has_the_notices_title_columns_and_notes(sim: dict, tmp_path: Path) -> None:
    _, values = sheet_values(sim, tmp_path)
    assert values[0][0] == "申报评审职称审核推荐汇总表（工程系列副高级）"
    assert [row[0] for row in values[1:5]] == [
        "填报单位：嘉峪关市工信局",
        "填报联系人：",
        "联系电话：",
        "填报日期：",
    ]
    header = next(i for i, row in enumerate(values) if row[0] == "序号")
    assert values[header] == HEADER
    assert values[header + 1] == SUB_HEADER
    notes = [row[0] for row in values if row[0] and str(row[0])[:2] in ("填表", "1.", "2.", "3.")]
    assert notes[0] == "填表说明："
    assert any(n.startswith("3. 本表的格式不能更改") and "2021-07-01" in n for n in notes)


def test_one_row_per_application_its_unit_recommended_in_time(sim: dict, tmp_path: Path) -> None:
    """The sheet is what the units recommended and the departments reported by the unit
    review deadline (004 三(四): 逾期未审核报送，不再单独受理): every application whose audit
    trail holds the unit's recommendation and no closing "not recommended" at the deadline —
    whatever the committee decided afterwards."""
    rows, values = sheet_values(sim, tmp_path)
    actions: dict[int, set[str]] = {}
    for row in sim["audit"]:
        actions.setdefault(row["application_id"], set()).add(row["action"])
    recommended = {a for a, done in actions.items() if "recommend" in done}
    listed = {a for a in recommended if "not_recommend" not in actions[a]}
    assert 0 < len(listed) < len(recommended)  # the simulated cycle has late departments
    data = [row for row in values if str(row[0] or "").isdigit()]
    assert rows == len(data) == len(listed)
    assert [row[0] for row in data] == [str(n) for n in range(1, len(data) + 1)]
    names = sorted(a["name"] for a in sim["applications"] if a["id"] in listed)
    assert sorted(row[2] for row in data) == names


def test_dates_are_written_2021_07_01_and_id_numbers_masked(sim: dict, tmp_path: Path) -> None:
    _, values = sheet_values(sim, tmp_path)
    header = next(i for i, row in enumerate(values) if row[0] == "序号")
    data = [row for row in values[header + 2 :] if str(row[0] or "").isdigit()]
    columns = [
        i
        for i, (top, sub) in enumerate(zip(HEADER, SUB_HEADER, strict=True))
        if top in DATE_COLUMNS or sub in DATE_COLUMNS
    ]
    assert len(columns) == 3
    dates = [row[i] for row in data for i in columns if row[i]]
    assert dates and all(
        len(d) == 10 and d[4] == d[7] == "-" and d.replace("-", "").isdigit() for d in dates
    ), dates[:5]
    assert all(row[3][6:14] == "********" and len(row[3]) == 18 for row in data)
