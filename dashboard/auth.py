"""Who is asking: a session token from the browser's cookie or an API client's bearer header,
turned into a ``Viewer``. The clock is the app's, so tests and drills can fix it."""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi import Request, Response

from dashboard.scope import Viewer, viewer_of
from models.accounts import account_for_token, sign_out
from models.db import read_scope, session_scope

COOKIE = "zhicheng_session"


class NotSignedIn(Exception):
    """No session, or an expired one: sign in again."""


def now_of(request: Request) -> dt.datetime:
    return request.app.state.clock()  # type: ignore[no-any-return]


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE)


def signed_in_viewer(request: Request) -> Viewer | None:
    """Who is signed in, if anyone (public pages show the header to them)."""
    token = token_of(request)
    if not token:
        return None
    with read_scope() as session:
        account = account_for_token(session, token, now_of(request))
        return viewer_of(session, account) if account is not None else None


def current_viewer(request: Request) -> Viewer:
    viewer = signed_in_viewer(request)
    if viewer is None:
        raise NotSignedIn()
    return viewer


def csrf_token(request: Request) -> str:
    """A form token tied to the session: a page from another site cannot know it."""
    token = token_of(request) or ""
    return hashlib.sha256(f"zhicheng-form:{token}".encode()).hexdigest()[:32]


def end_session(request: Request, response: Response) -> Response:
    """Signs out whatever session the request carries and clears the browser's cookie."""
    token = token_of(request)
    if token:
        with session_scope() as session:
            sign_out(session, token)
    response.delete_cookie(COOKIE)
    return response
