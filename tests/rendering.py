"""What a page was rendered from: Starlette's test client reports template and context."""

from __future__ import annotations

from typing import Any

from httpx2 import Response


def _debug(response: Response) -> dict[str, Any]:
    info: dict[str, Any] | None = response.extensions.get("http.response.debug")
    assert info is not None, "response was not rendered from a template"
    return info


def template_name(response: Response) -> str:
    return str(_debug(response)["template"].name)


def context_of(response: Response) -> dict[str, Any]:
    context: dict[str, Any] = _debug(response)["context"]
    return context
