"""A few seconds of memory for the pages people read most.

Every anonymous visitor of an instance sees the same proposal list, debate list or proposal
page, except for the CSRF token of the language form. So a rendered page is kept for
``MINKA_CACHE_SECONDS`` with that token replaced by a marker, and each visitor gets it back with
their own token (created if they have none, exactly as rendering would have).

A few pages (``SHARED_WHEN_SIGNED_IN``) show a signed-in person exactly what they show an
anonymous visitor, except for the account part of the header (name, unread notifications,
links their roles open, the sign-out form). Those are served to signed-in people from the same
kept page, with the account part rendered for them alone from ``_account.html`` (the template
base.html includes) and their own CSRF token. tests/test_signed_in_cache.py compares such pages
with a fresh render for every role, so a page that starts to depend on the person fails there.

Never cached: other methods, people acting for someone at the desk, visitors with a pending
message, anyone within a few seconds of their own write (``state["fresh"]``, see
app/middleware.py), and any response that is not a plain 200 without cookies. Counts on a
cached page may be that many seconds old; nothing else is affected.
"""

from __future__ import annotations

import re
import secrets
import struct
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.authz.principal import Principal
from app.flash import FLASH_KEY
from app.security import CSRF_SESSION_KEY
from app.templating import templates

CACHEABLE_PATHS = re.compile(r"/|/proposals|/debates|/proposals/answers|/(proposals|debates)/\d+")
SHARED_WHEN_SIGNED_IN = re.compile(r"/|/proposals|/proposals/answers")
MARKER = b"\x00minka-csrf\x00"
ACCOUNT_OPEN = b'<div class="account">'
ACCOUNT_CLOSE = b"</div>"
ACCOUNT_TEMPLATE = "_account.html"
MAX_ENTRIES = 512
MAX_ACCOUNT_PARTS = 4096

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # no name, no time, unknown OS
LAST_BLOCK = b"\x03\x00"  # an empty final block, ending the deflate stream
MINIMUM_GZIP_SIZE = 500  # as the compression middleware

Key = tuple[int, str, str, bytes]
# Everything _account.html reads: the principal (all its fields), the unread count, the
# language and the path (for aria-current); the tenant only so instances never share entries.
AccountKey = tuple[int, str, str, Principal, int]
AccountPart = tuple[bytes, "Pieces"]


@dataclass(frozen=True)
class Piece:
    """A stretch of a page that is the same for every reader of it, deflated once and ending
    on a full flush, so that pieces and tokens can be put together in any order."""

    raw: bytes
    deflated: bytes

    @classmethod
    def of(cls, raw: bytes) -> Piece:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(raw, compressor.compress(raw) + compressor.flush(zlib.Z_FULL_FLUSH))


# A page as pieces of shared text and, where None stands, the reader's CSRF token.
Pieces = tuple[Piece | None, ...]


def pieces_of(body: bytes) -> Pieces:
    parts = body.split(MARKER)
    pieces: list[Piece | None] = [Piece.of(parts[0])]
    for part in parts[1:]:
        pieces += [None, Piece.of(part)]
    return tuple(pieces)


