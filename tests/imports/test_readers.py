"""The readers on real files written here: xlsx by openpyxl, csv in UTF-8, UTF-8 with BOM and
GB18030, with characters whose bytes differ between the encodings."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from models.imports.readers import Table, TableError, read_table

HEADER = ["单位名称", "统一社会信用代码", "联系人", "手机号码", "参加工作时间"]
# 甘肃、嘉峪关、酒钢、𠀀 (outside the BMP: four bytes in both encodings, but different ones), €
ROWS = [
    ["嘉峪关市第一中学", "91620200MA0000001X", "张三", "13812345678", "2001-07-01"],
    ["酒泉钢铁(集团)有限责任公司", "91620200224330150M", "李𠀀", "13912345678", "1998-09-01"],
    ["甘肃省€测试单位", "", "王五", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    text = "\r\n".join(",".join(_quote(v) for v in row) for row in rows) + "\r\n"
    path.write_bytes(text.encode(encoding))
    return path


def _quote(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ',"\n') else value


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def expected(rows: list[list[str]], first: int = 2) -> list[tuple[int, dict[str, str]]]:
    return [(first + i, dict(zip(HEADER, row, strict=True))) for i, row in enumerate(rows)]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / f"units-{encoding}.csv", [HEADER, *ROWS], encoding)
    if encoding == "gb18030":
        with pytest.raises(UnicodeDecodeError):  # the test file really is not UTF-8
            path.read_bytes().decode("utf-8")
    table = read_table(path)
    assert table.header == HEADER
    assert table.rows == expected(ROWS)


def test_gbk_written_by_office_software_reads_as_gb18030(tmp_path: Path) -> None:
    rows = [HEADER, [v.replace("𠀀", "四").replace("€", "") for v in ROWS[1]]]
    table = read_table(write_csv(tmp_path / "gbk.csv", rows, "gbk"))
    assert table.rows[0][1]["联系人"] == "李四"


def test_xlsx_values_as_written(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        HEADER + ["专业工作年限", "比例", "是否破格", "时刻"],
        [
            "单位甲",
            "91620200MA0000001X",
            " 张三 ",
            13812345678,
            dt.datetime(2021, 7, 1),
            12,
            0.25,
            True,
            dt.datetime(2024, 9, 30, 17, 0),
        ],
        ["单位乙", None, "李四", "13912345678", dt.date(1998, 9, 1), 12.0, 1.5, False, None],
    ]
    table = read_table(write_xlsx(tmp_path / "units.xlsx", rows))
    assert table.header == HEADER + ["专业工作年限", "比例", "是否破格", "时刻"]
    first, second = (values for _, values in table.rows)
    assert first["联系人"] == "张三"
    assert first["手机号码"] == "13812345678"
    assert first["参加工作时间"] == "2021-07-01"
    assert first["专业工作年限"] == "12"
    assert first["比例"] == "0.25"
    assert first["是否破格"] == "TRUE"
    assert first["时刻"] == "2024-09-30 17:00:00"
    assert second["统一社会信用代码"] == ""
    assert second["参加工作时间"] == "1998-09-01"
    assert second["专业工作年限"] == "12"
    assert second["比例"] == "1.5"
    assert [n for n, _ in table.rows] == [2, 3]


def test_notes_row_under_the_header_is_skipped(tmp_path: Path) -> None:
    notes = [
        "说明：填写单位全称",
        "说明：18位",
        "说明：",
        "说明：11位手机号",
        "说明：如 2021-07-01",
    ]
    for path in (
        write_xlsx(tmp_path / "t.xlsx", [HEADER, notes, *ROWS]),
        write_csv(tmp_path / "t.csv", [HEADER, notes, *ROWS], "gb18030"),
    ):
        table = read_table(path)
        assert table.header_row == 1
        assert table.rows == expected(ROWS, first=3), path.name


def test_a_title_row_above_the_header(tmp_path: Path) -> None:
    title = ["申报评审职称审核推荐汇总表（卫生系列副高级）"]
    table = read_table(write_xlsx(tmp_path / "t.xlsx", [title, HEADER, *ROWS]))
    assert table.header_row == 2
    assert table.header == HEADER
    assert table.rows == expected(ROWS, first=3)
    table = read_table(write_csv(tmp_path / "t.csv", [title, HEADER, ["说明：x"], *ROWS], "utf-8"))
    assert (table.header_row, table.rows) == (2, expected(ROWS, first=4))


def test_empty_rows_are_dropped_and_numbers_stay_those_of_the_file(tmp_path: Path) -> None:
    blank = [""] * len(HEADER)
    rows = [HEADER, ROWS[0], blank, ROWS[1], blank, blank, blank]
    table = read_table(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert [n for n, _ in table.rows] == [2, 4]
    book_rows: list[list[object]] = [HEADER, ROWS[0], [None] * 5, ROWS[1], [None, None], [" "]]
    table = read_table(write_xlsx(tmp_path / "t.xlsx", book_rows))
    assert [n for n, _ in table.rows] == [2, 4]


def test_short_rows_and_unnamed_columns(tmp_path: Path) -> None:
    rows = [["名称", "", "代码", ""], ["甲", "忽略", "1"], ["乙"]]
    table = read_table(write_csv(tmp_path / "t.csv", rows, "utf-8"))
    assert table.header == ["名称", "代码"]
    assert table.rows == [(2, {"名称": "甲", "代码": "1"}), (3, {"名称": "乙", "代码": ""})]


def test_a_quoted_value_over_two_lines_keeps_the_row_number_where_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text('名称,备注\n甲,"第一行\n第二行"\n乙,无\n', encoding="utf-8")
    table = read_table(path)
    assert table.rows == [
        (2, {"名称": "甲", "备注": "第一行\n第二行"}),
        (4, {"名称": "乙", "备注": "无"}),
    ]


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.csv", b"", "文件是空的"),
        ("blank.csv", b"\r\n , \r\n\r\n", "文件是空的"),
        ("notes.csv", "说明：单位名称,说明：代码\n甲,1\n".encode(), "缺少表头"),
        ("dup.csv", "名称,名称\n甲,乙\n".encode(), "'名称' 出现了不止一次"),
        ("utf16.csv", "名称,代码\n".encode("utf-16"), "UTF-16"),
        ("latin.csv", b"\xff\xff\xff,\x80\x80\n", "无法识别文件编码"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx"),
        ("units.txt", "名称\n".encode(), "不支持的文件类型 '.txt'"),
        ("noext", "名称\n".encode(), "（无扩展名）"),
        ("fake.xlsx", b"not a zip", "不是有效的 .xlsx 文件"),
    ],
)
def test_refused(tmp_path: Path, name: str, content: bytes, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableError) as caught:
        read_table(path)
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_an_empty_workbook(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="文件是空的"):
        read_table(write_xlsx(tmp_path / "empty.xlsx", []))


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TableError, match="文件不存在"):
        read_table(tmp_path / "nowhere.xlsx")


def test_upper_case_extension(tmp_path: Path) -> None:
    table = read_table(write_csv(tmp_path / "UNITS.CSV", [HEADER, *ROWS], "gb18030"))
    assert isinstance(table, Table) and len(table.rows) == 3


def test_a_big_xlsx_reads_in_reasonable_time(tmp_path: Path) -> None:
    """Sanity only (no timing assertion: the machine is shared): 50,000 rows of 12 columns."""
    header = [f"列{i}" for i in range(12)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for n in range(50_000):
        sheet.append(
            [f"单位{n}", n, dt.date(2020, 1, 1), n * 0.5, "620102198005170011"] + ["x"] * 7
        )
    path = tmp_path / "big.xlsx"
    book.save(path)
    began = time.perf_counter()
    table = read_table(path)
    seconds = time.perf_counter() - began
    assert len(table.rows) == 50_000
    assert table.rows[-1] == (
        50_001,
        dict(
            zip(
                header,
                ["单位49999", "49999", "2020-01-01", "24999.5", "620102198005170011"] + ["x"] * 7,
                strict=True,
            )
        ),
    )
    print(f"read 50,000 xlsx rows in {seconds:.1f} s")
