"""Home page, language switch and per-instance branding stylesheet."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.deps import SessionDep, TenantDep
from app.errors import Invalid
from app.geozones.repository import list_geozones
from app.i18n import LANGUAGE_COOKIE, N_
from app.sections.catalog import SECTIONS
from app.security import safe_next
from app.templating import render

router = APIRouter()

ONE_YEAR = 365 * 24 * 3600


@router.get("/", name="home")
def show_home(request: Request, tenant: TenantDep, session: SessionDep) -> Response:
    zones = list_geozones(session)
    rural = sum(1 for zone in zones if zone.kind == "rural")
    return render(
        request,
        "home.html",
        {"sections": SECTIONS, "zone_count": len(zones), "rural_count": rural},
    )


@router.post("/language", name="switch_language")
def switch_language(
    request: Request,
    tenant: TenantDep,
    language: Annotated[str, Form(max_length=8)],
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "/",
) -> Response:
    if language not in tenant.languages:
        raise Invalid(N_("This language is not available here."))
    response = RedirectResponse(safe_next(next_path), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.https,
    )
    return response


@router.get("/branding.css", name="branding_css")
def branding_stylesheet(tenant: TenantDep) -> Response:
    # Colours are validated as #rrggbb when stored, so they are safe to write into CSS.
    css = f":root{{--primary:{tenant.primary_color};--accent:{tenant.accent_color}}}\n"
    return Response(css, media_type="text/css", headers={"Cache-Control": "public, max-age=300"})
