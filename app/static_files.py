"""Static files: URLs carry a content hash, so a versioned URL may be cached for a year."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static/"
LONG_CACHE = "public, max-age=31536000, immutable"


@lru_cache(maxsize=128)
def static_url(path: str) -> str:
    """URL of a static file with a hash of its content; unknown files keep a plain URL."""
    relative = path.removeprefix(STATIC_PREFIX)
    file = (STATIC_DIR / relative).resolve()
    if not file.is_file() or not file.is_relative_to(STATIC_DIR):
        return STATIC_PREFIX + relative
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:10]
    return f"{STATIC_PREFIX}{relative}?v={digest}"


class VersionedStaticFiles(StaticFiles):
    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200 and b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = LONG_CACHE
        return response
