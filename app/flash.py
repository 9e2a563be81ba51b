"""One-time messages shown on the next page (after a redirect), translated when shown."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from app.i18n import translate

FLASH_KEY = "flash"


def flash(request: Request, message: str, kind: str = "info", **values: Any) -> None:
    queue = list(request.session.get(FLASH_KEY, []))
    queue.append({"message": message, "kind": kind, "values": values})
    request.session[FLASH_KEY] = queue[-5:]


def pop_flashes(request: Request) -> list[dict[str, str]]:
    queue = request.session.pop(FLASH_KEY, None) or []
    language = str(getattr(request.state, "language", "es"))
    return [
        {
            "kind": str(item.get("kind", "info")),
            "text": translate(language, str(item.get("message", "")), item.get("values")),
        }
        for item in queue
    ]
