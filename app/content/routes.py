"""Administration of the topics (tags) people choose for debates and proposals."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Form, Request
from pydantic import BaseModel, field_validator
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from app.audit.service import record
from app.authz.core import authorize
from app.content import service
from app.content.models import Tag
from app.content.text import clean_line
from app.debates.models import debate_tags
from app.deps import ClientAddress, IdPath, SessionDep, TenantDep, UserDep
from app.errors import Conflict
from app.flash import flash
from app.forms import FieldError, FormInvalid, error_of, parse_form
from app.i18n import N_
from app.proposals.models import proposal_tags
from app.templating import render

router = APIRouter(prefix="/admin/tags")
Field = Annotated[str, Form(max_length=2000)]


class TagForm(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        name = clean_line(value)
        if not 1 <= len(name) <= service.TAG_NAME_MAX:
            raise ValueError(N_("Write a name of 1 to 60 characters."))
        return name


def _uses(session: SessionDep) -> dict[int, int]:
    """How many debates and proposals carry each topic (one grouped query per kind)."""
    uses: dict[int, int] = {}
    for link in (debate_tags, proposal_tags):
        rows = session.execute(
            select(link.c.tag_id, func.count())
            .join(Tag, Tag.id == link.c.tag_id)
            .group_by(link.c.tag_id)
        )
        for tag_id, count in rows:
            uses[tag_id] = uses.get(tag_id, 0) + count
    return uses


def _tags_page(
    request: Request,
    session: SessionDep,
    form: dict[str, object],
    errors: Mapping[str, FieldError],
    status: int = 200,
) -> Response:
    context = {
        "tags": service.list_tags(session),
        "uses": _uses(session),
        "form": form,
        "errors": errors,
    }
    return render(request, "content/tags.html", context, status_code=status)


@router.get("", name="admin_tags")
def show_tags(request: Request, tenant: TenantDep, session: SessionDep, me: UserDep) -> Response:
    authorize(me, "admin.tags.manage")
    return _tags_page(request, session, {}, {})


@router.post("", name="admin_create_tag")
def create_tag(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
    name: Field = "",
) -> Response:
    authorize(me, "admin.tags.manage")
    submitted: dict[str, object] = {"name": name}
    try:
        form = parse_form(TagForm, submitted)
        tag = service.create_tag(session, form.name)
    except FormInvalid as invalid:
        return _tags_page(request, session, submitted, invalid.errors, 422)
    except Conflict as taken:
        return _tags_page(request, session, submitted, {"name": error_of(taken)}, 409)
    record(
        session,
        "tags.created",
        actor=me,
        object_type="tag",
        object_id=tag.id,
        client_address=address,
        details={"name": tag.name},
    )
    flash(request, N_("The topic %(name)s was added."), "success", name=tag.name)
    return RedirectResponse("/admin/tags", status_code=303)


@router.post("/{tag_id}/delete", name="admin_delete_tag")
def delete_tag(
    request: Request,
    tag_id: IdPath,
    tenant: TenantDep,
    session: SessionDep,
    me: UserDep,
    address: ClientAddress,
) -> Response:
    authorize(me, "admin.tags.manage")
    tag = service.get_tag(session, tag_id)
    name = tag.name
    service.delete_tag(session, tag)
    record(
        session,
        "tags.deleted",
        actor=me,
        object_type="tag",
        object_id=tag_id,
        client_address=address,
        details={"name": name},
    )
    flash(request, N_("The topic %(name)s was removed."), "success", name=name)
    return RedirectResponse("/admin/tags", status_code=303)
