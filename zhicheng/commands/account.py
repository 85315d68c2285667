"""`zhicheng account …`: dashboard accounts, created top-down; demonstration accounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from zhicheng.cli_support import UserError, console, ensure_database, friendly

if TYPE_CHECKING:
    from sqlmodel import Session

    from models.accounts import Account

app = typer.Typer(no_args_is_help=True, help="工作台账号：自上而下逐级创建。")


@app.command("create")
@friendly
def account_create(
    username: str = typer.Argument(..., help="新账号的用户名"),
    org: str = typer.Option(None, "--org", help="所属组织机构编码"),
    committee: str = typer.Option(None, "--committee", help="所属评委会（与 --cycle 一起给出）"),
    cycle: str = typer.Option(
        None, "--cycle", help="评委会所在周期编号；申报接口账号（--role intake）绑定的周期"
    ),
    role: str = typer.Option(
        "operator",
        "--role",
        help="admin（系统管理员）、operator（业务管理员）、viewer（只读）"
        "或 intake（申报前端的接口账号，须 --cycle，无密码，打印令牌）",
    ),
    by: str = typer.Option(
        None, "--by", help="创建人（上级系统管理员）的用户名；首个省级管理员不填"
    ),
    password: str = typer.Option(
        None,
        envvar="ZHICHENG_NEW_PASSWORD",
        help="初始密码（至少 8 位，含字母和数字，不能是用户名或易猜的密码；不给出则提示输入；"
        "申报接口账号没有密码）",
    ),
) -> None:
    """创建账号：省级创建市州和评委会，市州创建县区、部门和市属单位，县区和部门创建所属单位；
    省级创建申报前端的接口账号（--role intake --cycle 周期编号）。由上级创建的账号首次登录须修改密码。"""
    import pendulum

    from models.accounts import create_account, create_intake_account, find_account
    from models.committees import find_committee
    from models.db import session_scope

    if role == "intake":
        if cycle is None:
            raise UserError("申报接口账号须用 --cycle 指定绑定的周期")
    elif password is None:
        password = typer.prompt("初始密码", hide_input=True, confirmation_prompt=True)
    ensure_database()
    with session_scope() as session:
        creator = None
        if by is not None:
            creator = find_account(session, by)
            if creator is None:
                raise UserError(f"没有用户名为 {by} 的账号")
        if role == "intake":
            signed = create_intake_account(
                session, by=creator, username=username, cycle_id=cycle, now=pendulum.now("UTC")
            )
            console.print(
                f"已创建申报接口账号 {signed.account.username}（周期 {cycle}）。令牌只显示这一次，"
                f"请交给申报前端保存（Authorization: Bearer <令牌>）：\n{signed.token}",
                highlight=False,
                soft_wrap=True,
            )
            return
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
            must_change=creator is not None,  # chosen by the admin: its owner sets their own
        )
        console.print(f"已创建账号 {account.username}（{account.display_name}）", highlight=False)


BY_ADMIN = typer.Option(..., "--by", help="办理人（上级系统管理员）的用户名")


def _admin(session: Session, by: str) -> Account:
    from models.accounts import find_account

    admin = find_account(session, by)
    if admin is None:
        raise UserError(f"没有用户名为 {by} 的账号")
    return admin


@app.command("reset")
@friendly
def account_reset(
    username: str = typer.Argument(..., help="要重置密码的账号"), by: str = BY_ADMIN
) -> None:
    """重置下级账号的密码：生成临时密码（只显示这一次），该账号的登录随即失效，下次登录须修改密码。"""
    from models.accounts import reset_password
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        account, password = reset_password(session, _admin(session, by), username)
    console.print(
        f"已重置 {account.username} 的密码；临时密码（只显示这一次）：{password}", highlight=False
    )


@app.command("deactivate")
@friendly
def account_deactivate(
    username: str = typer.Argument(..., help="要停用的账号"), by: str = BY_ADMIN
) -> None:
    """停用下级账号：不能再登录，已有登录（含申报接口账号的令牌）随即失效。"""
    _set_active(username, by, active=False)


@app.command("activate")
@friendly
def account_activate(
    username: str = typer.Argument(..., help="要重新启用的账号"), by: str = BY_ADMIN
) -> None:
    """重新启用下级账号。"""
    _set_active(username, by, active=True)


def _set_active(username: str, by: str, *, active: bool) -> None:
    from models.accounts import set_active
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        set_active(session, _admin(session, by), username, active=active)
    console.print(f"已{'启用' if active else '停用'}账号 {username}", highlight=False)


@app.command("token")
@friendly
def account_token(
    username: str = typer.Argument(..., help="申报接口账号"),
    by: str = BY_ADMIN,
    revoke: bool = typer.Option(False, "--revoke", help="只吊销全部令牌，不发新令牌"),
) -> None:
    """更换申报接口账号的令牌（旧令牌随即失效，新令牌只显示这一次），或用 --revoke 吊销。"""
    import pendulum

    from models.accounts import revoke_tokens, rotate_token
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        admin = _admin(session, by)
        if revoke:
            revoke_tokens(session, admin, username)
            console.print(f"已吊销 {username} 的全部令牌", highlight=False)
            return
        signed = rotate_token(session, admin, username, pendulum.now("UTC"))
    console.print(
        f"{username} 的新令牌（只显示这一次；旧令牌已失效）：\n{signed.token}",
        highlight=False,
        soft_wrap=True,
    )


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