def gzip_of(pieces: Pieces, token: bytes) -> bytes:
    """One gzip member: the pieces as deflated once, each token as a stored block."""
    token_block = b"\x00" + struct.pack("<HH", len(token), len(token) ^ 0xFFFF) + token
    blocks, crc, size = [GZIP_HEADER], 0, 0
    for piece in pieces:
        raw = token if piece is None else piece.raw
        blocks.append(token_block if piece is None else piece.deflated)
        crc, size = zlib.crc32(raw, crc), size + len(raw)
    blocks += [LAST_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
    return b"".join(blocks)


@dataclass(frozen=True)
class CachedPage:
    expires: float
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # The body before and after the account part, when that part occurs exactly once.
    around_account: tuple[bytes, bytes] | None
    pieces: Pieces
    around_account_pieces: tuple[Pieces, Pieces] | None


def render_account_part(scope: Scope, principal: Principal | None, unread: int) -> bytes:
    """The account part of the header, as base.html renders it, with the CSRF marker."""
    context: dict[str, Any] = {
        "request": Request(scope),
        "principal": principal,
        "unread_notifications": unread,
        "csrf_token": lambda: MARKER.decode(),
    }
    return templates.get_template(ACCOUNT_TEMPLATE).render(context).encode()


class PageCache:
    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.pages: OrderedDict[Key, CachedPage] = OrderedDict()
        self.account_parts: OrderedDict[AccountKey, AccountPart] = OrderedDict()

    def _key(self, scope: Scope) -> Key | None:
        if scope["type"] != "http" or scope["method"] != "GET" or self.seconds <= 0:
            return None
        state = scope.get("state", {})
        tenant = state.get("tenant")
        if tenant is None or state.get("fresh") or state.get("acting_for") is not None:
            return None
        if FLASH_KEY in scope.get("session", {}):
            return None
        if not CACHEABLE_PATHS.fullmatch(scope["path"]):
            return None
        if state.get("principal") is not None and not SHARED_WHEN_SIGNED_IN.fullmatch(
            scope["path"]
        ):
            return None
        return (tenant.id, str(state.get("language")), scope["path"], scope["query_string"])

    def _kept(self, key: Key) -> CachedPage | None:
        page = self.pages.get(key)
        return page if page is not None and page.expires > time.monotonic() else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        principal: Principal | None = scope["state"].get("principal")
        page = self._kept(key)
        if principal is None:
            if page is None:
                await self._render_and_keep(scope, receive, send, key)
            else:
                await self._replay(scope, page, page.body, page.pieces, send)
            return
        if page is None:
            page = await self._render_anonymously(scope, key)
        if page is None or page.around_account is None or page.around_account_pieces is None:
            await self.app(scope, receive, send)
            return
        account, account_pieces = self._account_part(scope, key, principal)
        (before, after), (pieces_before, pieces_after) = (
            page.around_account,
            page.around_account_pieces,
        )
        body = before + account + after
        await self._replay(scope, page, body, pieces_before + account_pieces + pieces_after, send)

    def _account_part(self, scope: Scope, key: Key, principal: Principal) -> AccountPart:
        unread = int(scope["state"].get("unread_notifications", 0))
        tenant_id, language, path, _query = key
        account_key = (tenant_id, language, path, principal, unread)
        part = self.account_parts.get(account_key)
        if part is None:
            raw = render_account_part(scope, principal, unread)
            part = self.account_parts[account_key] = (raw, pieces_of(raw))
            while len(self.account_parts) > MAX_ACCOUNT_PARTS:
                self.account_parts.popitem(last=False)
        return part

    async def _replay(
        self, scope: Scope, page: CachedPage, body: bytes, pieces: Pieces, send: Send
    ) -> None:
        session = Request(scope).session  # read, as rendering would: the answer varies by Cookie
        token = session.get(CSRF_SESSION_KEY)
        if MARKER in body and not isinstance(token, str):
            # As csrf_token() would: the session middleware outside sends the cookie.
            token = session[CSRF_SESSION_KEY] = secrets.token_urlsafe(32)
        token_bytes = token.encode() if isinstance(token, str) else b""
        headers = list(page.headers)
        if len(body) >= MINIMUM_GZIP_SIZE and _accepts_gzip(scope):
            body = gzip_of(pieces, token_bytes)
            headers += [(b"content-encoding", b"gzip"), (b"vary", b"Accept-Encoding")]
        else:
            body = body.replace(MARKER, token_bytes)
        headers.append((b"content-length", str(len(body)).encode()))
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

    async def _render_anonymously(self, scope: Scope, key: Key) -> CachedPage | None:
        """Render the page as an anonymous visitor with an empty session would get it, for a
        signed-in person's request, and keep it. Nothing of the person goes into it."""
        state = {**scope["state"], "principal": None, "acting_for": None}
        anonymous = {**scope, "state": {**state, "unread_notifications": 0}, "session": {}}
        sent: list[Message] = []

        async def no_body() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def collect(message: Message) -> None:
            sent.append(message)

        await self._render_and_keep(anonymous, no_body, collect, key)
        return self._kept(key)

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
        account = ACCOUNT_OPEN + render_account_part(scope, None, 0) + ACCOUNT_CLOSE
        parts = body.split(account)
        around = (parts[0] + ACCOUNT_OPEN, ACCOUNT_CLOSE + parts[1]) if len(parts) == 2 else None
        page = CachedPage(
            time.monotonic() + self.seconds,
            headers,
            body,
            around,
            pieces_of(body),
            (pieces_of(around[0]), pieces_of(around[1])) if around else None,
        )
        self.pages[key] = page
        self.pages.move_to_end(key)
        while len(self.pages) > MAX_ENTRIES:
            self.pages.popitem(last=False)


def _accepts_gzip(scope: Scope) -> bool:
    """As the compression middleware decides (a substring of Accept-Encoding)."""
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False
