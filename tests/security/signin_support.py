"""Helpers of the sign-in tests: a fresh account of the province's own, signed-in clients
from an address of their own (the sign-in throttle counts per client address, and every
TestClient otherwise comes from the same one)."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from starlette.types import ASGIApp

from tests.dashboard.conftest import PASSWORD, account, new_address


def fresh_account(root: str, role: str = "operator") -> str:
    """An operator of the province, made by its root admin (no password change pending)."""
    return account(f"sec-{uuid.uuid4().hex[:8]}", by=root, org="620000", role=role)


def client_from(app: ASGIApp, address: str | None = None) -> TestClient:
    return TestClient(app, client=(address or new_address(), 50000))


def sign_in_status(client: TestClient, username: str, password: str = PASSWORD) -> int:
    response = client.post("/api/session", json={"username": username, "password": password})
    return response.status_code
