"""Issued electronic certificates (电子证书): one per issued application."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from models.timeutil import UTCDateTime


class Certificate(SQLModel, table=True):
    __tablename__ = "certificate"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(40), unique=True, nullable=False))
    application_id: int = Field(foreign_key="application.id", unique=True)
    cycle_id: str = Field(index=True)
    holder_name: str
    id_number: str
    title: str
    committee: str
    issued_on: dt.date
    code: str
    created_at: dt.datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
