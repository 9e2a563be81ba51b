"""The read-only JSON API under /api/v1/: public data of the instance named by the host.

Anyone may read it from any origin (CORS ``*``): it is what the public pages show, without
cookies. Hidden content never appears; lists go by id with a keyset cursor (``after``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse, Response

from app.api import repository, schemas
from app.content.targets import TARGETS
from app.db import MAX_ID
from app.deps import IdPath, SessionDep, TenantDep
from app.error_pages import render_error
from app.errors import DomainError, Invalid
from app.i18n import N_, translate
from app.templating import render

PREFIX = "/api/v1"
CORS = {"Access-Control-Allow-Origin": "*"}
DESCRIPTION = (
    "Read-only public data of this Minka instance: debates, proposals (with supports and the "
    "official answer) and comments. Content hidden by moderators never appears. Lists are "
    "ordered by id: follow `next` (or pass `after`, the last id you have) to page through. "
    "Texts come exactly as people wrote them: bodies are Markdown; sanitize every text "
    "before showing it as HTML."
)


class ApiJSONResponse(JSONResponse):
    """JSON with <, > and & written as \\u escapes: the same data, but a browser that ever
    sniffs a response as HTML finds no markup in it (defence in depth, as Rails and Go do)."""

    def render(self, content: Any) -> bytes:
        text = super().render(content).decode()
        for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(char, escape)
        return text.encode()


class ApiRoute(APIRoute):
    """Errors in JSON that any origin may read; bad parameters say which one and why."""

    def get_route_handler(self) -> Callable[[Any], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handle_api(request: Any) -> Response:
            try:
                return await handle(request)
            except RequestValidationError as error:
                return _invalid(request, error)
            except DomainError as error:
                response = render_error(request, error.status_code, error.message, error.values)
                response.headers.update(CORS)
                return response

        return handle_api


def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
    details = [
        {"parameter": str(problem["loc"][-1]), "message": str(problem["msg"])}
        for problem in error.errors()
    ]
    language = str(getattr(request.state, "language", "es"))
    text = translate(language, N_("Some of the information sent is not valid."))
    names = ", ".join(detail["parameter"] for detail in details)
    body = {"error": f"{text} ({names})", "details": details}
    return ApiJSONResponse(body, status_code=422, headers=CORS)


def allow_any_origin(response: Response) -> None:
    response.headers.update(CORS)


router = APIRouter(
    route_class=ApiRoute,
    default_response_class=ApiJSONResponse,
    dependencies=[Depends(allow_any_origin)],
)

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page, 1 to 100.")]
After = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Return items with an id above this one.")
]


def _next(request: Request, items: list[Any], limit: int) -> str | None:
    if len(items) <= limit:
        return None
    return str(request.url.include_query_params(after=items[limit - 1].id, limit=limit))


@router.get(
    f"{PREFIX}/debates",
    name="api_debates",
    response_model=schemas.DebatePage,
    summary="Debates",
)
def list_debates(
    request: Request, tenant: TenantDep, session: SessionDep, limit: Limit = 25, after: After = 0
) -> schemas.DebatePage:
    items = repository.debates(session, after, limit)
    return schemas.DebatePage(items=items[:limit], next=_next(request, items, limit))


@router.get(
    f"{PREFIX}/debates/{{debate_id}}",
    name="api_debate",
    response_model=schemas.Debate,
    summary="One debate",
    responses={404: {"description": "No such debate here, or hidden."}},
)
def show_debate(tenant: TenantDep, session: SessionDep, debate_id: IdPath) -> schemas.Debate:
    return repository.debate(session, debate_id)


@router.get(
    f"{PREFIX}/proposals",
    name="api_proposals",
    response_model=schemas.ProposalPage,
    summary="Proposals, with supports and the official answer",
)
def list_proposals(
    request: Request, tenant: TenantDep, session: SessionDep, limit: Limit = 25, after: After = 0
) -> schemas.ProposalPage:
    items = repository.proposals(session, after, limit)
    return schemas.ProposalPage(items=items[:limit], next=_next(request, items, limit))


@router.get(
    f"{PREFIX}/proposals/{{proposal_id}}",
    name="api_proposal",
    response_model=schemas.Proposal,
    summary="One proposal",
    responses={404: {"description": "No such proposal here, or hidden."}},
)
def show_proposal(tenant: TenantDep, session: SessionDep, proposal_id: IdPath) -> schemas.Proposal:
    return repository.proposal(session, proposal_id)


@router.get(
    f"{PREFIX}/comments",
    name="api_comments",
    response_model=schemas.CommentPage,
    summary="Comments on a debate or a proposal",
    responses={404: {"description": "No such target here, or hidden."}},
)
def list_comments(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    target_type: Annotated[str, Query(max_length=20, description="debate or proposal")],
    target_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    limit: Limit = 25,
    after: After = 0,
) -> schemas.CommentPage:
    if target_type not in TARGETS:
        raise Invalid(N_("Unknown target type."))
    items = repository.comments(session, target_type, target_id, after, limit)
    return schemas.CommentPage(items=items[:limit], next=_next(request, items, limit))


@router.get(
    f"{PREFIX}/comments/{{comment_id}}",
    name="api_comment",
    response_model=schemas.Comment,
    summary="One comment",
    responses={404: {"description": "No such comment here, hidden or deleted."}},
)
def show_comment(tenant: TenantDep, session: SessionDep, comment_id: IdPath) -> schemas.Comment:
    return repository.comment(session, comment_id)


@cache
def openapi_document() -> dict[str, Any]:
    """The document of this router only (the site's pages are not an API)."""
    return get_openapi(
        title="Minka API",
        version="1",
        description=DESCRIPTION,
        routes=[route for route in router.routes if getattr(route, "include_in_schema", False)],
    )


@router.get(f"{PREFIX}/openapi.json", name="api_openapi", include_in_schema=False)
def openapi_json(tenant: TenantDep) -> ApiJSONResponse:
    return ApiJSONResponse(openapi_document(), headers=CORS)


@router.get(PREFIX, name="api_index", include_in_schema=False)
def api_index(request: Request, tenant: TenantDep) -> Response:
    paths = sorted(openapi_document()["paths"])
    return render(request, "api/index.html", {"prefix": PREFIX, "paths": paths})
