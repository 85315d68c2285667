"""`zhicheng simulate`: a synthetic province through a whole cycle on a simulated clock."""

from __future__ import annotations

import os

import typer

from zhicheng.cli_support import UserError, ensure_database, friendly, resolve_cycle_path


@friendly
def simulate(
    cycle: str = typer.Option("jiayuguan-2024", "--cycle", help="周期文件路径或内置周期名"),
    applicants: int = typer.Option(
        2000,
        "--applicants",
        help="仿真申报人数（上限见 ZHICHENG_SIMULATION_MAX_APPLICANTS，默认 100000）",
    ),
    seed: int = typer.Option(2024, "--seed", help="随机种子：同一种子，同一结果"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出报告"),
    notify: str = typer.Option(
        None,
        "--notify",
        help="把仿真中的每条消息经 apprise 发送到这一个地址（如 json://127.0.0.1:8000/hook）",
    ),
) -> None:
    """仿真整个评审周期：合成全省组织机构和申报人，在模拟时钟上驱动真实的 Prefect 流程直到全部办结。"""
    from models.settings import settings

    if applicants < 1:
        raise UserError(f"申报人数须为正整数（收到 {applicants}）")
    largest = settings().simulation_max_applicants
    if applicants > largest:
        raise UserError(
            f"申报人数最多 {largest}（收到 {applicants}）；"
            "确需更多请设置环境变量 ZHICHENG_SIMULATION_MAX_APPLICANTS"
        )
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    ensure_database()
    from zhicheng.simulate_view import run_simulation

    if notify is not None:
        import apprise

        if apprise.Apprise.instantiate(notify) is None:
            raise UserError(
                f"无法识别的通知地址 '{notify.split('://')[0]}://…'（apprise 不支持该格式）"
            )
    run_simulation(str(resolve_cycle_path(cycle)), applicants, seed, as_json, notify)
