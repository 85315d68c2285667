"""`zhicheng worker`: a process worker on the work pool that first takes back what its dead
predecessor of the same name left (flows/orphans.py), then runs `prefect worker start`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from zhicheng.cli_support import (
    console,
    ensure_database,
    friendly,
    instant_or_now,
    warn_about_upkeep,
)

if TYPE_CHECKING:
    import datetime as dt

    from prefect.client.schemas.objects import FlowRun

POOL = "zhicheng"  # the work pool prefect.yaml names


def _record_crash(now: dt.datetime) -> Callable[[FlowRun, str], None]:
    """The office's alert for a run cut off mid-way, as the flow's crash hook writes it."""
    from tasks.failures import record_run_failure

    def record(run: FlowRun, message: str) -> None:
        parameters = dict(run.parameters or {})
        cycle_id = str(parameters.get("cycle_id") or "")
        if cycle_id:
            label = str(parameters.get("run_label", "sweep"))
            record_run_failure(cycle_id, label, str(run.id), "CRASHED", message, now)

    return record


@friendly
def worker(
    name: Annotated[
        str, typer.Option("--name", help="工作进程名称：同一名称同一时刻只运行一个（如 主机名-1）")
    ],
    pool: Annotated[str, typer.Option("--pool", help="工作池")] = POOL,
    reclaim_only: Annotated[
        bool, typer.Option("--reclaim-only", help="只接管遗留的运行，不启动工作进程")
    ] = False,
    healthcheck: Annotated[
        bool, typer.Option("--with-healthcheck", help="提供健康检查地址（同 prefect worker）")
    ] = False,
    now: Annotated[str | None, typer.Option(help="当前时刻（默认现在）")] = None,
) -> None:
    """启动工作进程：先接管同名前任异常中断后遗留的运行（及离线工作进程的运行），再开始领取运行。"""
    from flows.cycle import cycle_limit
    from flows.orphans import reclaim

    ensure_database()
    warn_about_upkeep()
    instant = instant_or_now(now)
    done = reclaim(pool, name, instant, _record_crash(instant), cycle_limit)
    for label, names in (
        ("重做", done.rerun),
        ("重新排期", done.rescheduled),
        ("随之中断的子运行，标记为崩溃", done.stranded),
    ):
        if names:
            console.print(f"接管遗留运行（{label}）：{'、'.join(names)}")
    if done.limits_released:
        console.print(f"已释放并发槽：{'、'.join(done.limits_released)}")
    if reclaim_only:
        return
    argv = ["prefect", "worker", "start", "--pool", pool, "--type", "process", "--name", name]
    if healthcheck:
        argv.append("--with-healthcheck")
    # In this process, not a new one: Prefect is imported already (a second interpreter would
    # import it again: seconds on a loaded machine, while the dead worker's runs wait), and a
    # supervisor's pid (scripts/live.sh) stays the worker's. Prefect's entry point reads argv.
    from prefect.cli import app as prefect_cli

    sys.argv = argv
    prefect_cli()
