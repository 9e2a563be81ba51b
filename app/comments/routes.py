"""Comment routes: thin; the rules are in ``permissions`` and the work in ``service``.

Every POST redirects (303) to the comment's anchor on its target's page. A comment that does
not pass validation comes back on a small page of its own with the text and the reason (422).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from app.authz.core import authorize
from app.comments import service
from app.comments.schemas import BODY_MAX, CommentForm
from app.content.limits import TEXT_FIELD_CHARS, TEXT_FORM_BYTES, TEXT_FORM_LIMITS
from app.content.targets import load_target, target_path
from app.deps import ActorDep, IdForm, IdPath, PrincipalDep, SessionDep, TenantDep
from app.errors import NotFound
from app.flash import flash
from app.forms import FieldError, FormInvalid, parse_form
from app.i18n import N_
from app.security import safe_next
from app.templating import render

router = APIRouter(prefix="/comments")
# Only an abuse cap: the real limit is checked by the form, so long text comes back to edit.
Body = Annotated[str, Form(max_length=TEXT_FIELD_CHARS)]
Short = Annotated[str, Form(max_length=40)]
Next = Annotated[str, Form(max_length=2_000)]
STAFF_SEEING_HIDDEN = ("moderator", "administrator")


def _form_page(
    request: Request,
    *,
    action: str,
    target_type: str,
    target: Any,
    body: str,
    errors: dict[str, FieldError],
    parent_id: int | None = None,
    editing: bool = False,
    status: int = 200,
) -> Response:
    return render(
        request,
        "comments/form.html",
        {
            "action": action,
            "target_type": target_type,
            "target": target,
            "target_title": str(getattr(target, "title", "")),
            "target_path": target_path(target_type, target.id),
            "parent_id": parent_id,
            "body": body,
            "errors": errors,
            "editing": editing,
            "body_max": BODY_MAX,
        },
        status_code=status,
    )


def _optional_id(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 2**63 - 1:
        raise NotFound()
    return int(text)


def _back(next_path: str, default: str, comment_id: int) -> RedirectResponse:
    return RedirectResponse(f"{safe_next(next_path, default)}#comment-{comment_id}", 303)


@router.post("", name="create_comment", max_body_size=TEXT_FORM_BYTES, form_limits=TEXT_FORM_LIMITS)
def create_comment(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    target_type: Short,
    target_id: IdForm,
    body: Body = "",
    parent_id: Short = "",
) -> Response:
    if target_type == "comment":
        raise NotFound()  # replies name their parent; a comment is not a target of its own
    target = load_target(session, target_type, target_id)
    authorize(actor.person, "comments.create", target)
    parent_number = _optional_id(parent_id)
    parent = (
        service.reply_parent(session, target_type, target_id, parent_number)
        if parent_number is not None
        else None
    )
    try:
        form = parse_form(CommentForm, {"body": body})
    except FormInvalid as invalid:
        return _form_page(
            request,
            action="/comments",
            target_type=target_type,
            target=target,
            body=body,
            errors=dict(invalid.errors),
            parent_id=parent_number,
            status=422,
        )
    comment = service.create_comment(
        session, actor.person, target_type, target, form.body, parent=parent
    )
    flash(request, N_("Your comment has been published."), "success")
    return RedirectResponse(service.comment_location(session, comment), status_code=303)


@router.get("/{comment_id}", name="show_comment")
def show_comment(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    principal: PrincipalDep,
    comment_id: IdPath,
) -> Response:
    comment = service.get_comment(session, comment_id)
    staff = principal is not None and principal.has_role(*STAFF_SEEING_HIDDEN)
    service.target_of(session, comment, include_hidden=staff)
    return RedirectResponse(service.comment_location(session, comment), status_code=303)


@router.post("/{comment_id}/vote", name="vote_comment")
def vote_comment(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    comment_id: IdPath,
    value: Short = "",
    next: Next = "",
) -> Response:
    comment = service.get_comment(session, comment_id)
    service.target_of(session, comment)
    authorize(actor.person, "comments.vote", comment)
    if value not in service.VOTE_VALUES:
        raise NotFound()
    service.vote_comment(session, actor.person.user_id, comment, service.VOTE_VALUES[value])
    default = target_path(comment.target_type, comment.target_id)
    return _back(next, default, comment.id)


@router.get("/{comment_id}/edit", name="edit_comment_form")
def edit_comment_form(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    comment_id: IdPath,
) -> Response:
    comment = service.get_comment(session, comment_id)
    target = service.target_of(session, comment)
    authorize(actor.person, "comments.edit", comment)
    return _form_page(
        request,
        action=f"/comments/{comment.id}/edit",
        target_type=comment.target_type,
        target=target,
        body=comment.body,
        errors={},
        editing=True,
    )


@router.post(
    "/{comment_id}/edit",
    name="edit_comment",
    max_body_size=TEXT_FORM_BYTES,
    form_limits=TEXT_FORM_LIMITS,
)
def edit_comment(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    comment_id: IdPath,
    body: Body = "",
) -> Response:
    comment = service.get_comment(session, comment_id)
    target = service.target_of(session, comment)
    authorize(actor.person, "comments.edit", comment)
    try:
        form = parse_form(CommentForm, {"body": body})
    except FormInvalid as invalid:
        return _form_page(
            request,
            action=f"/comments/{comment.id}/edit",
            target_type=comment.target_type,
            target=target,
            body=body,
            errors=dict(invalid.errors),
            editing=True,
            status=422,
        )
    service.edit_comment(session, comment, form.body)
    flash(request, N_("Your comment has been updated."), "success")
    return RedirectResponse(service.comment_location(session, comment), status_code=303)


@router.post("/{comment_id}/delete", name="delete_comment")
def delete_comment(
    request: Request,
    tenant: TenantDep,
    session: SessionDep,
    actor: ActorDep,
    comment_id: IdPath,
    next: Next = "",
) -> Response:
    comment = service.get_comment(session, comment_id)
    service.target_of(session, comment)
    authorize(actor.person, "comments.delete", comment)
    service.delete_comment(session, comment)
    flash(request, N_("Your comment has been deleted."), "success")
    default = target_path(comment.target_type, comment.target_id)
    return _back(next, default, comment.id)
