"""`zhicheng dashboard`: the web dashboard on this machine."""

from __future__ import annotations

import typer

from zhicheng.cli_support import (
    console,
    ensure_database,
    friendly,
    parse_instant,
    warn_about_upkeep,
)


@friendly
def dashboard(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    as_of: str = typer.Option(
        None,
        "--as-of",
        help="演练：以此时刻（北京时间）为“现在”查看和办理，如 2024-10-25T10:00；"
        "各项数字按审计记录和消息记录重建为此时刻的情况",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="应答请求的进程数；默认 PostgreSQL 每个 CPU 核一个（最多 4 个），SQLite 一个",
    ),
) -> None:
    """网页工作台：阶段进度、逐级下钻、评委会、备案、账号与办理接口（/api/docs）。"""
    from dashboard.headers import host_name, parse_hosts
    from dashboard.server import serve
    from models.settings import settings

    ensure_database()
    warn_about_upkeep()
    console.print(
        f"工作台：http://{host}:{port}/ （接口文档 /api/docs，登录后查看；Ctrl+C 停止）",
        highlight=False,
    )
    allowed = settings().allowed_hosts
    if host_name(host) not in parse_hosts(allowed):
        # Any other name in the browser's address is refused (400): say so before it happens.
        console.print(
            f"提示：只应答这些主机名：{allowed}；以其他地址（如本机的局域网地址）访问，"
            "请把它加入 ZHICHENG_ALLOWED_HOSTS（逗号分隔）",
            highlight=False,
        )
    serve(host, port, parse_instant(as_of), workers)
