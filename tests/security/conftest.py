"""The dashboard's small world (tests/dashboard/conftest.py) for the security tests."""

from tests.dashboard.conftest import client, clock, root_account, world  # noqa: F401
