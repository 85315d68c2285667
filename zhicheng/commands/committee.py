"""`zhicheng committee …`: planning a committee's meeting, and postponing it with approval."""

from __future__ import annotations

import typer

from zhicheng.cli_support import (
    console,
    ensure_database,
    friendly,
    instant_or_now,
    parse_day,
    require_cycle,
)

app = typer.Typer(
    no_args_is_help=True,
    help="评委会会议：计划与延期（延期须市人社局同意并公告），登记会议记录（视频答辩的录像）。",
)

SCHEDULE_HELP = "是否在 Prefect 服务器上为结果公示结束排定（或改期）运行"


def _reschedule(cycle: str, now: str | None) -> None:
    """A meeting day moves the end of its result publicity: the cycle's runs follow it."""
    from tasks.schedule import reschedule

    for line in reschedule(cycle, instant_or_now(now)):
        console.print(f"已排定：{line}", highlight=False)


@app.command("plan")
@friendly
def committee_plan(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    committee: str = typer.Option(..., "--committee", help="评委会键（如 gs-60）"),
    day: str = typer.Option(..., "--day", help="会议日期，如 2024-12-15"),
    by: str = typer.Option(..., "--by", help="计划人"),
    now: str = typer.Option(None, "--now", help="以此时刻办理（默认现在）"),
    schedule: bool = typer.Option(True, "--schedule/--no-schedule", help=SCHEDULE_HELP),
) -> None:
    """计划评委会会议：须在其评审时间内；若公示和发证来不及在发证截止前完成，当即提示。"""
    from models.committees import plan_meeting
    from models.db import session_scope

    ensure_database()
    with session_scope() as session:
        meeting = plan_meeting(
            session, cycle, committee, parse_day(day, "会议日期"), by=by, now=instant_or_now(now)
        )
    console.print(f"已计划：{committee} 于 {meeting.meeting_day.isoformat()} 开会", highlight=False)
    if meeting.flag:
        console.print(f"[yellow]提示：{meeting.flag}[/]", highlight=False)
    if schedule:
        _reschedule(cycle, now)


@app.command("postpone")
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
    schedule: bool = typer.Option(True, "--schedule/--no-schedule", help=SCHEDULE_HELP),
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
            now=instant_or_now(now),
        )
    console.print(
        f"已延期：{committee} 改于 {meeting.meeting_day.isoformat()} 开会（{approved_by} 同意）",
        highlight=False,
    )
    if meeting.flag:
        console.print(f"[yellow]提示：{meeting.flag}[/]", highlight=False)
    if schedule:
        _reschedule(cycle, now)


@app.command("meeting")
@friendly
def committee_meeting(
    cycle: str = typer.Option(..., "--cycle", help="周期编号"),
    committee: str = typer.Option(..., "--committee", help="评委会键（见周期文件 committees）"),
    held_on: str = typer.Option(..., "--held-on", help="会议日期，如 2024-11-20"),
    video: bool = typer.Option(False, "--video", help="以视频方式答辩"),
    recording: str = typer.Option(None, "--recording", help="答辩录像的存放位置（视频答辩必填）"),
    by: str = typer.Option(..., "--by", help="登记人或评委会组建单位"),
    now: str = typer.Option(None, "--now", help="登记时刻（北京时间，默认现在）"),
) -> None:
    """登记评审会议记录：视频答辩须全程录像保存，记录写明录像存放位置后方可录入评审结果。"""
    from models.db import session_scope
    from models.documents import record_meeting

    day = parse_day(held_on, "会议日期")
    ensure_database()
    with session_scope() as session:
        require_cycle(session, cycle)
        record = record_meeting(
            session,
            cycle,
            committee,
            day,
            video=video,
            recording=recording,
            by=by,
            now=instant_or_now(now),
        )
        waiting = record.video and not record.recording
    console.print(f"已登记 {committee} {day.isoformat()} 的会议记录", highlight=False)
    if waiting:
        console.print(
            "[yellow]提示：视频答辩尚未登记录像存放位置，该评委会的评审结果暂不能录入[/]",
            highlight=False,
        )
