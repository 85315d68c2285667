"""`zhicheng import …`: the office's spreadsheets in, every bad row shown at once."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table as RichTable
from sqlmodel import Session

from models.accounts import Account
from models.imports.report import FILE_ROW, ImportResult
from zhicheng.cli_support import (
    UserError,
    console,
    ensure_database,
    err_console,
    friendly,
    instant_or_now,
)
from zhicheng.output_files import checked_output, writing

app = typer.Typer(
    no_args_is_help=True,
    help="导入机构、账号、评委会和申报人（.xlsx 或 .csv，csv 可为 UTF-8 或 GB18030）；"
    "有任何一行出错则全部不写入。",
)
LONG_FILE = 2000  # rows from which a progress bar is worth showing
SHOWN_ERRORS = 200  # a screenful or so: a file wrong on every row needs fixing, not listing

DRY_RUN = typer.Option(False, "--dry-run", help="只检查并统计，不写入")
BY = typer.Option(None, "--by", help="导入人（系统管理员）的用户名；不填则按省级办公室导入")
CYCLE = typer.Option(..., "--cycle", help="周期编号，如 gansu-2024")
NOW = typer.Option(None, "--now", help="以此时刻导入（北京时间，默认现在；演练时用）")


class Kind(StrEnum):
    orgs = "orgs"
    accounts = "accounts"
    committees = "committees"
    declarations = "declarations"


def _read(file: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    from models.imports.readers import TableError, read_table
    from models.settings import settings

    try:
        table = read_table(file, max_rows=settings().import_max_rows)
    except TableError as exc:
        raise UserError(str(exc)) from None
    return table.header, table.rows


@contextmanager
def _progress(rows: int) -> Iterator[Callable[[int], None] | None]:
    """A bar over the row checks of a long file; nothing for a short one."""
    if rows < LONG_FILE:
        yield None
        return
    with Progress(
        TextColumn("检查中"), BarColumn(), MofNCompleteColumn(), console=err_console, transient=True
    ) as bar:
        task = bar.add_task("rows", total=rows)
        yield lambda done: bar.update(task, completed=done)


def _account(session: Session, username: str | None) -> Account | None:
    from models.accounts import find_account

    if username is None:
        return None
    account = find_account(session, username)
    if account is None:
        raise UserError(f"没有用户名为 {username} 的账号")
    return account


def show(result: ImportResult) -> None:
    """Every bad row as a table, or the counts."""
    if result.errors:
        table = RichTable(title=f"共 {len(result.errors)} 处错误，未写入任何数据", show_lines=False)
        for heading in ("行", "列", "填写的值", "问题"):
            table.add_column(heading, overflow="fold")
        for e in result.errors[:SHOWN_ERRORS]:
            row = "整个文件" if e.row == FILE_ROW else str(e.row)
            table.add_row(row, e.column, e.value, e.why)
        err_console.print(table)
        if len(result.errors) > SHOWN_ERRORS:
            err_console.print(
                f"（只列出前 {SHOWN_ERRORS} 处，另有 {len(result.errors) - SHOWN_ERRORS} 处未列出）",
                highlight=False,
            )
        raise typer.Exit(1)
    verb = "检查通过（--dry-run，未写入）：将" if result.dry_run else "已导入："
    console.print(
        f"{verb}新增 {result.added}，更新 {result.updated}，未变 {result.unchanged}。",
        highlight=False,
    )


@app.command("orgs")
@friendly
def orgs(
    file: Path = typer.Argument(..., help="机构表（模板见 zhicheng import template orgs）"),
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
) -> None:
    """导入行业主管部门、用人单位和人才服务机构（市州、县区来自内置区划数据）。"""
    from models.db import session_scope
    from models.imports.orgs import import_orgs

    header, rows = _read(file)
    ensure_database()
    with session_scope() as session, _progress(len(rows)) as tick:
        result = import_orgs(
            session, rows, header=header, by=_account(session, by), dry_run=dry_run, on_row=tick
        )
    show(result)


@app.command("committees")
@friendly
def committees(
    file: Path = typer.Argument(..., help="评委会表（模板见 zhicheng import template committees）"),
    cycle: str = CYCLE,
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
) -> None:
    """导入市州、行业主管部门本周期组建的评委会（省级评委会来自周期文件）。"""
    from models.db import session_scope
    from models.imports.committees import import_committees

    header, rows = _read(file)
    ensure_database()
    with session_scope() as session:
        result = import_committees(
            session, rows, cycle_id=cycle, header=header, by=_account(session, by), dry_run=dry_run
        )
    show(result)


@app.command("accounts")
@friendly
def accounts(
    file: Path = typer.Argument(..., help="账号表（模板见 zhicheng import template accounts）"),
    dry_run: bool = DRY_RUN,
    by: str | None = BY,
    passwords: Path = typer.Option(
        None, "--passwords", help="写入初始密码的文件（默认：与导入文件同目录的 *.passwords.csv）"
    ),
    now: str | None = NOW,
) -> None:
    """批量创建账号：密码自动生成，只写入一次到仅本人可读的文件，首次登录须修改。"""
    from models.db import session_scope
    from models.imports.accounts import import_accounts

    out = passwords or file.with_name(file.stem + ".passwords.csv")
    if not dry_run and out.exists():
        raise UserError(f"{out} 已存在：请先妥善处理上次的密码文件，或用 --passwords 指定新文件")
    header, rows = _read(file)
    ensure_database()
    with session_scope() as session:
        result = import_accounts(
            session,
            rows,
            now=instant_or_now(now),
            header=header,
            by=_account(session, by),
            dry_run=dry_run,
        )
        if result.passwords:  # before the commit: no account without its password
            with writing(out):
                write_passwords(out, result.passwords)
    show(result)
    if result.passwords:
        console.print(f"{len(result.passwords)} 个新账号的初始密码已写入 {out}（仅本人可读）。")


def write_passwords(out: Path, passwords: dict[str, str]) -> None:
    """A new file readable and writable by its owner only (0600), never overwritten."""
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["用户名", "初始密码"])
        writer.writerows(sorted(passwords.items()))


@app.command("declarations")
@friendly
def declarations(
    file: Path = typer.Argument(
        ..., help="申报人表（模板见 zhicheng import template declarations）"
    ),
    cycle: str = CYCLE,
    dry_run: bool = DRY_RUN,
    now: str | None = NOW,
) -> None:
    """导入单位的申报人：每行生成（或更新）申报人和一份草稿申报，并分配到可评审的评委会。"""
    from models.db import session_scope
    from models.imports.declarations import import_declarations

    header, rows = _read(file)
    ensure_database()
    with session_scope() as session, _progress(len(rows)) as tick:
        result = import_declarations(
            session,
            rows,
            cycle_id=cycle,
            now=instant_or_now(now),
            header=header,
            dry_run=dry_run,
            on_row=tick,
        )
    show(result)


@app.command("template")
@friendly
def template(
    kind: Kind = typer.Argument(..., help="orgs、accounts、committees 或 declarations"),
    out: Path = typer.Option(..., "-o", "--out", help="输出的 .xlsx 文件"),
) -> None:
    """生成可填写的模板：第1行列名，第2行每列的填写说明。"""
    from models.imports.templates import write_template

    if out.suffix.lower() != ".xlsx":
        raise UserError("模板只生成 .xlsx 文件：请用 -o 指定以 .xlsx 结尾的文件名")
    with writing(checked_output(out)):
        write_template(kind.value, out)
    console.print(f"模板已写入 {out}", highlight=False)
