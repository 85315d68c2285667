"""The simulate command's face: a progress bar while it runs, then the report."""

from __future__ import annotations

import json

import typer
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from simulation.driver import Simulation
from simulation.interruption import INTERRUPTIONS, discard_cycle, sigterm_raises
from simulation.report import Report
from zhicheng.cli_support import console, err_console

STOPPED = 130  # the shell's exit code for a run stopped by a signal (128 + SIGINT)
STATUS_LABELS = {
    "issued": "已发证",
    "failed": "未通过",
    "not_recommended": "逾期未推荐",
    "expired": "逾期未提交",
    "refused": "不符合条件",
    "withdrawn": "已撤回",
    "revoked": "异议成立撤销",
}


def run_simulation(
    cycle_file: str, applicants: int, seed: int, as_json: bool, notify: str | None = None
) -> Report:
    # The bar fills with the simulated clock through the year's schedule (the share of time
    # behind it), the events handled beside it.
    columns = (
        TextColumn("[bold]仿真[/] 模拟时间 {task.fields[clock]}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("已处理 {task.fields[events]} 个事件"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console if as_json else console, transient=as_json) as bar:
        task = bar.add_task("sim", total=None, clock="准备中（生成省份并导入申报）", events=0)

        def tick(done: int, clock: str, share: float) -> None:
            bar.update(task, completed=share, total=1.0, clock=clock, events=f"{done:,}")

        simulation = Simulation(cycle_file, applicants, seed, tick, notify_url=notify)
        try:
            # In-process runs need no crash heartbeat; its thread costs a second per run.
            with (
                sigterm_raises(),
                temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
            ):
                report = simulation.run()
        except INTERRUPTIONS:
            bar.stop()
            discard_cycle(simulation.cycle_id)
            err_console.print(
                f"已中止：仿真未完成，周期 {simulation.cycle_id} 已删除（数据库中不留半成品）。",
                highlight=False,
            )
            raise typer.Exit(STOPPED) from None
    if as_json:
        console.print_json(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        show(report)
    return report


def show(report: Report) -> None:
    console.print(
        f"[bold]仿真完成[/]：周期 [bold]{report.cycle_id}[/]（源自 {report.source_cycle}），"
        f"{report.applicants} 名申报人，种子 {report.seed}，用时 {report.seconds:.1f} 秒",
        highlight=False,
    )
    phases = Table(title="阶段（北京时间）", title_justify="left")
    for col in ("阶段", "开始", "截止（含当日）", "天数"):
        phases.add_column(col)
    for p in report.phases:
        indent = "  · " if p["parent"] else ""
        phases.add_row(
            f"{indent}{p['title']}",
            str(p["start"] or "")[:16],
            str(p["last_day"] or ""),
            str(p["days"] or ""),
        )
    console.print(phases)
    final = Table(title="最终状态", title_justify="left")
    final.add_column("状态")
    final.add_column("件数", justify="right")
    for status, count in report.final_status.items():
        final.add_row(STATUS_LABELS.get(status, status), str(count))
    console.print(final)
    console.print(
        f"截止后首次提交：拒绝 {report.late_first_submissions_refused} 件，误收 {report.late_first_submissions_accepted} 件；"
        f"退回超限锁定 {report.locked} 件；未办结 {report.not_final} 件。",
        highlight=False,
    )
    console.print(
        f"日程时刻 {len(report.instants)} 个：Prefect 流程运行 {report.prefect_runs} 次（阶段边界），"
        f"进程内运行 {report.in_process_runs} 次；00:30 补跑 {report.catch_up_runs} 次。",
        highlight=False,
    )
    if report.messages:
        console.print(
            "消息（按类别/状态）：" + "，".join(f"{k} {v}" for k, v in report.messages.items()),
            highlight=False,
        )
    if report.escalations:
        console.print(
            "督办（按级别）：" + "，".join(f"{k} {v}" for k, v in report.escalations.items()),
            highlight=False,
        )
    if report.refusals:
        console.print(
            "被拒绝的操作：" + "，".join(f"{k} {v}" for k, v in report.refusals.items()),
            highlight=False,
        )
    console.print(
        f"\n下一步：[bold]zhicheng export applications --cycle {report.cycle_id} --format csv[/]"
        f"（或 audit）；Prefect 界面中可见流程运行与进度（prefect server start 后打开 http://127.0.0.1:4200）。",
        highlight=False,
    )
