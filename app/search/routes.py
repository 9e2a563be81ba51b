"""The search page: debates and proposals together, through each database's full-text index."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.deps import SessionDep, TenantDep
from app.search import repository
from app.search.service import MAX_QUERY_LENGTH
from app.templating import render

router = APIRouter()

# Abuse cap only: longer text is cut to MAX_QUERY_LENGTH and the page says so.
Param = Annotated[str, Query(max_length=4000)]


def _page_number(value: str) -> int:
    text = value.strip()
    number = int(text) if text.isascii() and text.isdigit() and len(text) < 6 else 1
    return min(max(number, 1), repository.MAX_PAGE)


@router.get("/search", name="search")
def search_page(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    q: Param = "",
    type: Param = "all",
    page: Param = "1",
) -> Response:
    text = " ".join(q.split())
    shortened = len(text) > MAX_QUERY_LENGTH
    text = text[:MAX_QUERY_LENGTH]
    kind = type if type in repository.KINDS else "all"
    number = _page_number(page)
    results = repository.search(session, text, kind, number)
    context = {
        "q": text,
        "kind": kind,
        "page": number,
        "hits": results.hits,
        "has_next": results.has_next,
        "shortened": shortened,
        "max_length": MAX_QUERY_LENGTH,
    }
    return render(request, "search/results.html", context)
