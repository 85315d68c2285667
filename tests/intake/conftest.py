"""The dashboard's small world and client serve the front end's tests too."""

from tests.dashboard.conftest import client, clock, root_account, world

__all__ = ["client", "clock", "root_account", "world"]
