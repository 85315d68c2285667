"""`zhicheng act`: one action on applications, through the same service layer as everything else."""

from __future__ import annotations

import typer

from models.services import ACTION_NAMES
from zhicheng.cli_support import (
    UserError,
    console,
    ensure_database,
    err_console,
    friendly,
    instant_or_now,
    row_ids,
)

ACTIONS_HELP = ", ".join(ACTION_NAMES)


@friendly
def act(
    action: str = typer.Argument(..., help=ACTIONS_HELP),
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    application: list[int] = typer.Option(
        ..., "--application", "-a", help="申报编号（可多次给出）"
    ),
    actor: str = typer.Option(..., "--actor", help="操作人或单位（记入审计记录）"),
    reason: str = typer.Option(
        None, "--reason", help="原因或修改意见（退回、不予推荐、异议等必填）"
    ),
    now: str = typer.Option(None, "--now", help="以此时刻办理（北京时间，默认现在）"),
) -> None:
    """办理申报：与流程、仿真和网页接口调用同一服务层，按截止时间和退回次数规则受理或拒绝。"""
    from models import services
    from models.db import session_scope

    when = instant_or_now(now)
    if action not in ACTION_NAMES:
        raise UserError(f"不认识的操作 '{action}'：可选 {ACTIONS_HELP}")
    ensure_database()
    with session_scope() as session:
        outcome = services.by_name(
            session,
            action,
            cycle,
            row_ids(application, "申报"),
            now=when,
            actor=actor,
            reason=reason or "",
        )
    for app_id in outcome.done:
        console.print(f"申报 {app_id}：已办理（{action}）", highlight=False)
    for app_id, why in outcome.refused.items():
        err_console.print(f"申报 {app_id}：未受理 —— {why}", highlight=False)
    for warning in outcome.warnings:  # done all the same: a warning never blocks
        err_console.print(f"[yellow]提示：{warning}[/]", highlight=False)
    if outcome.refused:
        raise typer.Exit(1)
