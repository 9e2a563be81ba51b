"""Rendering the comments include on its own, as a target's page would (until those pages
exist, this is how the section is checked: the real service and the real template)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request

from app.authz.principal import Principal
from app.comments.service import comment_section
from app.db import scoped_to
from app.templating import templates
from app.tenants.models import Tenant


def page_request(path: str = "/debates/1") -> Request:
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": path,
            "query_string": b"",
            "headers": [(b"host", b"alfa.test")],
            "session": {},
            "state": {},
        }
    )
    request.state.language = "en"
    return request


def render_section(
    db: Session,
    tenant: Tenant,
    target: Any,
    principal: Principal | None = None,
    *,
    target_type: str = "debate",
    sort: str = "most_voted",
    page: int = 1,
) -> str:
    with scoped_to(db, tenant.id):
        section = comment_section(db, target_type, target.id, principal, sort, page)
        context = {"comments": section, "principal": principal, "acting_for": None}
        return templates.get_template("comments/_section.html").render(
            request=page_request(), **context
        )
