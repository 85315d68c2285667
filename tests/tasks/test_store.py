"""A launched cycle stores, for each of its file's committees, whom it hears — the specialties,
the levels it grants, its region and its owners — as the routing of imported declarations
reads them from the committee table."""

from __future__ import annotations

import pytest
import yaml
from sqlmodel import col, select

from calendars.cyclefile import bundled_cycle
from models.cycle import Committee
from models.db import session_scope
from tests.factories import stored_cycle

pytestmark = pytest.mark.usefixtures("db")


def stored_committees(cycle_id: str) -> dict[str, Committee]:
    with session_scope() as session:
        rows = session.exec(select(Committee).where(col(Committee.cycle_id) == cycle_id)).all()
        session.expunge_all()
    return {c.key: c for c in rows}


def test_committees_keep_whom_they_hear() -> None:
    stored = stored_committees(stored_cycle("gansu-2024"))
    grassroots, owned = stored["gs-02"], stored["gs-16"]
    assert grassroots.specialties == ["质量监督工程"]
    assert grassroots.grants == ["正高级", "副高级"]  # a senior committee's levels by default
    assert (grassroots.region, grassroots.owners) == ("620000", None)
    assert owned.specialties is None  # "all": the whole series
    assert owned.owners == ["兰石集团公司", "长城电工股份公司"]
    city = stored_committees(stored_cycle("jiayuguan-2024"))["jyg-ny-zj"]
    assert (city.region, city.grants, city.specialties) == ("620200", ["中级"], None)


@pytest.mark.parametrize("name", ["gansu-2024", "jiayuguan-2024", "gansu-hr-training-2020"])
def test_every_file_committee_is_stored_as_its_file_says(name: str) -> None:
    filed = yaml.safe_load(bundled_cycle(name).read_text(encoding="utf-8"))["committees"]
    stored = stored_committees(stored_cycle(name))
    assert set(filed) <= set(stored)  # a city's cycle also has the province's committees
    default_grants = {"senior": ["正高级", "副高级"], "intermediate": ["中级"]}
    for key, c in filed.items():
        row = stored[key]
        assert row.specialties == (None if c["specialties"] == "all" else c["specialties"]), key
        assert row.grants == (c.get("grants") or default_grants[c["level"]]), key
        assert row.region == c["region"], key
        assert row.owners == (c.get("owners") or None), key
