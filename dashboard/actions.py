"""Actions over HTTP: the same service layer as flows, the simulation and the CLI, after two
checks of our own — the account's kind and role may take this action, and every application
named is in its scope (one outside it refuses the whole request, revealing nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlmodel import Session

from dashboard.lookup import cycle_or_404
from dashboard.scope import Forbidden, Viewer, in_scope_ids
from models import services
from models.db import read_scope, session_scope
from models.services import Outcome

ACTION_LABELS = {
    "submit": "提交申报",
    "resubmit": "重新提交",
    "return": "退回修改",
    "recommend": "审核推荐",
    "forward": "报送评委会",
    "result": "录入评审结果",
    "object": "登记异议",
}
NEEDS_REASON = {"return", "object"}


def _call(
    action: str, reason: str, passed: bool | None
) -> Callable[[Session, str, list[int], dt.datetime, str], Outcome]:
    calls: dict[str, Callable[[Session, str, list[int], dt.datetime, str], Outcome]] = {
        "submit": lambda s, c, ids, now, who: services.submit(s, c, ids, now=now, actor=who),
        "resubmit": lambda s, c, ids, now, who: services.resubmit(s, c, ids, now=now, actor=who),
        "return": lambda s, c, ids, now, who: services.return_for_changes(
            s, c, ids, now=now, actor=who, reason=reason
        ),
        "recommend": lambda s, c, ids, now, who: services.recommend(s, c, ids, now=now, actor=who),
        "forward": lambda s, c, ids, now, who: services.forward(s, c, ids, now=now, actor=who),
        "result": lambda s, c, ids, now, who: services.record_result(
            s, c, ids, passed=bool(passed), now=now, actor=who
        ),
        "object": lambda s, c, ids, now, who: services.object_to(
            s, c, ids, now=now, actor=who, reason=reason
        ),
    }
    return calls[action]


def perform(
    session: Session,
    viewer: Viewer,
    cycle_id: str,
    action: str,
    ids: list[int],
    *,
    now: dt.datetime,
    reason: str = "",
    passed: bool | None = None,
) -> Outcome:
    if action not in ACTION_LABELS:
        raise Forbidden(f"不支持的操作 '{action}'：可选 {'、'.join(ACTION_LABELS)}")
    if action not in viewer.allowed_actions():
        raise Forbidden(
            f"{viewer.kind_label}{'只读账号' if not viewer.may_act else '账号'}不能{ACTION_LABELS[action]}"
        )
    if action == "result" and passed is None:
        raise Forbidden("录入评审结果须注明通过或未通过（passed）")
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return Outcome()
    if len(in_scope_ids(session, viewer, cycle_id, wanted)) != len(wanted):
        raise Forbidden("无权操作：所选申报中有不属于本单位（本级）管辖的申报")
    return _call(action, reason.strip(), passed)(session, cycle_id, wanted, now, viewer.actor)


def act(
    viewer: Viewer,
    cycle_id: str,
    action: str,
    ids: list[int],
    *,
    now: dt.datetime,
    reason: str = "",
    passed: bool | None = None,
) -> Outcome:
    """One request's action in one transaction: the cycle must exist and be the viewer's."""
    with read_scope() as session:
        cycle_or_404(session, cycle_id, viewer)
    with session_scope() as session:
        return perform(
            session, viewer, cycle_id, action, ids, now=now, reason=reason, passed=passed
        )
