"""`zhicheng filing …`: the filing checklist (备案), and recording a filing."""

from __future__ import annotations

import typer

from zhicheng.cli_support import (
    console,
    ensure_database,
    friendly,
    instant_or_now,
    require_cycle,
)

app = typer.Typer(no_args_is_help=True, help="备案清单：各事项的截止时间与状态，登记备案。")


@app.command("status")
@friendly
def filing_status_command(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    now: str = typer.Option(None, "--now", help="以此时刻判断（默认现在）"),
) -> None:
    """列出备案事项、截止日期和状态（已备案、待备案、已逾期、随时备案）。"""
    from rich.table import Table

    from models.db import session_scope
    from models.filing import filing_status
    from models.plans import stored_plan

    ensure_database()
    with session_scope() as session:
        require_cycle(session, cycle)
        _, plan = stored_plan(session, cycle)
        rows = filing_status(session, cycle, plan, instant_or_now(now))
    table = Table(title=f"{cycle} 备案清单", title_justify="left")
    for header in ("事项", "键", "截止（含当日）", "规则", "状态"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            row.title,
            row.key,
            row.due_last_day.isoformat() if row.due_last_day else "",
            row.rule,
            row.label,
        )
    console.print(table)


@app.command("record")
@friendly
def filing_record_command(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    item: str = typer.Option(..., "--item", help="备案事项键（见 filing status）"),
    by: str = typer.Option(..., "--by", help="报送单位"),
    note: str = typer.Option(None, "--note", help="备注（如文号）"),
    now: str = typer.Option(None, "--now", help="备案时刻（默认现在）"),
    department: str = typer.Option(
        None, "--department", help="报送的主管部门机构编码（逐部门报送的事项必填，如汇总表）"
    ),
) -> None:
    """登记一项备案。"""
    from models.db import session_scope
    from models.filing import record_filing
    from models.plans import stored_plan

    ensure_database()
    with session_scope() as session:
        require_cycle(session, cycle)
        _, plan = stored_plan(session, cycle)
        record_filing(
            session,
            cycle,
            plan,
            item,
            by=by,
            now=instant_or_now(now),
            note=note,
            department=department,
        )
    console.print(f"已登记备案：{item}", highlight=False)
