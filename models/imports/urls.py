"""A notification address as written in a file: a URL apprise can deliver to."""

from __future__ import annotations

import apprise


def url_problem(url: str) -> str | None:
    """Why ``url`` is not a usable apprise address, or None."""
    if "://" not in url:
        return "通知地址应为 apprise 格式的地址，如 mailtos://… 或 wecombot://…"
    if apprise.Apprise.instantiate(url) is None:
        return f"通知地址无法识别：不支持的协议 “{url.split('://', 1)[0]}” 或地址格式错误"
    return None
