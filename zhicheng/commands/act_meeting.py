"""`zhicheng act-meeting`: a committee's meeting as held — by video or not, and where the full
recording of a video defence is kept (001 附件1 三 "视频答辩全程录像保存，以备核查"). While the
record in force is a video defence without its recording, the committee's results are refused."""

from __future__ import annotations

import datetime as dt

import typer

from zhicheng.cli_support import (
    UserError,
    console,
    ensure_database,
    friendly,
    instant_or_now,
    require_cycle,
)


@friendly
def act_meeting(
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

    try:
        day = dt.date.fromisoformat(held_on)
    except ValueError:
        raise UserError(f"会议日期应写作 2024-11-20 的形式：{held_on}") from None
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
