"""`zhicheng dashboard`: the web dashboard on this machine."""

from __future__ import annotations

import typer

from zhicheng.cli_support import console, ensure_database, friendly, parse_instant


@friendly
def dashboard(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址"),
    port: int = typer.Option(8000, "--port", help="端口"),
    as_of: str = typer.Option(
        None, "--as-of", help="演练：以此时刻（北京时间）为“现在”查看和办理，如 2024-10-25T10:00"
    ),
) -> None:
    """网页工作台：阶段进度、逐级下钻、评委会、备案、账号与办理接口（/api/docs）。"""
    from dashboard.server import serve

    ensure_database()
    console.print(
        f"工作台：http://{host}:{port}/ （接口文档 /api/docs；Ctrl+C 停止）", highlight=False
    )
    serve(host, port, parse_instant(as_of))
