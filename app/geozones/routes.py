from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from app.deps import IdPath, SessionDep, TenantDep
from app.errors import NotFound
from app.geozones import repository
from app.templating import render

router = APIRouter(prefix="/geozones")


@router.get("", name="list_geozones")
def list_geozones(request: Request, tenant: TenantDep, session: SessionDep) -> Response:
    zones = repository.list_geozones(session)
    return render(request, "geozones/list.html", {"zones": zones})


@router.get("/{geozone_id}", name="show_geozone")
def show_geozone(
    request: Request, geozone_id: IdPath, tenant: TenantDep, session: SessionDep
) -> Response:
    zone = repository.get_geozone(session, geozone_id)
    if zone is None:
        raise NotFound()
    return render(request, "geozones/detail.html", {"zone": zone})
