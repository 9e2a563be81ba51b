"""Proposal pages: the list, a proposal's page and its image.

Writing and editing one (form_routes.py), supporting it and the author's actions
(action_routes.py) and the settings page (admin_routes.py) register on the same router."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Query, Request
from starlette.responses import FileResponse, Response

from app.content.markdown import shorten
from app.db import utcnow
from app.deps import IdPath, PrincipalDep, SessionDep, SettingsDep, TenantDep
from app.errors import DomainError, NotFound
from app.geozones.repository import list_geozones
from app.i18n import N_

# The other modules register their routes on import. form_routes comes before the routes below,
# so that /proposals/new is matched before /proposals/{proposal_id}.
from app.proposals import (
    action_routes,  # noqa: F401 - registers support, unsupport, retire and news
    admin_routes,  # noqa: F401 - registers /admin/proposals
    form_routes,  # noqa: F401 - registers new, create, edit and update
    images,
    repository,
)
from app.proposals.pages import int_or_none, load_proposal, show_context
from app.proposals.permissions import aware
from app.proposals.repository import LIST_STATES, MAX_PAGE, SORTS, ListQuery
from app.proposals.router import router as router
from app.templating import render


class ImageGone(DomainError):
    """The proposal has an image on record whose file is no longer on disk."""

    status_code = 410
    message = N_("This image is no longer available.")


def list_url(query: ListQuery, **changes: object) -> str:
    """The list's address with these parameters changed (defaults left out)."""
    values = {
        "state": query.state,
        "sort": query.sort,
        "tag": query.tag_id or "",
        "zone": query.geozone_id or "",
        "q": query.text,
        "page": query.page,
        **changes,
    }
    defaults = {"state": "open", "sort": "active", "tag": "", "zone": "", "q": "", "page": 1}
    kept = {key: value for key, value in values.items() if value != defaults[key]}
    return "/proposals" + ("?" + urlencode(kept) if kept else "")


@router.get("/proposals", name="list_proposals")
def list_proposals(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    state: str = "open",
    sort: str = "active",
    tag: str = "",
    zone: str = "",
    q: str = "",
    page: str = "1",
) -> Response:
    query = ListQuery(
        state=state if state in LIST_STATES else "open",
        sort=sort if sort in SORTS else "active",
        tag_id=int_or_none(tag),
        geozone_id=int_or_none(zone),
        text=" ".join(q.split())[:200],
        page=min(max(int_or_none(page) or 1, 1), MAX_PAGE),
    )
    proposals, more = repository.list_page(session, query)
    zones = list_geozones(session)
    authors = repository.names_of_users(
        session, {p.author_id for p in proposals if p.author_id is not None}
    )
    context = {
        "proposals": proposals,
        # The summary is plain text (shown escaped on the proposal page): no Markdown to strip.
        "excerpts": {p.id: shorten(p.summary, 200) for p in proposals},
        "authors": authors,
        "zones": zones,
        "zone_names": {zone.id: zone.name for zone in zones},
        "tags": repository.all_tags(session),
        "query": query,
        "has_next": more and query.page < MAX_PAGE,
        "list_url": list_url,
        "now": utcnow(),
        "aware": aware,
    }
    return render(request, "proposals/list.html", context)


@router.get("/proposals/{proposal_id}", name="show_proposal")
def show_proposal(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    proposal_id: IdPath,
    comments_sort: Annotated[str, Query(max_length=20)] = "",
    comments_page: Annotated[str, Query(max_length=10)] = "1",
) -> Response:
    proposal = load_proposal(session, principal, proposal_id)
    page = int_or_none(comments_page) or 1
    context = show_context(request, session, principal, proposal, comments_sort, page)
    return render(request, "proposals/show.html", context)


@router.get("/proposals/{proposal_id}/image", name="proposal_image")
def proposal_image(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    settings: SettingsDep,
    principal: PrincipalDep,
    proposal_id: IdPath,
) -> Response:
    proposal = load_proposal(session, principal, proposal_id)
    if not proposal.image_name:
        raise NotFound()
    path = images.image_path(settings.var_dir, proposal.image_name)
    if not path.is_file():
        raise ImageGone()
    return FileResponse(
        path,
        media_type=images.MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
