"""The organisation tree: province → city → county, departments, units, committees' bodies."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, Index, String
from sqlmodel import Field, SQLModel


class OrgKind(StrEnum):
    province = "province"  # 省人社厅 / 省职改办
    city = "city"  # 市(州)人社局
    county = "county"  # 县(市、区)人社局
    department = "department"  # 行业主管部门
    unit = "unit"  # 用人单位 / 申报单位
    agency = "agency"  # 人才服务机构 (a unit-like body holding personnel files)


class Organisation(SQLModel, table=True):
    """One node of the tree. ``path`` is the chain of codes from the province down
    (``620000/620200/620201/U000123``), so a subtree is one prefix query."""

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
