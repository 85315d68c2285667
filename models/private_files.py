"""Files that hold personal data (the database, summary sheets, exports, certificates) are
readable by their owner only: 0600, in folders we create 0700. The process umask is left
alone (it is shared by every thread); each file is created with its mode instead."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folders(folder: Path) -> None:
    """Creates ``folder`` and its missing parents owner-only; folders that already exist are
    left as their owner set them."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for created in reversed(missing):
        created.mkdir(mode=FOLDER_MODE, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Creates ``path`` empty and owner-only unless it exists (another process may have
    created it a moment ago: that one is kept, never truncated)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def new_private_file(path: Path) -> Path:
    """``path`` as a new empty owner-only file (whatever was there is removed first, so an
    old world-readable file never lends its mode); a library then writes it by name."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    return path


def make_owner_only(path: Path) -> None:
    """Tightens an existing file of ours to 0600 (a database made before this rule)."""
    if path.exists() and path.stat().st_uid == os.geteuid():
        os.chmod(path, FILE_MODE)


@contextmanager
def written_privately(out: Path) -> Iterator[Path]:
    """A new owner-only file beside ``out`` to write; it becomes ``out`` only when the block
    ends without error (nothing half-written), and is removed otherwise."""
    part = new_private_file(out.with_name(out.name + ".part"))
    try:
        yield part
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    part.replace(out)
