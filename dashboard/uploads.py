"""Files uploaded through the import page: the multipart body read with the standard library
(no other dependency, as the forms), and each checked file kept under the settings' home with
a random name until its uploader confirms it (or a day passes)."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path

from models.private_files import new_private_file
from models.settings import settings

# A spreadsheet of a whole province's units is a few MB; anything far larger is not one.
MAX_BYTES = 20 * 1024 * 1024
KEEP_FOR = dt.timedelta(days=1)
SUFFIXES = (".xlsx", ".csv")
_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")


class BadUpload(ValueError):
    """The request or the file cannot be taken; the message says why, in Chinese."""


@dataclass(frozen=True)
class Part:
    value: bytes
    filename: str | None


def _text(header: str | None) -> str | None:
    """A header value as the browser meant it: UTF-8 bytes the parser kept as escapes."""
    if header is None:
        return None
    return header.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def parse_multipart(content_type: str, body: bytes) -> dict[str, Part]:
    """The fields of a multipart/form-data body by name (the first of each name)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise BadUpload("请通过导入页面的表单上传文件")
    if len(body) > MAX_BYTES:
        raise BadUpload(f"文件过大：最多 {MAX_BYTES // 1024 // 1024} MB")
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not isinstance(message, EmailMessage) or not message.is_multipart():
        raise BadUpload("上传内容无法识别，请刷新页面后重试")
    fields: dict[str, Part] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str) or name in fields:
            continue
        payload = part.get_payload(decode=True)
        raw_name = part.get_filename()
        fields[name] = Part(
            payload if isinstance(payload, bytes) else b"",
            _text(raw_name) if raw_name is not None else None,
        )
    return fields


def field(fields: dict[str, Part], name: str) -> str:
    found = fields.get(name)
    return found.value.decode("utf-8", "replace").strip() if found is not None else ""


@dataclass(frozen=True)
class Kept:
    """An uploaded file waiting for its uploader's confirmation."""

    upload_id: str
    account_id: int
    kind: str
    cycle_id: str | None
    filename: str
    suffix: str

    @property
    def path(self) -> Path:
        return _folder() / f"{self.upload_id}{self.suffix}"


def _folder() -> Path:
    folder = settings().home.expanduser() / "uploads"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _forget_old() -> None:
    """Uploads never confirmed are removed after a day: applicants' data does not linger."""
    limit = time.time() - KEEP_FOR.total_seconds()
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            continue


def keep(data: bytes, filename: str, *, account_id: int, kind: str, cycle_id: str | None) -> Kept:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadUpload(
            f"{filename or '（未选择文件）'}：请上传 .xlsx 或 .csv 文件"
            "（旧版 .xls 请在表格软件中另存为 .xlsx）"
        )
    if not data:
        raise BadUpload("请选择要上传的文件（文件为空）")
    _forget_old()
    kept = Kept(secrets.token_urlsafe(16), account_id, kind, cycle_id, Path(filename).name, suffix)
    # Owner-only from the start (the office's people and their ID numbers), like every file of
    # personal data zhicheng writes.
    new_private_file(kept.path).write_bytes(data)
    note = new_private_file(_folder() / f"{kept.upload_id}.json")
    note.write_text(json.dumps(asdict(kept), ensure_ascii=False), encoding="utf-8")
    return kept


def kept(upload_id: str, account_id: int) -> Kept:
    """The upload of this account, or BadUpload (another's upload reads as a missing one)."""
    note = _folder() / f"{upload_id}.json" if _ID.match(upload_id) else None
    if note is None or not note.is_file():
        raise BadUpload("上传的文件已过期或不存在：请重新上传")
    found = Kept(**json.loads(note.read_text(encoding="utf-8")))
    if found.account_id != account_id or not found.path.is_file():
        raise BadUpload("上传的文件已过期或不存在：请重新上传")
    return found


def forget(upload: Kept) -> None:
    upload.path.unlink(missing_ok=True)
    (_folder() / f"{upload.upload_id}.json").unlink(missing_ok=True)
