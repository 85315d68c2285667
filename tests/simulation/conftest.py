"""The province's 2024 cycle rehearsed twice with one seed, once per backend: the second run is
the rehearsal test_one_schedule launches, and both runs' years are what test_same_seed_same_year
compares (a rehearsal's cost is its instants' runs, nearly the same at any size)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from simulation.report import Report
from tests.conftest import exported, point_at


def year(cycle_id: str) -> tuple:
    """What a simulated year left: its applications and audit trail, keyed by ID number."""
    apps = sorted(
        (a["id_number"], a["status"], a["submitted_at"], a["return_count"])
        for a in exported("applications", cycle_id)
    )
    by_id = {a["id"]: a["id_number"] for a in exported("applications", cycle_id)}
    audit = sorted(
        (by_id[r["application_id"]], r["at"], r["action"], r["to_status"])
        for r in exported("audit", cycle_id)
    )
    return apps, audit


@dataclass(frozen=True)
class Twice:
    first: tuple  # the first run's year, read before the second run replaced it
    second: tuple
    report: Report  # the second run's


@pytest.fixture(scope="session")
def province_twice(database: str, prefect_server: None) -> Twice:
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from calendars.cyclefile import bundled_cycle
    from simulation.driver import Simulation

    point_at(database)
    years = []
    for _ in range(2):  # one cycle id: the second run starts by deleting the first's rows
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            # its own seed, so its synthetic people do not collide with the shared cycle's
            report = Simulation(bundled_cycle("gansu-2024"), applicants=30, seed=71).run()
        years.append(year(report.cycle_id))
    return Twice(years[0], years[1], report)
