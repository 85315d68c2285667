"""The file a command was told to write (``-o``): refused up front, in Chinese, when it cannot
be written — a missing folder, a folder given instead of a file — and a failure while writing
(no permission, a full disk) said in one line instead of a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from zhicheng.cli_support import UserError


def checked_output(path: Path) -> Path:
    if path.is_dir():
        raise UserError(f"{path} 是目录：请给出要写入的文件名")
    if not path.parent.is_dir():
        raise UserError(f"无法写入 {path}：目录 {path.parent} 不存在（请先创建该目录）")
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{exc.strerror or exc}") from None
