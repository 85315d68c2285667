"""The accounts imports create accounts top-down under the province's first admin, which the
dashboard's tests make once per database: make it first here too, whichever tests run first."""

import pytest

from tests.dashboard.conftest import root_account

__all__ = ["root_account"]


@pytest.fixture(autouse=True)
def _first_admin_exists(request: pytest.FixtureRequest) -> None:
    if "database" in request.fixturenames:
        request.getfixturevalue("root_account")
