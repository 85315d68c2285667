"""Who issued each notice of the library (``rules/data/notices.yaml``): its region and level.
A city's notice states that city's rules; a value carried from it into another region's cycle
file needs the notice's own words saying it applies there (calendars.checks)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

import yaml


@dataclass(frozen=True)
class Issuer:
    notice: str
    issuer: str
    number: str | None
    region: str
    place: str
    level: Literal["province", "city"]


@cache
def issuers() -> dict[str, Issuer]:
    text = (resources.files("rules") / "data" / "notices.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)["notices"]
    return {
        str(key): Issuer(
            str(key), v["issuer"], v.get("number"), str(v["region"]), v["place"], v["level"]
        )
        for key, v in raw.items()
    }


def city_rule_elsewhere(notice: str | None, region: str) -> Issuer | None:
    """The issuing city when ``notice`` is a city's and ``region`` (a cycle file's) is not that
    city; None for a provincial notice, the city's own file, or a notice not in the library."""
    found = issuers().get(notice or "")
    if found is None or found.level != "city" or found.region == region:
        return None
    return found
