"""The project's shape: deployments import, layers stay apart, the CLI explains itself."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from zhicheng.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_every_deployment_entrypoint_imports_a_flow() -> None:
    from prefect import Flow

    config = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    assert {d["name"] for d in config["deployments"]} >= {
        "cycle-phase",
        "daily-sweep",
        "annual-cycle",
        "extend-phase",
    }
    for deployment in config["deployments"]:
        path, name = deployment["entrypoint"].split(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert isinstance(getattr(module, name), Flow), deployment["entrypoint"]


@pytest.mark.parametrize("package", ["calendars", "rules"])
def test_the_pure_core_imports_neither_prefect_nor_the_database(package: str) -> None:
    forbidden = ("prefect", "sqlmodel", "sqlalchemy", "models", "tasks", "flows")
    for source in (ROOT / package).rglob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in forbidden, f"{source} imports {name}"


# Calls that read the wall clock, by their full dotted name (aliases resolved).
CLOCK_READS = {
    "pendulum.now",
    "pendulum.today",
    "pendulum.yesterday",
    "pendulum.tomorrow",
    "pendulum.DateTime.now",
    "pendulum.DateTime.today",
    "pendulum.Date.today",
    "datetime.datetime.now",
    "datetime.datetime.utcnow",
    "datetime.datetime.today",
    "datetime.date.today",
    "time.time",
    "time.time_ns",
    "time.localtime",
    "time.gmtime",
    "time.ctime",
}
# Domain code takes ``now`` as an argument, so a simulation or a drill can run any date.
DOMAIN = ("calendars", "rules", "models", "tasks", "notifications", "outputs")
# A flow is the entry point of a scheduled run: the one place where "now" may default to the
# real clock when the caller passes none. Everything it calls gets that ``now``.
ENTRY_POINTS = ("flows",)


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([aliases.get(node.id, node.id), *reversed(parts)])


def clock_reads(source: str) -> list[tuple[int, str, str | None]]:
    """(line, call, enclosing function decorated as a Prefect flow or None) per clock read."""
    tree = ast.parse(source)
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases.update({a.asname or a.name: a.name for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module:
            aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
    found = []

    def visit(node: ast.AST, flow: str | None) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            decorators = [d.func if isinstance(d, ast.Call) else d for d in node.decorator_list]
            if any(_dotted(d, aliases) in ("prefect.flow", "flow") for d in decorators):
                flow = node.name
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name in CLOCK_READS:
                found.append((node.lineno, name, flow))
        for child in ast.iter_child_nodes(node):
            visit(child, flow)

    visit(tree, None)
    return found


@pytest.mark.parametrize(
    ("source", "reads"),
    [
        ("import pendulum\nx = pendulum.now('UTC')", ["pendulum.now"]),
        ("from pendulum import now\nx = now()", ["pendulum.now"]),
        ("import datetime as dt\nx = dt.datetime.now(dt.UTC)", ["datetime.datetime.now"]),
        ("from datetime import date\nx = date.today()", ["datetime.date.today"]),
        ("import time\nx = time.time()", ["time.time"]),
        ("import datetime as dt\nx = dt.time(9, 0)", []),
        ("import time\nx = time.monotonic()", []),  # a duration, not a date
    ],
)
def test_the_clock_guard_sees_every_spelling(source: str, reads: list[str]) -> None:
    assert [name for _, name, _ in clock_reads(source)] == reads


def test_domain_code_never_reads_the_wall_clock() -> None:
    for package in DOMAIN:
        for source in (ROOT / package).rglob("*.py"):
            reads = clock_reads(source.read_text(encoding="utf-8"))
            assert reads == [], f"{source.relative_to(ROOT)}: {reads}"


def test_flows_read_the_clock_only_at_their_entry_point() -> None:
    for package in ENTRY_POINTS:
        for source in (ROOT / package).rglob("*.py"):
            reads = clock_reads(source.read_text(encoding="utf-8"))
            outside = [(line, name) for line, name, flow in reads if flow is None]
            assert outside == [], f"{source.relative_to(ROOT)}: {outside}"


def test_the_package_takes_every_module_and_data_file() -> None:
    """What setuptools would ship: every folder of the top-level packages, and every data file
    in them matched by a package-data pattern (a file left out breaks only the installed
    command, never the editable checkout the tests run from)."""
    import fnmatch
    import tomllib

    from setuptools import find_namespace_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    find = config["setuptools"]["packages"]["find"]
    shipped = set(find_namespace_packages(str(ROOT), include=find["include"]))
    data = config["setuptools"]["package-data"]
    tops = {name.split(".")[0] for name in shipped}
    for top in tops:
        for path in (ROOT / top).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            package = ".".join(path.parent.relative_to(ROOT).parts)
            assert package in shipped, f"{package} is not shipped"
            if path.suffix != ".py":
                patterns = data.get(package, [])
                assert any(fnmatch.fnmatch(path.name, p) for p in patterns), path


def test_help_explains_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("plan", "calendar", "launch", "extend", "simulate", "export"):
        assert command in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["calendar", "is-workday", "2025-10-11"], "true"),
        (["calendar", "is-workday", "2025-10-08"], "false"),
        (["calendar", "add-workdays", "2025-09-29", "5"], "2025-10-11"),
        (["calendar", "next-workday", "2025-09-30"], "2025-10-09"),
    ],
)
def test_calendar_commands(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected


def test_a_bad_date_gets_a_clear_message() -> None:
    result = runner.invoke(app, ["calendar", "is-workday", "2025-13-01"])
    assert result.exit_code == 2
    assert "日期格式错误" in result.output and "YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output


def test_a_year_without_data_is_refused_by_name() -> None:
    result = runner.invoke(app, ["calendar", "is-workday", "2031-05-06"])
    assert result.exit_code == 2
    assert "2031" in result.output and "2031.yaml" in result.output


def test_status_warns_in_november_when_next_year_is_missing() -> None:
    result = runner.invoke(app, ["calendar", "status", "--today", "2026-11-22"])
    assert result.exit_code == 0
    assert "2019" in result.output and "2026" in result.output
    assert "2027" in result.output and "提醒" in result.output
    quiet = runner.invoke(app, ["calendar", "status", "--today", "2026-06-01"])
    assert "提醒" not in quiet.output


def test_plan_json_from_the_installed_command() -> None:
    """The console script works from any directory, on the packaged data."""
    exe = Path(sys.executable).with_name("zhicheng")
    result = subprocess.run(
        [str(exe), "plan", str(ROOT / "calendars/cycles/jiayuguan-2024.yaml"), "--json"],
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    )
    import json

    plan = json.loads(result.stdout)
    declaration = next(p for p in plan["phases"] if p["key"] == "declaration")
    assert (declaration["start"], declaration["end"], declaration["days"]) == (
        "2024-09-11T00:00:00+08:00",
        "2024-10-21T00:00:00+08:00",
        40,
    )
    assert any(
        f["code"] == "length_mismatch" and f["phase"] == "unit_review" for f in plan["findings"]
    )


def test_plan_table_and_timeline() -> None:
    result = runner.invoke(app, ["plan", "jiayuguan-2024"])
    assert result.exit_code == 0, result.output
    assert "个人正式申报" in result.output and "2024-10-20 24:00" in result.output
    assert "█" in result.output and "length_mismatch" in result.output


def test_a_malformed_cycle_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "oops-2024.yaml"
    bad.write_text("id: oops-2024\nyear: [\n", encoding="utf-8")
    result = runner.invoke(app, ["plan", str(bad)])
    assert result.exit_code == 2
    assert "oops-2024.yaml" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["620102196501150011", "--year", "2024"],
            {"retirement_month": "2025-02", "eligible": True},
        ),
        (
            ["620102196501150011", "--year", "2025"],
            {"retirement_month": "2025-02", "eligible": False},
        ),
        (
            ["620102197501150022", "--year", "2025", "--female-original-age", "50"],
            {"retirement_month": "2025-02", "eligible": False},
        ),
        (
            ["620102197501150022", "--year", "2025", "--female-original-age", "55"],
            {"retirement_month": "2031-05", "eligible": True},
        ),
    ],
)
def test_rules_retirement_json(args: list[str], expected: dict) -> None:
    import json

    from rules.idcard import check_digit

    args = [args[0][:17] + check_digit(args[0][:17]), *args[1:]]
    result = runner.invoke(app, ["rules", "retirement", *args, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["620102196501150010", "--year", "2024"], "校验码"),
        (["12345", "--year", "2024"], "18位"),
        (["620102197501150022", "--year", "2025"], "50 或 55"),
    ],
)
def test_rules_retirement_refuses_clearly(args: list[str], message: str) -> None:
    from rules.idcard import check_digit

    if len(args[0]) == 18 and message != "校验码":
        args = [args[0][:17] + check_digit(args[0][:17]), *args[1:]]
    result = runner.invoke(app, ["rules", "retirement", *args, "--json"])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
