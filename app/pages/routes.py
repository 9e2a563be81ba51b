from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import SessionDep, TenantDep
from app.errors import NotFound
from app.pages import repository
from app.templating import render

router = APIRouter(prefix="/pages")


@router.get("/{slug}", name="show_page")
def show_page(request: Request, slug: str, tenant: TenantDep, session: SessionDep) -> Response:
    page = repository.get_page(session, slug)
    if page is None:
        raise NotFound()
    return render(request, "pages/detail.html", {"page": page})
