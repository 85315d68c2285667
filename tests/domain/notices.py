"""Where the tests find the notices (the primary source, kept outside the repository).

Looked up at $ZHICHENG_NOTICES if set, else ``<repo>/../shared/notices``, else
``/work/shared/notices``. Without them a test that needs them skips — except under
``CI=true``, where a missing notice directory fails it: CI runs from a clean clone at another
path, where ``../shared`` does not exist, so it must set ZHICHENG_NOTICES."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def candidates() -> list[Path]:
    found = [REPO.parent / "shared" / "notices", Path("/work/shared/notices")]
    if os.environ.get("ZHICHENG_NOTICES"):
        found.insert(0, Path(os.environ["ZHICHENG_NOTICES"]))
    return found


def notices_dir() -> Path:
    for folder in candidates():
        if folder.is_dir():
            return folder
    where = "、".join(str(c) for c in candidates())
    if os.environ.get("CI") == "true":
        pytest.fail(f"找不到通知目录（{where}）；CI 下须设 ZHICHENG_NOTICES")
    pytest.skip(f"找不到通知目录（{where}）")


def notice_path(number: str) -> Path:
    """The file of notice ``number`` (``004`` → ``004_….txt``)."""
    files = sorted(notices_dir().glob(f"{number}_*.txt"))
    if len(files) != 1:
        pytest.fail(f"通知 {number} 应恰有一个文件，实有 {[f.name for f in files]}")
    return files[0]


def notice_text(number: str) -> str:
    return notice_path(number).read_text(encoding="utf-8")
