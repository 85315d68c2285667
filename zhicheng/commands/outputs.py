"""`zhicheng sheet`, `certificates`, `verify`: the documents a cycle produces, and checking one."""

from __future__ import annotations

from pathlib import Path

import typer

from zhicheng.cli_support import UserError, console, ensure_database, friendly
from zhicheng.output_files import checked_output, writing


@friendly
def sheet(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    output: Path = typer.Option(..., "--output", "-o", help="写入的 .xlsx 文件"),
    department: str = typer.Option(None, "--department", help="主管部门编码（默认：全部）"),
    series_level: str = typer.Option(
        "", "--series-level", help="表头的“X系列X级”，如 卫生系列副高级"
    ),
    unit: str = typer.Option("", "--unit", help="填报单位"),
    contact: str = typer.Option("", "--contact", help="填报联系人"),
    phone: str = typer.Option("", "--phone", help="联系电话"),
    full_id: bool = typer.Option(False, "--full-id", help="身份证号不脱敏（报人社部门时）"),
) -> None:
    """生成《申报评审职称审核推荐汇总表》(.xlsx)：附件2 的固定列，日期写作 2021-07-01。"""
    import pendulum

    from models.db import read_scope
    from models.lookups import find_cycle, organisation_by_code
    from outputs.summary_sheet import build_sheet

    checked_output(output)
    ensure_database()
    with read_scope() as session:
        if find_cycle(session, cycle) is None:
            raise UserError(f"没有编号为 {cycle} 的周期")
        dept_id = None
        if department:
            found = organisation_by_code(session, department)
            if found is None:
                raise UserError(f"没有编码为 {department} 的主管部门")
            dept_id = found.id
        with writing(output):
            rows = build_sheet(
                session,
                cycle,
                output,
                department_id=dept_id,
                series_level=series_level,
                unit_name=unit,
                contact=contact,
                phone=phone,
                filled_on=pendulum.now("Asia/Shanghai").date(),
                full_id=full_id,
            )
    console.print(f"已生成 {output}（{rows} 人）", highlight=False)


@friendly
def certificates(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    output: Path = typer.Option(..., "--output", "-o", help="证书 PDF 的目录"),
) -> None:
    """为已发证的申报生成电子证书（PDF，含可核验的二维码）；重复运行只补缺。"""
    import pendulum
    from rich.progress import Progress

    from models.db import session_scope
    from models.lookups import find_cycle
    from outputs.certificates import issue_certificates

    if output.exists() and not output.is_dir():
        raise UserError(f"{output} 不是目录：证书写入一个目录（不存在时自动创建）")
    ensure_database()
    with session_scope() as session, Progress(console=console, transient=True) as bar:
        stored = find_cycle(session, cycle)
        if stored is None:
            raise UserError(f"没有编号为 {cycle} 的周期")
        task = bar.add_task("生成证书", total=None)
        with writing(output):  # a failure rolls the new certificates back with it
            written = issue_certificates(
                session,
                cycle,
                stored.year,
                output,
                pendulum.now("UTC"),
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    console.print(f"已生成 {len(written)} 份电子证书到 {output}", highlight=False)


@friendly
def verify(code: str = typer.Argument(..., help="证书二维码中的验证码")) -> None:
    """核验电子证书：真伪、持有人和资格；不真实时退出码为 1。"""
    from models.db import read_scope
    from outputs.certificates import verify as verify_code

    ensure_database()
    with read_scope() as session:
        result = verify_code(session, code.removeprefix("zhicheng:verify:"))
    if result.holder:
        console.print(
            f"{result.reason}：{result.holder}（{result.masked_id}），{result.title}，"
            f"{result.committee}，{result.issued_on.isoformat() if result.issued_on else ''} 取得",
            highlight=False,
        )
    else:
        console.print(result.reason, highlight=False)
    if not result.genuine:
        raise typer.Exit(1)
