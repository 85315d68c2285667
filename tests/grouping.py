"""xdist groups: the tests of one group run on one worker, one after another (a backend's
tests share its database and Prefect server; the live tests share real servers)."""

from __future__ import annotations

from pathlib import Path

import pytest


def put_in_group(config: pytest.Config, item: pytest.Item, group: str) -> None:
    item.add_marker(pytest.mark.xdist_group(group))
    if bool(getattr(config.option, "loadgroup", False)) and hasattr(item, "_id"):
        # pytest 9.2 keeps node ids in ``_id``, where xdist 3.8's "@group" suffix no longer
        # lands; without it the groups are ignored (correct, only slower).
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(f"{item.nodeid}@{group}")


def group_folder(config: pytest.Config, items: list[pytest.Item], folder: Path, group: str) -> None:
    """Every test below ``folder`` in ``group``."""
    for item in items:
        if folder in Path(item.path).parents:
            put_in_group(config, item, group)
