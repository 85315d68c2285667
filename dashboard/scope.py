"""Who is looking, and what they may see and do: the province everything, a city or county
its subtree, a department the units it supervises, a unit its own, a committee the
applications submitted to it. Every query of the dashboard goes through one of these filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select, true
from sqlmodel import Session, col

from models.accounts import Account, Role
from models.application import Application
from models.cycle import Committee
from models.org import Organisation, OrgKind
from models.services import actions_taken_by

KIND_LABELS = {
    OrgKind.province: "省级",
    OrgKind.city: "市州",
    OrgKind.county: "县区",
    OrgKind.department: "行业主管部门",
    OrgKind.unit: "用人单位",
    OrgKind.agency: "人才服务机构",
    "committee": "评委会",
    "intake": "申报接口",
}
# What the applicants' front end may do besides writing drafts: hand them in, and hand them
# in again after a return (the same actions, cut-offs and checks as everywhere).
INTAKE_ACTIONS = frozenset({"submit", "resubmit"})


class Forbidden(Exception):
    """Outside the viewer's scope or role: refused without revealing anything."""

    def __init__(self, message: str = "无权访问：该内容不在您的管辖范围内") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Viewer:
    account_id: int
    username: str
    display_name: str
    role: str
    kind: str  # an OrgKind or "committee"
    org_id: int | None
    org_code: str | None
    org_path: str | None
    committee_id: int | None
    committee_cycle: str | None
    # An intake account's one cycle; for the others, None.
    intake_cycle: str | None = None
    # Set until the owner changes a password someone else chose (creation, import, reset).
    must_change_password: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def may_act(self) -> bool:
        return self.role in (Role.admin, Role.operator)

    def allowed_actions(self) -> frozenset[str]:
        """The actions this account may take on applications in its scope."""
        if self.kind == "intake":
            return INTAKE_ACTIONS
        return actions_taken_by(self.kind) if self.may_act else frozenset()

    @property
    def actor(self) -> str:
        """How the audit trail names this viewer."""
        return f"{self.display_name}/{self.username}"


def make_viewer(
    *,
    account_id: int,
    username: str,
    display_name: str,
    role: str,
    account_cycle: str | None,
    must_change_password: bool,
    org: tuple[int, str, str, str] | None,
    committee: tuple[int, str] | None,
) -> Viewer:
    """A viewer from its account's columns, its organisation's (id, kind, code, path) and its
    committee's (id, cycle); an account has one of the two, an intake account neither."""
    intake = role == Role.intake
    return Viewer(
        account_id=account_id,
        username=username,
        display_name=display_name,
        role=role,
        kind="intake" if intake else org[1] if org else "committee",
        org_id=org[0] if org else None,
        org_code=org[2] if org else None,
        org_path=org[3] if org else None,
        committee_id=committee[0] if committee else None,
        committee_cycle=committee[1] if committee else None,
        intake_cycle=account_cycle if intake else None,
        must_change_password=must_change_password,
    )


def viewer_of(session: Session, account: Account) -> Viewer:
    org = session.get(Organisation, account.organisation_id) if account.organisation_id else None
    committee = session.get(Committee, account.committee_id) if account.committee_id else None
    assert account.id is not None
    return make_viewer(
        account_id=account.id,
        username=account.username,
        display_name=account.display_name,
        role=account.role,
        account_cycle=account.cycle_id,
        must_change_password=account.must_change_password,
        org=(org.id, org.kind, org.code, org.path) if org and org.id is not None else None,
        committee=(committee.id, committee.cycle_id)
        if committee and committee.id is not None
        else None,
    )


def _subtree(path: str) -> ColumnElement[bool]:
    return or_(col(Organisation.path) == path, col(Organisation.path).startswith(path + "/"))


def org_filter(kind: str, org_id: int | None, path: str | None) -> ColumnElement[bool]:
    """Over ``Organisation`` rows standing for units: the units under one organisation."""
    if kind == OrgKind.province:
        return true()
    if kind in (OrgKind.city, OrgKind.county):
        return _subtree(path or "")
    if kind == OrgKind.department:
        return col(Organisation.department_id) == org_id
    if kind in (OrgKind.unit, OrgKind.agency):
        return col(Organisation.id) == org_id
    return false()


def application_filter(viewer: Viewer) -> ColumnElement[bool]:
    """Over ``Application`` joined to its unit as ``Organisation``."""
    if viewer.kind == "committee":
        return col(Application.committee_id) == viewer.committee_id
    if viewer.kind == "intake":
        return col(Application.cycle_id) == viewer.intake_cycle
    return org_filter(viewer.kind, viewer.org_id, viewer.org_path)


def visible_orgs(session: Session, viewer: Viewer, ids: list[int]) -> set[int]:
    """Which of these organisations' pages the viewer may open: its own, and those the same
    unit filter that scopes every figure reaches."""
    if viewer.kind in ("committee", "intake"):
        return set()
    stmt: Any = select(col(Organisation.id)).where(
        col(Organisation.id).in_(ids), org_filter(viewer.kind, viewer.org_id, viewer.org_path)
    )
    reached = set(session.execute(stmt).scalars())
    return reached | {i for i in ids if i == viewer.org_id}


def org_visible(session: Session, viewer: Viewer, org: Organisation) -> bool:
    assert org.id is not None
    return org.id in visible_orgs(session, viewer, [org.id])


def committee_visible(viewer: Viewer, committee: Committee, has_applications: bool) -> bool:
    """A committee sees itself; an office the committees its applications went to."""
    if viewer.kind == "committee":
        return committee.id == viewer.committee_id
    return viewer.kind == OrgKind.province or has_applications


def in_scope_ids(session: Session, viewer: Viewer, cycle_id: str, ids: list[int]) -> set[int]:
    stmt: Any = (
        select(col(Application.id))
        .join(Organisation, col(Organisation.id) == col(Application.unit_id))
        .where(
            and_(
                col(Application.cycle_id) == cycle_id,
                col(Application.id).in_(ids),
                application_filter(viewer),
            )
        )
    )
    return set(session.execute(stmt).scalars())
