"""The organisation tree: province → city → county, departments, units, committees' bodies."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from sqlalchemy import Column, Index, String, Text
from sqlmodel import Field, Session, SQLModel, col, select


class OrgKind(StrEnum):
    province = "province"  # 省人社厅 / 省职改办
    city = "city"  # 市(州)人社局
    county = "county"  # 县(市、区)人社局
    department = "department"  # 行业主管部门
    unit = "unit"  # 用人单位 / 申报单位
    agency = "agency"  # 人才服务机构 (a unit-like body holding personnel files)


class Organisation(SQLModel, table=True):
    """One node of the tree. ``path`` is the chain of codes from the province down
    (``620000/620200/620201/U000123``), so a subtree is one prefix query. A unit's ``code`` is
    its unified social credit code (统一社会信用代码); cities and counties use their region code."""

    __tablename__ = "organisation"
    __table_args__ = (Index("ix_org_path", "path"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    name: str
    kind: str = Field(index=True)
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    city_code: str | None = Field(default=None, index=True)
    series: str | None = None
    unit_type: str | None = None
    path: str = Field(sa_column=Column(String(200), nullable=False))
    contact_person: str | None = None
    mobile: str | None = Field(default=None, sa_column=Column(String(11)))
    # An apprise URL imported for this organisation: wins over channels.yaml's entries for it.
    notify_url: str | None = Field(default=None, sa_column=Column(Text))


def notify_urls(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """The imported notification address of each organisation (by code) that has one; the
    others fall back to channels.yaml."""
    wanted = list(dict.fromkeys(codes))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 5000):
        rows = session.exec(
            select(col(Organisation.code), col(Organisation.notify_url)).where(
                col(Organisation.code).in_(wanted[start : start + 5000]),
                col(Organisation.notify_url).is_not(None),
            )
        )
        found.update({code: url for code, url in rows if url})
    return found
