"""`zhicheng account …`: dashboard accounts, created top-down; demonstration accounts."""

from __future__ import annotations

import typer

from zhicheng.cli_support import UserError, console, ensure_database, friendly

app = typer.Typer(no_args_is_help=True, help="工作台账号：自上而下逐级创建。")


@app.command("create")
@friendly
def account_create(
    username: str = typer.Argument(..., help="新账号的用户名"),
    org: str = typer.Option(None, "--org", help="所属组织机构编码"),
    committee: str = typer.Option(None, "--committee", help="所属评委会（与 --cycle 一起给出）"),
    cycle: str = typer.Option(None, "--cycle", help="评委会所在周期编号"),
    role: str = typer.Option(
        "operator", "--role", help="admin（系统管理员）、operator（业务管理员）或 viewer（只读）"
    ),
    by: str = typer.Option(
        None, "--by", help="创建人（上级系统管理员）的用户名；首个省级管理员不填"
    ),
    password: str = typer.Option(
        ...,
        prompt="初始密码",
        hide_input=True,
        confirmation_prompt=True,
        envvar="ZHICHENG_NEW_PASSWORD",
        help="初始密码（至少 8 位，含字母和数字）",
    ),
) -> None:
    """创建账号：省级创建市州和评委会，市州创建县区、部门和市属单位，县区和部门创建所属单位。"""
    import pendulum

    from models.accounts import create_account, find_account
    from models.committees import find_committee
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        creator = None
        if by is not None:
            creator = find_account(session, by)
            if creator is None:
                raise UserError(f"没有用户名为 {by} 的账号")
        committee_id = None
        if committee is not None:
            if cycle is None:
                raise UserError("评委会账号须同时给出 --cycle")
            found = find_committee(session, cycle, committee)
            if found is None:
                raise UserError(f"周期 {cycle} 没有评委会 {committee}")
            committee_id = found.id
        account = create_account(
            session,
            by=creator,
            username=username,
            password=password,
            role=role,
            now=pendulum.now("UTC"),
            org_code=org,
            committee_id=committee_id,
        )
        console.print(f"已创建账号 {account.username}（{account.display_name}）", highlight=False)


@app.command("demo")
@friendly
def account_demo(
    cycle: str = typer.Option(None, "--cycle", help="周期编号（默认最近的周期）"),
) -> None:
    """为（仿真）周期创建演示账号并打印一次性密码：省、市、县、部门、单位、评委会。"""
    import pendulum
    from rich.table import Table

    from dashboard.demo import demo_accounts
    from models.db import session_scope
    from models.lookups import latest_cycle

    ensure_database()
    with session_scope() as session:
        if cycle is None:
            latest = latest_cycle(session)
            if latest is None:
                raise UserError("还没有评审周期：请先运行 zhicheng simulate 或 zhicheng launch")
            cycle = latest.id
        try:
            made = demo_accounts(session, cycle, pendulum.now("UTC"))
        except LookupError as exc:
            raise UserError(str(exc)) from None
    table = Table(title=f"演示账号（周期 {cycle}；密码只显示这一次）")
    for column in ("用户名", "密码", "机构"):
        table.add_column(column)
    for a in made:
        table.add_row(a.username, a.password, a.where)
    console.print(table)
