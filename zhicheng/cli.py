"""The `zhicheng` command line."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Offline offices: Prefect's local server must not try to send telemetry.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import typer  # noqa: E402

from zhicheng.cli_support import console, err_console, friendly, parse_day

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="职称 zhicheng：甘肃省年度职称评审周期的编排系统（日历、周期文件、流程、仿真）。",
)
calendar_app = typer.Typer(no_args_is_help=True, help="中国大陆工作日日历（含法定节假日与调休）。")
app.add_typer(calendar_app, name="calendar")
rules_app = typer.Typer(no_args_is_help=True, help="申报条件规则（如法定退休年龄）。")
app.add_typer(rules_app, name="rules")
committee_app = typer.Typer(
    no_args_is_help=True, help="评委会会议：计划与延期（延期须市人社局同意并公告）。"
)
app.add_typer(committee_app, name="committee")
filing_app = typer.Typer(no_args_is_help=True, help="备案清单：各事项的截止时间与状态，登记备案。")
app.add_typer(filing_app, name="filing")
account_app = typer.Typer(no_args_is_help=True, help="工作台账号：自上而下逐级创建。")
app.add_typer(account_app, name="account")


def resolve_cycle_path(file: str) -> Path:
    """A path, or the name of a bundled cycle file (``jiayuguan-2024``)."""
    from calendars.cyclefile import bundled_cycle

    path = Path(file)
    if path.exists():
        return path
    bundled = bundled_cycle(file.removesuffix(".yaml"))
    if bundled.exists():
        return bundled
    from zhicheng.cli_support import UserError

    raise UserError(
        f"找不到周期文件 '{file}'（既不是已有路径，也不是内置周期名，如 jiayuguan-2024）"
    )


@app.command()
@friendly
def plan(
    file: str = typer.Argument(..., help="周期文件路径，或内置周期名（如 jiayuguan-2024）"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出（phases 与 findings）"),
) -> None:
    """检查周期文件并列出时间表：各阶段的北京时间起止、天数，以及发现的问题。"""
    from calendars.planner import plan_file
    from calendars.workdays import default_calendar
    from zhicheng.plan_view import findings_view, plan_table, timeline

    calendar = default_calendar()
    result = plan_file(resolve_cycle_path(file), calendar)
    if as_json:
        typer.echo(json.dumps(result.as_dict(calendar), ensure_ascii=False, indent=2))
        return
    console.print(plan_table(result))
    console.print(timeline(result))
    console.print(findings_view(result))


@calendar_app.command("is-workday")
@friendly
def is_workday(day: str = typer.Argument(..., help="日期，如 2025-10-11")) -> None:
    """打印 true 或 false：该日是否为工作日（调休上班的周末算工作日）。"""
    from calendars.workdays import default_calendar

    typer.echo("true" if default_calendar().is_workday(parse_day(day)) else "false")


@calendar_app.command("add-workdays")
@friendly
def add_workdays(
    day: str = typer.Argument(..., help="起算日期（当日若为工作日则计入）"),
    n: int = typer.Argument(..., help="第几个工作日（≥1）"),
) -> None:
    """打印从该日起（含当日）的第 N 个工作日。"""
    from calendars.workdays import default_calendar
    from zhicheng.cli_support import UserError

    if n < 1:
        raise UserError(f"工作日数须为正整数（收到 {n}）")
    typer.echo(default_calendar().add_workdays(parse_day(day), n).isoformat())


@calendar_app.command("next-workday")
@friendly
def next_workday(day: str = typer.Argument(..., help="日期")) -> None:
    """打印该日之后的第一个工作日。"""
    from calendars.workdays import default_calendar

    typer.echo(default_calendar().next_workday(parse_day(day)).isoformat())


@calendar_app.command("between")
@friendly
def between(
    first: str = typer.Argument(..., help="第一天（含）"),
    last: str = typer.Argument(..., help="最后一天（含）"),
) -> None:
    """打印两日之间（含首尾）的工作日数。"""
    from calendars.workdays import default_calendar

    typer.echo(str(default_calendar().workdays_between(parse_day(first), parse_day(last))))


@calendar_app.command("status")
@friendly
def calendar_status(
    today: str = typer.Option(None, help="以此日期为“今天”（默认：北京时间今天）"),
) -> None:
    """列出已录入节假日安排的年份；11月起若下一年安排仍缺，给出提醒。"""
    import pendulum

    from calendars.workdays import default_calendar

    calendar = default_calendar()
    day = parse_day(today) if today else pendulum.now("Asia/Shanghai").date()
    for year in calendar.years():
        console.print(f"{year}  {calendar.source(year)}", highlight=False)
    nxt = day.year + 1
    if day.month >= 11 and nxt not in calendar.years():
        console.print(
            f"[yellow]提醒：{nxt} 年的节假日安排尚未录入。国务院办公厅通常在 11 月前后公布，"
            f"公布后请添加 ~/.zhicheng/holidays/{nxt}.yaml（格式见 calendars/holidays/README.md）。[/]",
            highlight=False,
        )


@rules_app.command("retirement")
@friendly
def retirement(
    id_number: str = typer.Argument(..., help="18位身份证号"),
    year: int = typer.Option(..., "--year", help="申报年度（按当年12月31日计算）"),
    female_original_age: int = typer.Option(
        None, "--female-original-age", help="女性原法定退休年龄：50 或 55"
    ),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """按渐进式延迟退休规定计算退休年月，并判断当年能否申报（当年12月31日前达到即不能申报）。"""
    from rules.idcard import parse_id_number
    from rules.retirement import reaches_retirement_by, retirement_for

    parsed = parse_id_number(id_number)
    result = retirement_for(
        parsed.birth, male=parsed.is_male, female_original_age=female_original_age
    )
    eligible = not reaches_retirement_by(
        parsed.birth, male=parsed.is_male, female_original_age=female_original_age, year=year
    )
    if as_json:
        typer.echo(json.dumps({"retirement_month": result.month_text, "eligible": eligible}))
        return
    verdict = "可以申报" if eligible else "不能申报（当年12月31日前已达法定退休年龄）"
    console.print(
        f"{parsed.masked()}：法定退休年龄 {result.age_years} 岁 {result.age_months} 个月，"
        f"{result.month_text} 退休；{year} 年度{verdict}",
        highlight=False,
    )


ACTIONS_HELP = "submit, resubmit, return, recommend, forward, refuse, pass, fail, object, uphold, dismiss, revoke, withdraw"


@app.command()
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
    import pendulum

    from models import services
    from models.db import session_scope
    from zhicheng.cli_support import UserError, parse_instant

    when = parse_instant(now) or pendulum.now("UTC")
    if action not in services.ACTION_NAMES:
        raise UserError(f"不认识的操作 '{action}'：可选 {ACTIONS_HELP}")
    ensure_database()
    with session_scope() as session:
        outcome = services.by_name(
            session, action, cycle, application, now=when, actor=actor, reason=reason or ""
        )
    for app_id in outcome.done:
        console.print(f"申报 {app_id}：已办理（{action}）", highlight=False)
    for app_id, why in outcome.refused.items():
        err_console.print(f"申报 {app_id}：未受理 —— {why}", highlight=False)
    if outcome.refused:
        raise typer.Exit(1)


def _now(text: str | None):  # type: ignore[no-untyped-def]
    import pendulum

    from zhicheng.cli_support import parse_instant

    return parse_instant(text) or pendulum.now("UTC")


@committee_app.command("plan")
@friendly
def committee_plan(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    committee: str = typer.Option(..., "--committee", help="评委会键（如 gs-60）"),
    day: str = typer.Option(..., "--day", help="会议日期，如 2024-12-15"),
    by: str = typer.Option(..., "--by", help="计划人"),
    now: str = typer.Option(None, "--now", help="以此时刻办理（默认现在）"),
) -> None:
    """计划评委会会议：须在其评审时间内；若公示和发证来不及在发证截止前完成，当即提示。"""
    from models.committees import plan_meeting
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        meeting = plan_meeting(
            session, cycle, committee, parse_day(day, "会议日期"), by=by, now=_now(now)
        )
    console.print(f"已计划：{committee} 于 {meeting.meeting_day.isoformat()} 开会", highlight=False)
    if meeting.flag:
        console.print(f"[yellow]提示：{meeting.flag}[/]", highlight=False)


@committee_app.command("postpone")
@friendly
def committee_postpone(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    committee: str = typer.Option(..., "--committee", help="评委会键"),
    day: str = typer.Option(..., "--day", help="新的会议日期"),
    by: str = typer.Option(..., "--by", help="办理人"),
    approved_by: str = typer.Option("", "--approved-by", help="同意推迟的市人社局（必填）"),
    notice: str = typer.Option("", "--notice", help="向社会公布的公告（标题或网址，必填）"),
    reason: str = typer.Option("", "--reason", help="推迟原因（必填）"),
    now: str = typer.Option(None, "--now", help="以此时刻办理（默认现在）"),
) -> None:
    """推迟评委会会议：原则上不得推迟，确需调整须经市人社局同意并向社会公布。"""
    from models.committees import postpone_meeting
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        meeting = postpone_meeting(
            session,
            cycle,
            committee,
            parse_day(day, "会议日期"),
            by=by,
            approved_by=approved_by,
            notice=notice,
            reason=reason,
            now=_now(now),
        )
    console.print(
        f"已延期：{committee} 改于 {meeting.meeting_day.isoformat()} 开会（{approved_by} 同意）",
        highlight=False,
    )
    if meeting.flag:
        console.print(f"[yellow]提示：{meeting.flag}[/]", highlight=False)


@filing_app.command("status")
@friendly
def filing_status_command(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    now: str = typer.Option(None, "--now", help="以此时刻判断（默认现在）"),
) -> None:
    """列出备案事项、截止日期和状态（已备案、待备案、已逾期、随时备案）。"""
    from rich.table import Table

    from models.db import session_scope
    from models.filing import filing_status
    from tasks.notify import stored_plan

    ensure_database()
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
        rows = filing_status(session, cycle, plan, _now(now))
    table = Table(title=f"{cycle} 备案清单", title_justify="left")
    for header in ("事项", "键", "截止（含当日）", "规则", "状态"):
        table.add_column(header)
    for row in rows:
        table.add_row(
            row.title,
            row.key,
            row.due_last_day.isoformat() if row.due_last_day else "",
            row.rule,
            row.label,
        )
    console.print(table)


@filing_app.command("record")
@friendly
def filing_record_command(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    item: str = typer.Option(..., "--item", help="备案事项键（见 filing status）"),
    by: str = typer.Option(..., "--by", help="报送单位"),
    note: str = typer.Option(None, "--note", help="备注（如文号）"),
    now: str = typer.Option(None, "--now", help="备案时刻（默认现在）"),
) -> None:
    """登记一项备案。"""
    from models.db import session_scope
    from models.filing import record_filing
    from tasks.notify import stored_plan

    ensure_database()
    with session_scope() as session:
        _, plan = stored_plan(session, cycle)
        record_filing(session, cycle, plan, item, by=by, now=_now(now), note=note)
    console.print(f"已登记备案：{item}", highlight=False)


@app.command()
@friendly
def sheet(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    output: Path = typer.Option(..., "--output", "-o", help="写入的 .xlsx 文件"),
    department: str = typer.Option(None, "--department", help="主管部门编码（默认：全部）"),
    series_level: str = typer.Option(
        "", "--series-level", help="表头的“X系列X级”，如 卫生系列副高级"
    ),
    unit: str = typer.Option("", "--unit", help="填报单位"),
    contact: str = typer.Option("", "--contact", help="填报联系人"),
    phone: str = typer.Option("", "--phone", help="联系电话"),
    full_id: bool = typer.Option(False, "--full-id", help="身份证号不脱敏（报人社部门时）"),
) -> None:
    """生成《申报评审职称审核推荐汇总表》(.xlsx)：附件2 的固定列，日期写作 2021-07-01。"""
    import pendulum
    from sqlmodel import select

    from models.db import read_scope
    from models.org import Organisation
    from outputs.summary_sheet import build_sheet
    from zhicheng.cli_support import UserError

    ensure_database()
    with read_scope() as session:
        dept_id = None
        if department:
            found = session.exec(
                select(Organisation).where(Organisation.code == department)
            ).first()
            if found is None:
                raise UserError(f"没有编码为 {department} 的主管部门")
            dept_id = found.id
        rows = build_sheet(
            session,
            cycle,
            output,
            department_id=dept_id,
            series_level=series_level,
            unit_name=unit,
            contact=contact,
            phone=phone,
            filled_on=pendulum.now("Asia/Shanghai").date(),
            full_id=full_id,
        )
    console.print(f"已生成 {output}（{rows} 人）", highlight=False)


@app.command()
@friendly
def certificates(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    output: Path = typer.Option(..., "--output", "-o", help="证书 PDF 的目录"),
) -> None:
    """为已发证的申报生成电子证书（PDF，含可核验的二维码）；重复运行只补缺。"""
    import pendulum
    from rich.progress import Progress

    from models.cycle import Cycle
    from models.db import session_scope
    from outputs.certificates import issue_certificates
    from zhicheng.cli_support import UserError

    ensure_database()
    with session_scope() as session, Progress(console=console, transient=True) as bar:
        stored = session.get(Cycle, cycle)
        if stored is None:
            raise UserError(f"没有编号为 {cycle} 的周期")
        task = bar.add_task("生成证书", total=None)
        written = issue_certificates(
            session,
            cycle,
            stored.year,
            output,
            pendulum.now("UTC"),
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    console.print(f"已生成 {len(written)} 份电子证书到 {output}", highlight=False)


@app.command()
@friendly
def verify(code: str = typer.Argument(..., help="证书二维码中的验证码")) -> None:
    """核验电子证书：真伪、持有人和资格；不真实时退出码为 1。"""
    from models.db import read_scope
    from outputs.certificates import verify as verify_code

    ensure_database()
    with read_scope() as session:
        result = verify_code(session, code.removeprefix("zhicheng:verify:"))
    if result.holder:
        console.print(
            f"{result.reason}：{result.holder}（{result.masked_id}），{result.title}，"
            f"{result.committee}，{result.issued_on.isoformat() if result.issued_on else ''} 取得",
            highlight=False,
        )
    else:
        console.print(result.reason, highlight=False)
    if not result.genuine:
        raise typer.Exit(1)


def ensure_database() -> None:
    """Every command that touches the database first brings its schema up to date."""
    from models.migrate import upgrade

    upgrade()


@app.command()
@friendly
def launch(
    file: str = typer.Argument(..., help="周期文件路径或内置周期名"),
    by: str = typer.Option("省职改办", help="启动人（记入记录）"),
    schedule: bool = typer.Option(
        True, "--schedule/--no-schedule", help="是否在 Prefect 服务器上为每个阶段边界排定运行"
    ),
) -> None:
    """启动评审周期：检查周期文件、保存周期，并在每个阶段边界（北京时间）排定 Prefect 运行。"""
    from flows.launch import annual_cycle, checked_plan

    path = str(resolve_cycle_path(file))
    checked_plan(path)  # refuse a file that cannot run before any flow run is made
    ensure_database()
    result = annual_cycle(path, by=by, schedule=schedule)
    state = "已启动" if result["created"] else "此前已启动（未改动）"
    console.print(f"周期 {result['cycle_id']} {state}。", highlight=False)
    for line in result["scheduled"]:
        console.print(f"  已排定：{line}", highlight=False)
    if not schedule:
        console.print(
            "未排定运行：在线运行请见 README 的“在线运行”一节（prefect server start、zhicheng serve）。"
        )


@app.command()
@friendly
def extend(
    cycle: str = typer.Option(..., "--cycle", help="周期编号（如 jiayuguan-2024）"),
    phase: str = typer.Option(..., "--phase", help="要延期的阶段键（如 declaration）"),
    until: str = typer.Option(..., "--until", help="新的最后一天（当日24时截止），如 2024-10-22"),
    by: str = typer.Option(..., "--by", help="批准延期的人或单位"),
    reason: str = typer.Option(..., "--reason", help="延期原因（如 申报系统故障）"),
    reschedule: bool = typer.Option(
        True, "--reschedule/--no-reschedule", help="是否改期 Prefect 上的运行"
    ),
) -> None:
    """延长一个阶段：记录操作人和原因，顺延与之挂钩的后续步骤，并改期已排定的运行。"""
    from flows.extend import extend as extend_flow

    ensure_database()
    result = extend_flow(
        cycle, phase, parse_day(until, "延期日期"), by, reason, reschedule=reschedule
    )
    console.print("已延期：", highlight=False)
    for line in result["moved"]:
        console.print(f"  {line}", highlight=False)
    for line in result["rescheduled"]:
        console.print(f"  已改期：{line}", highlight=False)


@app.command()
@friendly
def simulate(
    cycle: str = typer.Option("jiayuguan-2024", "--cycle", help="周期文件路径或内置周期名"),
    applicants: int = typer.Option(2000, "--applicants", help="仿真申报人数"),
    seed: int = typer.Option(2024, "--seed", help="随机种子：同一种子，同一结果"),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出报告"),
    notify: str = typer.Option(
        None,
        "--notify",
        help="把仿真中的每条消息经 apprise 发送到这一个地址（如 json://127.0.0.1:8000/hook）",
    ),
) -> None:
    """仿真整个评审周期：合成全省组织机构和申报人，在模拟时钟上驱动真实的 Prefect 流程直到全部办结。"""
    from zhicheng.cli_support import UserError

    if applicants < 1:
        raise UserError(f"申报人数须为正整数（收到 {applicants}）")
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


@app.command()
@friendly
def export(
    kind: str = typer.Argument(
        ..., help="applications（申报）、audit（审计记录）、messages（消息）或 escalations（督办）"
    ),
    cycle: str = typer.Option(..., "--cycle", help="周期编号（仿真报告中的 cycle id）"),
    fmt: str = typer.Option("csv", "--format", help="csv 或 json"),
    output: Path = typer.Option(None, "--output", "-o", help="写入文件（默认：标准输出）"),
) -> None:
    """导出一个周期的全部申报、审计记录、消息或督办记录（身份证号已脱敏），供核对。"""
    from zhicheng import export as exporter
    from zhicheng.cli_support import UserError

    if kind not in exporter.KINDS:
        raise UserError(f"不能导出 '{kind}'：可选 {', '.join(exporter.KINDS)}")
    if fmt not in ("csv", "json"):
        raise UserError(f"格式 '{fmt}' 不支持：可选 csv、json")
    ensure_database()
    if not exporter.cycle_exists(cycle):
        raise UserError(f"没有编号为 {cycle} 的周期")
    if output is None:
        exporter.write(kind, cycle, fmt, sys.stdout)
        return
    tmp = output.with_name(output.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        count = exporter.write(kind, cycle, fmt, out)
    tmp.replace(output)  # nothing half-written: the file appears only when complete
    console.print(f"已导出 {count} 行到 {output}", highlight=False)


@app.command()
@friendly
def serve() -> None:
    """在线运行：为阶段流程、每日巡检、启动和延期提供 Prefect 服务（需先 prefect server start）。"""
    from prefect import serve as prefect_serve

    from flows.cycle import daily_sweep, phase_flow
    from flows.extend import extend as extend_flow
    from flows.launch import annual_cycle

    ensure_database()
    deployments = [
        phase_flow.to_deployment(name="cycle-phase"),
        daily_sweep.to_deployment(name="daily-sweep", cron="30 0 * * *", timezone="Asia/Shanghai"),  # type: ignore[call-arg]
        annual_cycle.to_deployment(name="annual-cycle"),
        extend_flow.to_deployment(name="extend-phase"),
    ]
    prefect_serve(*deployments)  # type: ignore[arg-type]  # sync callers get deployments, not coroutines


@account_app.command("create")
@friendly
def account_create(
    username: str = typer.Argument(..., help="新账号的用户名"),
    org: str = typer.Option(None, "--org", help="所属组织机构编码"),
    committee: str = typer.Option(None, "--committee", help="所属评委会（与 --cycle 一起给出）"),
    cycle: str = typer.Option(None, "--cycle", help="评委会所在周期编号"),
    role: str = typer.Option(
        "operator", "--role", help="admin（系统管理员）、operator（业务管理员）或 viewer（只读）"
    ),
    by: str = typer.Option(
        None, "--by", help="创建人（上级系统管理员）的用户名；首个省级管理员不填"
    ),
    password: str = typer.Option(
        ...,
        prompt="初始密码",
        hide_input=True,
        confirmation_prompt=True,
        envvar="ZHICHENG_NEW_PASSWORD",
        help="初始密码（至少 8 位，含字母和数字）",
    ),
) -> None:
    """创建账号：省级创建市州和评委会，市州创建县区、部门和市属单位，县区和部门创建所属单位。"""
    import pendulum
    from sqlmodel import select

    from models.accounts import create_account, find_account
    from models.cycle import Committee
    from models.db import session_scope
    from zhicheng.cli_support import UserError

    ensure_database()
    with session_scope() as session:
        creator = None
        if by is not None:
            creator = find_account(session, by)
            if creator is None:
                raise UserError(f"没有用户名为 {by} 的账号")
        committee_id = None
        if committee is not None:
            if cycle is None:
                raise UserError("评委会账号须同时给出 --cycle")
            found = session.exec(
                select(Committee).where(Committee.cycle_id == cycle, Committee.key == committee)
            ).first()
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
        )
        console.print(f"已创建账号 {account.username}（{account.display_name}）", highlight=False)


@account_app.command("demo")
@friendly
def account_demo(
    cycle: str = typer.Option(None, "--cycle", help="周期编号（默认最近的周期）"),
) -> None:
    """为（仿真）周期创建演示账号并打印一次性密码：省、市、县、部门、单位、评委会。"""
    import pendulum
    from rich.table import Table
    from sqlmodel import col, select

    from dashboard.demo import demo_accounts
    from models.cycle import Cycle
    from models.db import session_scope
    from zhicheng.cli_support import UserError

    ensure_database()
    with session_scope() as session:
        if cycle is None:
            latest = session.exec(select(Cycle).order_by(col(Cycle.launched_at).desc())).first()
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


@app.command()
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
    from zhicheng.cli_support import parse_instant

    ensure_database()
    console.print(
        f"工作台：http://{host}:{port}/ （接口文档 /api/docs；Ctrl+C 停止）", highlight=False
    )
    serve(host, port, parse_instant(as_of))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
