"""A few seconds of memory for the pages anonymous visitors read most.

Every anonymous visitor of an instance sees the same proposal list, debate list or proposal
page, except for the CSRF token of the language form. So a rendered page is kept for
``MINKA_CACHE_SECONDS`` with that token replaced by a marker, and each visitor gets it back with
their own token (created if they have none, exactly as rendering would have). Signed-in people,
visitors with a pending message, and any response that is not a plain 200 always get a fresh
render. Counts on a cached page may be that many seconds old; nothing else is affected.
"""

from __future__ import annotations

import re
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.flash import FLASH_KEY
from app.security import CSRF_SESSION_KEY

CACHEABLE_PATHS = re.compile(r"/|/proposals|/debates|/proposals/answers|/(proposals|debates)/\d+")
MARKER = b"\x00minka-csrf\x00"
MAX_ENTRIES = 512

Key = tuple[int, str, str, bytes]


@dataclass(frozen=True)
class CachedPage:
    expires: float
    headers: list[tuple[bytes, bytes]]
    body: bytes


class AnonymousPageCache:
    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.pages: OrderedDict[Key, CachedPage] = OrderedDict()

    def _key(self, scope: Scope) -> Key | None:
        if scope["type"] != "http" or scope["method"] != "GET" or self.seconds <= 0:
            return None
        state = scope.get("state", {})
        tenant = state.get("tenant")
        if tenant is None or state.get("principal") is not None:
            return None
        if FLASH_KEY in scope.get("session", {}):
            return None
        if not CACHEABLE_PATHS.fullmatch(scope["path"]):
            return None
        return (tenant.id, str(state.get("language")), scope["path"], scope["query_string"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        page = self.pages.get(key)
        if page is not None and page.expires > time.monotonic():
            await self._replay(scope, page, send)
            return
        await self._render_and_keep(scope, receive, send, key)

    async def _replay(self, scope: Scope, page: CachedPage, send: Send) -> None:
        body = page.body
        if MARKER in body:
            session = scope["session"]
            token = session.get(CSRF_SESSION_KEY)
            if not isinstance(token, str):
                # As csrf_token() would: the session middleware outside sends the cookie.
                token = session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
            body = body.replace(MARKER, token.encode())
        headers = [*page.headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _render_and_keep(self, scope: Scope, receive: Receive, send: Send, key: Key) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def keep(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                # A copy: the middleware outside adds its own headers (cookies) to the message.
                start = {**message, "headers": list(message.get("headers", []))}
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    self._store(scope, key, start, b"".join(chunks))
            await send(message)

        await self.app(scope, receive, keep)

    def _store(self, scope: Scope, key: Key, start: Message | None, body: bytes) -> None:
        if start is None or start["status"] != 200:
            return
        sent = start.get("headers", [])
        if any(name.lower() == b"set-cookie" for name, _value in sent):
            return  # a response that sets a cookie belongs to its visitor
        headers = [(name, value) for name, value in sent if name.lower() != b"content-length"]
        token = scope.get("session", {}).get(CSRF_SESSION_KEY)
        if isinstance(token, str) and token:
            body = body.replace(token.encode(), MARKER)
        self.pages[key] = CachedPage(time.monotonic() + self.seconds, headers, body)
        self.pages.move_to_end(key)
        while len(self.pages) > MAX_ENTRIES:
            self.pages.popitem(last=False)
