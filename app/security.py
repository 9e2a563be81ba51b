"""CSRF protection (a session token in every form, plus an Origin check) and safe redirects."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

from app.errors import CsrfRejected

CSRF_SESSION_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


def _same_origin(request: Request) -> bool:
    """Origin (or, failing it, Referer) must name this very host when the browser sends one."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return True
    if source == "null":
        return False
    parts = urlsplit(source)
    host = request.headers.get("host", "")
    return parts.scheme in {"http", "https"} and parts.netloc.lower() == host.lower()


async def verify_csrf(request: Request) -> None:
    """Applied to every route: state-changing requests need a same-origin source and the token."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise CsrfRejected()
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    expected = request.session.get(CSRF_SESSION_KEY)
    if not sent or not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        raise CsrfRejected()


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\t\\"):
        return default
    return target
