"""Where each recipient's messages go: apprise URLs from configuration, never from code.

The settings' channels file (``channels.yaml`` in the home, or ZHICHENG_CHANNELS)::

    kinds:                      # by recipient kind: applicant, unit, department, city, province, committee
      applicant: ["zhsms://account:secret@sms.example.gov.cn/api/send?to={phone}&sign=人社"]
    codes:                      # by organisation code (wins over the kind)
      "620200": ["mailtos://user:pass@mail.example.gov.cn?to=zgb@example.gov.cn"]

``{phone}`` and ``{code}`` are filled in per recipient, quoted for a URL; a phone number is
filled in only when it is a mainland mobile number (as its 11 digits), so nothing stored in
a person's record can add a parameter to the channel's URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import yaml

from models.settings import settings
from rules.mobile import InvalidMobile, check_mobile


class ChannelConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Channels:
    kinds: dict[str, list[str]] = field(default_factory=dict)
    codes: dict[str, list[str]] = field(default_factory=dict)
    everything: tuple[str, ...] = ()

    def urls_for(
        self, kind: str, code: str, phone: str | None = None, imported: str | None = None
    ) -> list[str]:
        """``imported`` is the organisation's own address from the organisations import: the
        office that loaded it knows it better than the file's defaults."""
        if self.everything:
            return list(self.everything)
        if imported:
            return [imported]
        urls = self.codes.get(code) or self.kinds.get(kind) or []
        mobile = _mobile(phone)
        out = []
        for url in urls:
            if "{phone}" in url and mobile is None:
                continue  # without a valid mobile number an applicant cannot be reached by SMS
            out.append(
                url.replace("{phone}", quote(mobile or "", safe="")).replace(
                    "{code}", quote(code, safe="")
                )
            )
        return out


def _mobile(phone: str | None) -> str | None:
    """The number's 11 digits, or None when it is missing or not a mainland mobile number."""
    try:
        return check_mobile(phone) if phone else None
    except InvalidMobile:
        return None


def load_channels(path: Path | None = None, everything: str | None = None) -> Channels:
    """``everything`` sends every message to one URL (``zhicheng simulate --notify URL``)."""
    if everything:
        return Channels(everything=(everything,))
    path = path or settings().channels_file
    if not path.exists():
        return Channels()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ChannelConfigError(f"{path}: YAML 格式错误：{exc}") from None
    if not isinstance(raw, dict):
        raise ChannelConfigError(f"{path}: 顶层应为 kinds / codes 映射")
    for section in ("kinds", "codes"):
        value = raw.get(section, {})
        if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
            raise ChannelConfigError(f"{path}: {section} 应为“名称: [URL, …]”的映射")
    return Channels(
        kinds=raw.get("kinds", {}), codes={str(k): v for k, v in raw.get("codes", {}).items()}
    )
