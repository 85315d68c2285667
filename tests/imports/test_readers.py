"""The readers on real files written here: xlsx by openpyxl, csv in UTF-8, UTF-8 with BOM and
GB18030, with characters whose bytes differ between the encodings."""

from __future__ import annotations

import datetime as dt
import time
import zipfile
from collections.abc import Sequence
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


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
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
    rows: list[Sequence[object]] = [
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
    book_rows: list[Sequence[object]] = [HEADER, ROWS[0], [None] * 5, ROWS[1], [None, None], [" "]]
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
    """Sanity only (no timing assertion: the machine is shared): 20,000 rows of 12 columns."""
    header = [f"列{i}" for i in range(12)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(header)
    for n in range(20_000):
        sheet.append(
            [f"单位{n}", n, dt.date(2020, 1, 1), n * 0.5, "620102198005170011"] + ["x"] * 7
        )
    path = tmp_path / "big.xlsx"
    book.save(path)
    began = time.perf_counter()
    table = read_table(path)
    seconds = time.perf_counter() - began
    assert len(table.rows) == 20_000
    assert table.rows[-1] == (
        20_001,
        dict(
            zip(
                header,
                ["单位19999", "19999", "2020-01-01", "9999.5", "620102198005170011"] + ["x"] * 7,
                strict=True,
            )
        ),
    )
    print(f"read 20,000 xlsx rows in {seconds:.1f} s")


def handmade_xlsx(path: Path, *, date1904: bool = False) -> Path:
    """A workbook as Excel and WPS write one (openpyxl cannot): shared strings with rich runs and
    a phonetic guide, a custom date format, gaps between cells, a formula's cached string, a
    boolean, an error value; the sheet part under a name that is not sheet1."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    flag = '<workbookPr date1904="1"/>' if date1904 else ""
    parts = {
        "[Content_Types].xml": "<Types/>",
        "xl/workbook.xml": f"<workbook {ns} {rel}>{flag}<sheets>"
        '<sheet name="申报" sheetId="7" r:id="rId9"/><sheet name="其他" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId9" Target="/xl/worksheets/data.xml"/></Relationships>',
        "xl/sharedStrings.xml": f"<sst {ns}>"
        "<si><t>姓名</t></si><si><t>参加工作时间</t></si><si><t>备注</t></si><si><t>评委会</t></si>"
        "<si><r><t>张</t></r><r><rPr><b/></rPr><t>三</t></r><rPh><t>ちょう</t></rPh></si>"
        '<si><t xml:space="preserve"> 经济  </t></si></sst>',
        "xl/styles.xml": f'<styleSheet {ns}><numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="176"/><xf numFmtId="14"/></cellXfs></styleSheet>',
        "xl/worksheets/data.xml": f"<worksheet {ns}><sheetData>"
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="D1" t="s"><v>2</v></c><c r="E1" t="s"><v>3</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>4</v></c><c r="B3" s="1"><v>44378</v></c><c r="D3" t="str"><f>A3</f><v>张三</v></c><c r="E3" t="s"><v>5</v></c></row>'
        '<row r="4"><c r="A4" t="b"><v>1</v></c><c r="B4" s="2"><v>36000.5</v></c><c r="D4" t="e"><v>#N/A</v></c><c r="E4"><v>1.0E+2</v></c></row>'
        "</sheetData></worksheet>",
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>不是第一张</t></is></c></row></sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as book:
        for name, text in parts.items():
            book.writestr(name, text)
    return path


def test_a_workbook_as_office_software_writes_it(tmp_path: Path) -> None:
    table = read_table(handmade_xlsx(tmp_path / "office.xlsx"))
    assert table.header == ["姓名", "参加工作时间", "备注", "评委会"]
    assert table.rows == [
        (3, {"姓名": "张三", "参加工作时间": "2021-07-01", "备注": "张三", "评委会": "经济"}),
        (
            4,
            {
                "姓名": "TRUE",
                "参加工作时间": "1998-07-24 12:00:00",
                "备注": "#N/A",
                "评委会": "100",
            },
        ),
    ]


def test_the_1904_date_system(tmp_path: Path) -> None:
    table = read_table(handmade_xlsx(tmp_path / "mac.xlsx", date1904=True))
    assert table.rows[0][1]["参加工作时间"] == "2025-07-02"  # 44378 days after 1904-01-01


def test_the_streamed_values_agree_with_openpyxl(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    rows: list[Sequence[object]] = [
        ["名称", "数", "日期", "时刻", "小数", "空", "真假"],
        ["甲", 1, dt.date(2020, 2, 29), dt.datetime(2021, 1, 1, 8, 30), 3.25, None, False],
        [None, -7, dt.datetime(1999, 12, 31), None, 1e20, "  留白  ", True],
    ]
    path = write_xlsx(tmp_path / "same.xlsx", rows)
    book = load_workbook(path, read_only=True)
    by_openpyxl = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    table = read_table(path)
    for (number, values), original in zip(table.rows, by_openpyxl[1:], strict=True):
        for column, value in zip(table.header, original, strict=True):
            if isinstance(value, dt.datetime) and value.time() == dt.time(0):
                value = value.date()
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            expected_text = "" if value is None else str(value).strip()
            if isinstance(value, bool):
                expected_text = str(value).upper()
            assert values[column] == expected_text, (number, column)
