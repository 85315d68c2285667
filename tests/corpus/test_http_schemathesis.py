"""Schemathesis against the API's own OpenAPI document, in-process on the ASGI app, with a
signed-in account of each role (admin, operator, viewer, the front end's intake account):
valid and invalid requests generated from the document, and not one answered 5xx.

The examples are bounded so that the whole run takes well under a minute per database; the
cycle's id is given half the time, so the calls reach past "no such cycle"."""

from __future__ import annotations

import time
import uuid
from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from dashboard.app import create_app
from tests.dashboard.conftest import ROOT, World, account, client, clock, root_account, token, world

FIXTURES = (client, clock, root_account, world)  # the dashboard's world, taken by name below
EXAMPLES = 3  # per operation, role and kind of case
# Calls that would end or change the very session the run signs in with.
SKIP = {("DELETE", "/api/session"), ("PUT", "/api/me/password")}


def _run(schema: Any, headers: dict[str, str], cycle_id: str) -> tuple[list[str], dict[int, int]]:
    """The server errors of one role's run, and how many answers of each status it got."""
    failures: list[str] = []
    answers: dict[int, int] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue
        kinds = [operation.as_strategy(mode) for mode in GenerationMode]
        if "{cycle_id}" in operation.path:
            kinds += [
                operation.as_strategy(mode, path_parameters={"cycle_id": cycle_id})
                for mode in GenerationMode
            ]

        @given(case=st.one_of(kinds))
        @settings(
            max_examples=EXAMPLES * len(kinds),
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            answers[response.status_code] = answers.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200}"
                    f" -> {response.status_code} {response.text[:200]}"
                )

        check()
    return failures, answers


def test_no_server_error_for_any_role(client: TestClient, world: World) -> None:
    tag = uuid.uuid4().hex[:6]
    roles = {
        "admin": token(client, world.users["city"]),
        "operator": token(
            client,
            account(f"op-{tag}", by=world.users["unit_a"], org=world.unit_a, role="operator"),
        ),
        "viewer": token(client, world.users["viewer_a"]),
    }
    made = client.post(
        "/api/accounts",
        json={"username": f"door-{tag}", "role": "intake", "cycle_id": world.cycle_id},
        headers=token(client, ROOT),
    )
    assert made.status_code == 201, made.text
    roles["intake"] = {"authorization": f"Bearer {made.json()['token']}"}
    app = create_app(clock=client.app.state.clock)
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=roles["viewer"])
    started = time.monotonic()
    failures: dict[str, list[str]] = {}
    for role, headers in roles.items():
        failures[role], answers = _run(schema, headers, world.cycle_id)
        # Each office's run got past sign-in and the schema's checks somewhere (the front end
        # may only write whole, valid declarations: generated ones are refused), and every
        # role's run made many calls.
        if role != "intake":
            assert sum(n for status, n in answers.items() if status < 300) > 0, (role, answers)
        assert sum(answers.values()) >= 100, (role, answers)
    assert {r: f for r, f in failures.items() if f} == {}
    assert time.monotonic() - started < 60
