"""One small simulated 2024 cycle per backend, shared by every test that reads its data."""

from __future__ import annotations

import io
import json

import pytest

from calendars.cyclefile import bundled_cycle
from simulation.driver import Simulation
from zhicheng import export


def exported(kind: str, cycle_id: str) -> list[dict]:
    out = io.StringIO()
    export.write(kind, cycle_id, "json", out)
    return json.loads(out.getvalue())


@pytest.fixture(scope="session")
def simulated(database: str, prefect_server: None) -> dict:
    """Every message goes through apprise to a local HTTP receiver, as with --notify URL."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from tests.notifications.receivers import HttpReceiver

    with (
        HttpReceiver() as receiver,
        temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}),
    ):
        report = Simulation(
            bundled_cycle("jiayuguan-2024"),
            applicants=400,
            seed=11,
            notify_url=f"json://127.0.0.1:{receiver.port}/zhicheng",
        ).run()
    return {
        "report": report,
        "received": receiver.received,
        **{
            kind: exported(kind, report.cycle_id)
            for kind in ("applications", "audit", "messages", "escalations")
        },
    }


@pytest.fixture
def sim(simulated: dict, db: str) -> dict:
    return simulated
