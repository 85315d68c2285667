"""The `zhicheng` command line: the sub-commands of ``zhicheng.commands`` under one root."""

from __future__ import annotations

import os

# Offline offices: Prefect's local server must not try to send telemetry.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import typer  # noqa: E402

from zhicheng.commands import (  # noqa: E402
    account,
    act,
    calendar,
    committee,
    cycle,
    dashboard,
    export,
    filing,
    imports,
    integrity,
    outputs,
    plan,
    rules,
    serve,
    simulate,
    tally,
    worker,
)
from zhicheng.help_pages import fold_long_chinese_lines  # noqa: E402

fold_long_chinese_lines()

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="职称 zhicheng：甘肃省年度职称评审周期的编排系统（日历、周期文件、流程、仿真）。",
)
# Commands list in the order they are added: the help page reads as a cycle's work does.
for command in (
    plan.plan,
    act.act,
    outputs.sheet,
    outputs.certificates,
    outputs.verify,
    cycle.launch,
    cycle.extend,
    simulate.simulate,
    export.export,
    serve.serve,
    worker.worker,
    dashboard.dashboard,
):
    app.command()(command)
app.add_typer(calendar.app, name="calendar")
app.add_typer(rules.app, name="rules")
app.add_typer(committee.app, name="committee")
app.add_typer(filing.app, name="filing")
app.add_typer(account.app, name="account")
app.add_typer(imports.app, name="import")
app.add_typer(integrity.app, name="integrity")
app.add_typer(tally.app, name="tally")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
