"""Actions over HTTP: the same service layer as flows, the simulation and the CLI, after two
checks of our own — the account's kind and role may take this action, and every application
named is in its scope (one outside it refuses the whole request, revealing nothing)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from dashboard.lookup import cycle_or_404
from dashboard.scope import Forbidden, Viewer, in_scope_ids
from models import services
from models.db import session_scope
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
    # The service layer names a verdict "pass" or "fail"; the web says "result" + ``passed``.
    name = ("pass" if passed else "fail") if action == "result" else action
    return services.by_name(
        session, name, cycle_id, wanted, now=now, actor=viewer.actor, reason=reason.strip()
    )


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
    with session_scope() as session:
        cycle_or_404(session, cycle_id, viewer)
        return perform(
            session, viewer, cycle_id, action, ids, now=now, reason=reason, passed=passed
        )
