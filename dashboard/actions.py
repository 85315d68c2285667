"""Actions over HTTP: the same service layer as flows, the simulation and the CLI, after two
checks of our own — the account's kind and role may take this action, and every application
named is in its scope (one outside it refuses the whole request, revealing nothing)."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from dashboard.lookup import cycle_exists_or_404
from dashboard.scope import Forbidden, Viewer, in_scope_ids
from models import services
from models.db import session_scope
from models.services import ACTION_LABELS, DASHBOARD_ACTIONS, Outcome


def perform(
    session: Session,
    viewer: Viewer,
    cycle_id: str,
    action: str,
    ids: list[int],
    *,
    now: dt.datetime,
    reason: str = "",
) -> Outcome:
    if viewer.kind == "intake" and cycle_id != viewer.intake_cycle:
        raise Forbidden("无权访问：申报接口账号只能办理所绑定周期的申报")
    if action not in DASHBOARD_ACTIONS:
        raise Forbidden(f"不支持的操作 '{action}'：可选 {'、'.join(DASHBOARD_ACTIONS)}")
    if action not in viewer.allowed_actions() and viewer.kind == "intake":
        raise Forbidden("申报接口账号只能提交申报、重新提交")
    if action not in viewer.allowed_actions():
        raise Forbidden(
            f"{viewer.kind_label}{'只读账号' if not viewer.may_act else '账号'}不能{ACTION_LABELS[action]}"
        )
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return Outcome()
    if len(in_scope_ids(session, viewer, cycle_id, wanted)) != len(wanted):
        raise Forbidden("无权操作：所选申报中有不属于本单位（本级）管辖的申报")
    return services.by_name(
        session, action, cycle_id, wanted, now=now, actor=viewer.actor, reason=reason.strip()
    )


def act(
    viewer: Viewer,
    cycle_id: str,
    action: str,
    ids: list[int],
    *,
    now: dt.datetime,
    reason: str = "",
) -> Outcome:
    """One request's action in one transaction: the cycle must exist and be the viewer's."""
    with session_scope() as session:
        cycle_exists_or_404(session, cycle_id, viewer)
        return perform(session, viewer, cycle_id, action, ids, now=now, reason=reason)
