from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import TenantDep
from app.sections.catalog import SECTIONS, Section
from app.templating import render

router = APIRouter()


def _placeholder(section: Section) -> None:
    def show_unavailable_section(request: Request, tenant: TenantDep) -> Response:
        return render(request, "sections/unavailable.html", {"section": section})

    router.add_api_route(
        section.path,
        show_unavailable_section,
        methods=["GET"],
        name=f"{section.key}_unavailable",
    )


for _section in SECTIONS:
    if not _section.available:
        _placeholder(_section)
