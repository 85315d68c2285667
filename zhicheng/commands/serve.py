"""`zhicheng serve`: the Prefect deployments served from this process, without a work pool."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from zhicheng.cli_support import UserError, ensure_database, friendly, warn_about_upkeep

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

# The live catch-up sweep: 00:30 Beijing time, as in prefect.yaml.
DAILY_SWEEP_CRON = "30 0 * * *"


def deployments() -> list[RunnerDeployment]:
    """What `serve` offers: the boundary flow, the daily sweep, launch and extend. The sweep's
    schedule carries its own zone, so 00:30 stays Beijing time whatever the host's zone."""
    from prefect.schedules import Cron

    from flows.cycle import daily_sweep, phase_flow
    from flows.extend import extend as extend_flow
    from flows.launch import annual_cycle

    return [
        _built(phase_flow.to_deployment(name="cycle-phase")),
        _built(
            daily_sweep.to_deployment(
                name="daily-sweep", schedule=Cron(DAILY_SWEEP_CRON, timezone="Asia/Shanghai")
            )
        ),
        _built(annual_cycle.to_deployment(name="annual-cycle")),
        _built(extend_flow.to_deployment(name="extend-phase")),
    ]


def _built(made: RunnerDeployment | Coroutine[Any, Any, RunnerDeployment]) -> RunnerDeployment:
    """Outside an event loop Prefect builds a deployment at once; inside one it would hand back
    a coroutine, which `serve` (a synchronous command) never is."""
    from prefect.deployments.runner import RunnerDeployment

    if not isinstance(made, RunnerDeployment):
        raise TypeError("serve builds its deployments outside an event loop")
    return made


def pool_deployments(offered: list[RunnerDeployment]) -> list[str]:
    """Those of ``offered`` the server already has on a work pool (`prefect deploy --all`)."""
    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    taken = []
    with get_client(sync_client=True) as client:
        for made in offered:
            name = f"{made.flow_name}/{made.name}"
            try:
                found = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue
            if found.work_pool_name:
                taken.append(f"{name}（工作池 {found.work_pool_name}）")
    return taken


@friendly
def serve() -> None:
    """在线运行：为阶段流程、每日巡检、启动和延期提供 Prefect 服务（需先 prefect server start）。"""
    from prefect import serve as prefect_serve

    ensure_database()
    warn_about_upkeep()
    offered = deployments()
    # Served over the work pool's deployments of the same names, serve would take them over:
    # the workers would get no more runs, and serve's runs would inherit the pool's pull step.
    taken = pool_deployments(offered)
    if taken:
        raise UserError(
            "这些部署已由 prefect deploy --all 注册到工作池："
            + "、".join(taken)
            + "。serve 与工作进程只能选一：继续用工作进程（scripts/live.sh），"
            "或先删除这些部署（prefect deployment delete 名称）再运行 serve"
        )
    prefect_serve(*offered)
