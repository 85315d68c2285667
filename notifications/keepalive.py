"""Kept HTTP connections for apprise's plugins while a deliverer sends.

apprise's HTTP plugins post with the module-level ``requests.post(…)`` / ``requests.request(…)``:
a new ``requests.Session``, a new TCP connection (and a socket left in TIME_WAIT) for every
message. That costs more CPU than the rest of a post, and at thousands of posts a second to
one host it would use up the local ports. Inside ``kept_connections()`` the calling thread's
module-level ``requests`` calls go through one session of its own, so posts to the same host
reuse one connection; other threads, and this thread outside the block, are untouched (the
module functions are replaced once by wrappers that look for the thread's session).

The kept session behaves as the module functions do, except that it takes no cookies (nothing
one answer sets reaches the next message) and reads the proxy and CA-bundle environment once
per origin instead of once per post. A connection the server has closed while idle is noticed
before it is used again; one closed while a post is on the way makes that post fail, and the
outbox retries it as any failed send."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.api

_LOCAL = threading.local()
_INSTALL = threading.Lock()
_installed = False


class _KeptSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self._environment: dict[tuple[Any, ...], dict[str, Any]] = {}

    def merge_environment_settings(
        self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        """The same answer as requests gives (it depends on the URL's scheme and host only),
        computed once per origin: requests reads the whole environment twice per post."""
        if proxies:  # a caller's own proxies: as requests does it
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc, stream, verify, cert)
        try:
            found = self._environment.get(key)
        except TypeError:  # a certificate given as a list: not kept
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        if found is None:
            found = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = found
        return dict(found, proxies=dict(found["proxies"]))


def _session() -> requests.Session | None:
    return getattr(_LOCAL, "session", None)


def _request(method: str, url: str, **kwargs: Any) -> requests.Response:
    session = _session()
    if session is None:
        return requests.api.request(method, url, **kwargs)
    return session.request(method=method, url=url, **kwargs)


def _get(url: str, params: Any = None, **kwargs: Any) -> requests.Response:
    return _request("get", url, params=params, **kwargs)


def _options(url: str, **kwargs: Any) -> requests.Response:
    return _request("options", url, **kwargs)


def _head(url: str, **kwargs: Any) -> requests.Response:
    kwargs.setdefault("allow_redirects", False)
    return _request("head", url, **kwargs)


def _post(url: str, data: Any = None, json: Any = None, **kwargs: Any) -> requests.Response:
    return _request("post", url, data=data, json=json, **kwargs)


def _put(url: str, data: Any = None, **kwargs: Any) -> requests.Response:
    return _request("put", url, data=data, **kwargs)


def _patch(url: str, data: Any = None, **kwargs: Any) -> requests.Response:
    return _request("patch", url, data=data, **kwargs)


def _delete(url: str, **kwargs: Any) -> requests.Response:
    return _request("delete", url, **kwargs)


_ROUTED = {
    "request": _request,
    "get": _get,
    "options": _options,
    "head": _head,
    "post": _post,
    "put": _put,
    "patch": _patch,
    "delete": _delete,
}


def _install() -> None:
    """Replaces ``requests.post`` and the others by the wrappers (once per process): without
    a kept session in the thread they call requests' own functions, unchanged."""
    global _installed
    with _INSTALL:
        if _installed:
            return
        for name, routed in _ROUTED.items():
            setattr(requests, name, routed)
        _installed = True


@contextmanager
def kept_connections() -> Iterator[None]:
    """Within the block, this thread's posts through ``requests``' module functions share one
    session and its connections; closed at the end."""
    _install()
    outer = _session()
    if outer is not None:  # nested: the outer block's session serves
        yield
        return
    session = _KeptSession()
    _LOCAL.session = session
    try:
        yield
    finally:
        _LOCAL.session = None
        session.close()
