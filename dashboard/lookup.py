"""Finding what a request names — a cycle, an organisation, a committee — and refusing what
lies outside the viewer's scope with the same words whether or not it exists."""

from __future__ import annotations

from sqlalchemy import bindparam, inspect
from sqlalchemy import select as core_select
from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from dashboard.scope import Forbidden, Viewer, org_visible
from models.committees import find_committee
from models.cycle import Committee, Cycle
from models.org import Organisation


class NotFound(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# What a page shows of a cycle is its id, title and year: the spec (the whole cycle file as
# JSON, 57 KB for a province) is read where it is used, not fetched and decoded for every
# page — 4.6 ms of PostgreSQL a page for the cycle's row alone.
_NOT_THE_SPEC = tuple(
    defer(inspect(Cycle).attrs[name].class_attribute) for name in ("spec", "file")
)


def latest_cycles(session: Session, viewer: Viewer) -> list[Cycle]:
    stmt = (
        select(Cycle)
        .options(*_NOT_THE_SPEC)
        .order_by(col(Cycle.year).desc(), col(Cycle.launched_at).desc(), col(Cycle.id))
    )
    if viewer.committee_cycle is not None:
        stmt = stmt.where(Cycle.id == viewer.committee_cycle)
    return list(session.exec(stmt).all())


def _cycle_in_reach(cycle_id: str, viewer: Viewer) -> None:
    if viewer.committee_cycle is not None and cycle_id != viewer.committee_cycle:
        raise Forbidden("无权访问：评委会账号只能查看本评委会所在周期")


def _cycle_missing(cycle_id: str) -> NotFound:
    return NotFound(f"没有编号为 {cycle_id} 的评审周期")


def cycle_or_404(session: Session, cycle_id: str, viewer: Viewer) -> Cycle:
    _cycle_in_reach(cycle_id, viewer)
    cycle = session.get(Cycle, cycle_id, options=_NOT_THE_SPEC)
    if cycle is None:
        raise _cycle_missing(cycle_id)
    return cycle


# Built once: whether a cycle of this id exists, without its row (the spec's JSON).
_CYCLE_EXISTS = core_select(col(Cycle.id)).where(col(Cycle.id) == bindparam("cycle_id"))


def cycle_exists_or_404(session: Session, cycle_id: str, viewer: Viewer) -> None:
    """``cycle_or_404`` for a caller that needs only to know the cycle is there and the
    viewer's (the actions): one indexed probe, no row loaded, no spec decoded."""
    _cycle_in_reach(cycle_id, viewer)
    if session.execute(_CYCLE_EXISTS, {"cycle_id": cycle_id}).first() is None:
        raise _cycle_missing(cycle_id)


def org_for_page(
    session: Session, viewer: Viewer, code: str | None
) -> tuple[Organisation | None, int | None]:
    """The organisation a page or call is about (default: the viewer's own), or for a
    committee account its committee."""
    if viewer.kind == "committee":
        if code is not None:
            raise Forbidden("无权访问：评委会账号只能查看提交本评委会的申报")
        return None, viewer.committee_id
    org = session.exec(
        select(Organisation).where(Organisation.code == (code or viewer.org_code))
    ).first()
    if org is None or not org_visible(session, viewer, org):
        raise Forbidden()
    return org, None


# One answer for a committee that does not exist and one outside the viewer's reach: a key
# must not tell which committees there are.
NO_COMMITTEE = "无权访问：本周期没有该评委会，或它不在您的管辖范围内"


def committee_by_key(session: Session, cycle_id: str, key: str) -> Committee:
    """The committee of this key; whether the viewer may see it is its row's business
    (``figures.committee_row``), refused with the same words."""
    found = find_committee(session, cycle_id, key)
    if found is None or found.id is None:
        raise Forbidden(NO_COMMITTEE)
    return found
