"""The one Jinja environment: autoescaping, translations per request, shared globals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.templating import Jinja2Templates, _TemplateResponse

import app.authz.registry  # noqa: F401 - registers every permission rule
from app.authz.core import can
from app.flash import pop_flashes
from app.i18n import LANGUAGES, gettext, ngettext, translate
from app.sections.catalog import SECTIONS
from app.security import csrf_token
from app.static_files import static_url

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def _language(context: Context) -> str:
    request: Request = context["request"]
    return str(getattr(request.state, "language", "es"))


@pass_context
def _gettext(context: Context, message: str) -> str:
    return gettext(_language(context), message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return ngettext(_language(context), singular, plural, n)


@pass_context
def _message(context: Context, item: str | tuple[str, dict[str, Any]]) -> str:
    """Translate a message held in a variable (a msgid, or a msgid with its values). Unlike
    ``_()``, the result is plain text, so the autoescaping still applies to it."""
    msgid, values = item if isinstance(item, tuple) else (item, {})
    return translate(_language(context), msgid, values)


@pass_context
def _csrf_token(context: Context) -> str:
    return csrf_token(context["request"])


def _current_path(request: Request) -> str:
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
templates.env.globals.update(
    LANGUAGES=LANGUAGES,
    nav_sections=SECTIONS,
    csrf_token=_csrf_token,
    static_url=static_url,
    current_path=_current_path,
    pop_flashes=pop_flashes,
    message=_message,
    can=can,
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    background: BackgroundTask | None = None,
) -> _TemplateResponse:
    """Render a page with the request's tenant and language already in the context."""
    state = request.state
    full: dict[str, Any] = {
        "tenant": getattr(state, "tenant", None),
        "principal": getattr(state, "principal", None),
        "acting_for": getattr(state, "acting_for", None),
        "unread_notifications": getattr(state, "unread_notifications", 0),
        "language": getattr(state, "language", "es"),
        **(context or {}),
    }
    return templates.TemplateResponse(
        request, name, full, status_code=status_code, background=background
    )
