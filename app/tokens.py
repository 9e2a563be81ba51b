"""Random tokens that are stored only as digests, so a database copy cannot replay them."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_token() -> tuple[str, str]:
    """A URL-safe token for the user and the SHA-256 digest to store."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def keyed_digest(key: bytes, *parts: str) -> str:
    """HMAC-SHA256 of the parts under a key, for values that must be found but not read."""
    message = "\x1f".join(parts).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
