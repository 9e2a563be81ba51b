"""The one router of the booths: administration (booth_admin_routes), the officer's pages
(booth_routes, booth_paper_routes) and the tablet (kiosk_routes) register on it; app.main
includes it through ``booth_routes.router``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from app.polls.booths import lima_time
from app.templating import render

router = APIRouter()


async def form_fields(request: Request) -> dict[str, list[str]]:
    """Every field of a posted form, for forms whose field names depend on the poll (ballots,
    paper totals). The body was already read by the CSRF check, so this only reuses it."""
    form = await request.form()
    return {key: [v for v in form.getlist(key) if isinstance(v, str)] for key in form}


FormFields = Annotated[dict[str, list[str]], Depends(form_fields)]


def render_booth(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """A page of templates/polls/, with Lima times for the booth's dates."""
    return render(request, name, {**context, "lima_time": lima_time}, status_code=status)
